"""The package version (kept apart so the authoring API stays import-light)."""

__version__ = "0.1.0"
