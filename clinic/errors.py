"""Domain errors shared by the services; ``clinic.api.errors`` turns them into HTTP answers.

Services raise Django's ``ValidationError`` with a ``{field: message}`` dict for bad input
(400 naming the field), ``PermissionDenied`` for a role that may not act (403), and
``Conflict`` when the request is well-formed but the record's state forbids it (409).
"""

from __future__ import annotations


class Conflict(Exception):
    """The request is valid but conflicts with the record's current state (HTTP 409)."""

    def __init__(self, code: str, detail: str, **extra):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra  # more fields for the answer's body (e.g. what changed)
