"""Browser tests of the web UI (a package, so its conftest never shadows tests/conftest.py)."""
