"""`python -m crosswind`."""

from crosswind.cli.main import main

main()
