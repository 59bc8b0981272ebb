"""Broken: crashes the interpreter (airflow dag)."""
import ctypes

ctypes.string_at(0)
