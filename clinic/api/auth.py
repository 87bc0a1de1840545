"""API authentication: DRF tokens, loaded with the user's clinic in one query."""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class ClinicTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; the user and their clinic come in the same query."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__clinic").get(key=key)
        except (model.DoesNotExist, ValueError):
            from rest_framework import exceptions

            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            from rest_framework import exceptions

            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return (token.user, token)


__all__ = ["ClinicTokenAuthentication", "Token"]
