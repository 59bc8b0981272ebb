"""Execution: running tasks."""
