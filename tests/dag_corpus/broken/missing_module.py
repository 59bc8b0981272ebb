"""Broken: imports a module that is not installed (airflow dag)."""
import crosswind_corpus_no_such_module  # noqa: F401
