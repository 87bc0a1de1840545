"""Pages of the clinic core. Each role's home and the patient pages show plans, so they are
composed in ``pages`` (docs/architecture.md)."""

from __future__ import annotations

from django.http import HttpResponse

from clinic.web import staff_required


@staff_required
def keepalive(request):
    """"Stay signed in": any request renews the session (SESSION_SAVE_EVERY_REQUEST)."""
    return HttpResponse(status=204)
