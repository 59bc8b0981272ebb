"""Queries and rules per aggregate. Functions take a Session and raise `crosswind.errors`."""
