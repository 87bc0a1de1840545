"""Issuing, checking and revoking API tokens (django-rest-knox underneath).

A token stops working at the first of: ``TOKEN_IDLE_MINUTES`` without use, ``TOKEN_MAX_HOURS``
after sign-in, sign-out (``POST /api/auth/logout/``), revocation by its owner or their clinic's
admin, a password change, deactivation. Only the SHA-512 digest of a token is stored.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings

from clinic.accounts.models import ApiToken


def token_latest_expiry(token: ApiToken) -> dt.datetime:
    """The moment the token dies even if used every minute: sign-in + ``TOKEN_MAX_HOURS``."""
    return token.created + knox_settings.AUTO_REFRESH_MAX_TTL


def token_issue(*, user, device: str = "") -> tuple[ApiToken, str]:
    """A new token for one device (earlier devices keep theirs). Returns the row and the secret,
    which is shown once and never stored. The user's dead tokens are cleared on the way."""
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    return ApiToken.objects.create(user=user, device=device[:120])


def token_find(secret: str) -> ApiToken | None:
    """The live token for ``secret`` with its user and clinic (one indexed query), or None.

    The lookup is by digest (unique): a guess costs a hash and an index probe, and nothing
    about a real token leaks through timing (the digest of a wrong guess shares nothing with
    it)."""
    if not secret or len(secret) > 256:
        return None
    try:
        digest = hash_token(secret)
    except (TypeError, ValueError, UnicodeError):
        return None
    return (ApiToken.objects.select_related("user", "user__clinic")
            .filter(digest=digest, token_key=secret[:CONSTANTS.TOKEN_KEY_LENGTH],
                    expiry__gt=timezone.now())
            .first())


def token_touch(token: ApiToken) -> None:
    """Slide the idle expiry after a use, never past the absolute limit.

    Written at most once a ``MIN_REFRESH_INTERVAL`` (60 s) per token: a busy front desk does
    not pay a write on every request, and the idle limit is exact to the minute."""
    now = timezone.now()
    new_expiry = min(now + knox_settings.TOKEN_TTL, token_latest_expiry(token))
    if (new_expiry - token.expiry).total_seconds() > knox_settings.MIN_REFRESH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(expiry=new_expiry)
        token.expiry = new_expiry


def tokens_live(*, user) -> QuerySet[ApiToken]:
    """The person's tokens still working, newest sign-in first."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def tokens_revoke_all(*, user) -> int:
    """Every token of ``user`` stops working at once (password change, deactivation, an
    admin's "sign out everywhere"). Returns how many were live."""
    live = tokens_live(user=user).count()
    ApiToken.objects.filter(user=user).delete()
    return live
