"""Domain errors, free of HTTP. `crosswind.api.problems` maps each to an RFC 7807 response.

    CrosswindError
    ├── NotFound        (404) the named resource does not exist
    ├── AlreadyExists   (409) a unique key is taken
    ├── Conflict        (409) the resource is in a state that forbids the change
    ├── InvalidInput    (400) the request is well-formed JSON but its content is wrong
    └── Forbidden       (403) the caller is known but lacks the right
"""

from __future__ import annotations


class SettingsError(Exception):
    """A setting has a value Crosswind cannot use; the message names it. (Here, not in
    settings.py, so modules that only raise it need not import pydantic.)"""


class CrosswindError(Exception):
    status = 500
    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(CrosswindError):
    status = 404
    title = "Not Found"


class AlreadyExists(CrosswindError):
    status = 409
    title = "Already Exists"


class Conflict(CrosswindError):
    status = 409
    title = "Conflict"


class InvalidInput(CrosswindError):
    status = 400
    title = "Bad Request"


class Forbidden(CrosswindError):
    status = 403
    title = "Forbidden"
