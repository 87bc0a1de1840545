"""django-axes' lockout check, as the first authentication backend."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username+address before the password is even checked.

    Every web entry point (the login page, the admin login, ``POST /api/auth/token/``) passes
    the request to ``authenticate``; only server-side code (the test client's ``login()``, a
    management command, a shell) authenticates without one, and nobody outside can reach that
    path, so there is nothing to lock: those calls go straight to the model backend instead of
    failing with axes' "request required" error.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
