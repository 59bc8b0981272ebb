"""Request bodies, one module per resource. Responses are plain dicts built by the routes."""
