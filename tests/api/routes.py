"""The API's routes, read from the URL configuration (so a new endpoint shows up by itself)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

WRITE_METHODS = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITE_METHODS)


@dataclass(frozen=True)
class Route:
    route: str  # as written in clinic/api/urls.py, e.g. "plans/<int:pk>/amend/"
    name: str
    view_class: type

    @property
    def methods(self) -> list[str]:
        """HTTP methods the view answers (upper case), HEAD/OPTIONS left out."""
        return [m.upper() for m in METHODS if hasattr(self.view_class, m)]

    def path(self, pk: int | None = None) -> str:
        path = "/api/" + self.route
        return path.replace("<int:pk>", str(pk)) if pk is not None else path


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[Route]:
    """Every route under /api/ in the project's root URL configuration."""
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/") or pattern.name == "api-unknown":
            continue  # not the API, or its catch-all 404 (tests/api/test_errors.py)
        view_class = getattr(pattern.callback, "view_class", None) or getattr(
            pattern.callback, "cls", None)
        assert view_class is not None, f"api route {route} is not a class-based view"
        routes.append(Route(route=route[len("api/"):], name=pattern.name, view_class=view_class))
    return routes
