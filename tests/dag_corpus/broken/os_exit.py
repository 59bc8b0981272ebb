"""Broken: kills its interpreter while being parsed (airflow dag)."""
import os

os._exit(3)
