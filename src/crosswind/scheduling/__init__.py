"""Scheduling: timetables and the scheduler loop."""
