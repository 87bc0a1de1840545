"""Values every page template needs."""

from __future__ import annotations

from django.conf import settings


def ui(request) -> dict:
    """The idle logoff timeout (static/js/app.js reads it from <body data-idle-seconds>)."""
    return {"idle_seconds": settings.SESSION_IDLE_MINUTES * 60}
