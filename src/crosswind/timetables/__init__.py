"""Timetables: when a DAG runs and which data interval each run covers.

The classes carry Airflow 2's names and public methods (`airflow.timetables.*` is served
from here), so DAG files and plugins that subclass `Timetable` work unchanged. Built-in
timetables also take an explicit `now` (`next_dagrun_info_at`) so the scheduler's
`tick(now)` decides with a chosen time instead of the clock.
"""
