"""The sign-in pages: Django's own views, rate-limited and bounded, and the password reset by
e-mail switched off.

Sign-in attempts on this page and on ``POST /api/auth/token/`` share one count per client
address and one per username (``clinic.api.throttles``); over either, the answer is a 429
with ``Retry-After`` and no password is checked. The django-axes lockout (failures of one
username at one address) still applies underneath.

Password reset by e-mail is off: staff accounts are reset by a clinic admin (Django's admin,
audited as ``password_change``), so a mailbox is never a way into patient records.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import Http404
from django.shortcuts import render

from clinic.api.throttles import sign_in_wait

PASSWORD_MAX_LENGTH = 4096


class SignInForm(AuthenticationForm):
    """Django's form, with the password bounded like every other text field."""

    password = forms.CharField(label="Password", strip=False, max_length=PASSWORD_MAX_LENGTH,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))


class SignInView(LoginView):
    authentication_form = SignInForm

    def post(self, request, *args, **kwargs):
        wait = sign_in_wait(request)
        if wait is not None:
            seconds = max(int(wait), 1)
            response = render(request, "audit/locked_out.html", {
                "detail": "Too many sign-in attempts from this address or for this username. "
                          f"Wait {seconds} seconds and try again."}, status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)


def password_reset_disabled(request, *args, **kwargs):
    """Not found: a clinic admin resets a forgotten password (see the module's docstring)."""
    raise Http404("Password reset by e-mail is not offered; ask a clinic admin.")
