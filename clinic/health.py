"""Liveness for load balancers and compose health checks: the app answers and the DB does.

``/healthz/`` is answered by the first middleware, before the HTTPS redirect and the host
check: a container's health check calls ``http://127.0.0.1:8000/healthz/`` from inside the
container, over plain HTTP and with a Host that is not one of ``ALLOWED_HOSTS``. It says
nothing but "ok" and touches no patient data.
"""

from django.db import connection
from django.http import JsonResponse

HEALTH_PATH = "/healthz/"


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer ``GET /healthz/`` before SecurityMiddleware (HTTPS redirect) and the host check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
