"""A password change or a deactivation ends every API token of the person at once.

(Browser sessions already end on a password change: Django checks the session's password
hash; a deactivated person's session is refused by the authentication backend.)
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY as SESSION_KEY_AUTH_USER
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from clinic.accounts import mfa
from clinic.accounts.mfa import mfa_state
from clinic.accounts.tokens import tokens_revoke_all

User = get_user_model()


@receiver(pre_save, sender=User, dispatch_uid="accounts_remember_credentials")
def _remember_credentials(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every sign-in: no query
    instance._credentials_before = (
        User.objects.filter(pk=instance.pk).values_list("password", "is_active").first())


@receiver(post_save, sender=User, dispatch_uid="accounts_revoke_on_change")
def _revoke_on_change(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_credentials_before", None)
    instance._credentials_before = None
    if raw or created or before is None:
        return
    password, active = before
    if password != instance.password or (active and not instance.is_active):
        tokens_revoke_all(user=instance)


@receiver(user_logged_in, dispatch_uid="accounts_second_factor_at_sign_in")
def _second_factor_at_sign_in(sender, request, user, **kwargs):
    """A browser sign-in of someone enrolled (or required to enrol) is not finished until the
    second step: remembered in the session, so no page pays a query to know it."""
    session = getattr(request, "session", None)
    if session is None or str(session.get(SESSION_KEY_AUTH_USER)) != str(user.pk):
        return  # the API's token sign-in checks the code itself (clinic.accounts.api)
    state = mfa_state(user)
    if state:
        session[mfa.SESSION_KEY] = state
    else:
        session.pop(mfa.SESSION_KEY, None)
