"""API authentication: ``Authorization: Token <token>`` (django-rest-knox tokens, hashed,
expiring; see ``clinic.accounts.tokens``). The user and their clinic come in the same query
as the token."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from clinic.accounts.tokens import token_find, token_touch


class ClinicTokenAuthentication(TokenAuthentication):
    """Knox's header handling; our lookup: one indexed query by digest (knox's own walks every
    token of the user on each request to delete expired ones: a query per request we avoid;
    dead tokens are cleared when the user signs in again)."""

    def authenticate(self, request):
        found = getattr(request._request, "_plankeeper_token", None)
        if found is not None:  # already looked up for this request (BreakGlassMiddleware)
            return self._accept(found)
        return super().authenticate(request)

    def authenticate_credentials(self, token: bytes):
        try:
            secret = token.decode("ascii")
        except UnicodeDecodeError:
            secret = ""
        found = token_find(secret)
        if found is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return self._accept(found)

    @staticmethod
    def _accept(found):
        if not found.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        token_touch(found)
        return found.user, found


__all__ = ["ClinicTokenAuthentication"]


class ClinicTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme: ``Authorization: Token <token>`` (DRF's "tokenAuth")."""

    target_class = ClinicTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization",
                                                   token_prefix="Token")
