"""Domain errors shared by the services; ``clinic.api.errors`` turns them into HTTP answers.

Services raise Django's ``ValidationError`` with a ``{field: message}`` dict for bad input
(400 naming the field), ``PermissionDenied`` for a role that may not act (403), and a
``DomainError`` when the request is well-formed but the records' state forbids it. Every
``DomainError`` carries its own HTTP status and JSON body, so the API's one exception handler
maps them all without knowing the apps that raise them (docs/architecture.md: the core
imports no app).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal by a business rule: ``status_code`` and ``body()`` are the API's answer."""

    status_code = 409
    code = "conflict"
    detail = "The request conflicts with the record's current state."

    def body(self) -> dict[str, Any]:
        """The JSON error body: ``{"code": ..., "detail": ...}`` plus any fields of the rule."""
        return {"code": self.code, "detail": self.detail}


class Conflict(DomainError):
    """The request is valid but conflicts with the record's current state (HTTP 409)."""

    def __init__(self, code: str, detail: str, **extra):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra  # more fields for the answer's body (e.g. what changed)

    def body(self) -> dict[str, Any]:
        return super().body() | self.extra
