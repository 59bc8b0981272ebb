"""The `crosswind` command: one module per command group."""
