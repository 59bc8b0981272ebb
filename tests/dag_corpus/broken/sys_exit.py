"""Broken: calls sys.exit while being parsed (airflow dag)."""
import sys

sys.exit("bye from the dag file")
