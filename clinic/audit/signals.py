"""Sign-ins, failed sign-ins, lockouts, sign-outs and permission changes, as audit events.

Inside a request the events wait on the request and the audit middleware writes them once the
response is known (one entry per request, with its status and path); outside one (a
management command, a shell) they are written at once.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from clinic.audit.context import current_request, pending_events
from clinic.audit.models import Action, Outcome
from clinic.audit.net import client_ip, request_id
from clinic.audit.services import audit_record

User = get_user_model()

# What decides who may do what: a change to any of these is a permission change.
PERMISSION_FIELDS = ("role", "clinic_id", "is_active", "is_staff", "is_superuser")
_PERMISSION_NAMES = {*PERMISSION_FIELDS, "clinic"}  # as ``save(update_fields=...)`` may say


def _http_request(request):
    return getattr(request, "_request", request)  # a DRF Request wraps Django's


def _emit(request, event: dict) -> None:
    request = _http_request(request)
    queue = pending_events(request)
    if queue is not None:
        queue.append(event)
        return
    write_auth_event(event, request=request)


def write_auth_event(event: dict, *, request=None, status_code=None) -> None:
    """Write one sign-in event (see ``_emit``)."""
    user = event.get("user")
    username = event.get("username") or ""
    if user is None and username:
        user = User.objects.filter(username=username).only("id", "clinic_id", "role",
                                                             "is_superuser").first()
    action = event["action"]
    outcome = Outcome.SUCCESS if action in (Action.LOGIN, Action.LOGOUT, Action.UNLOCK) \
        else Outcome.DENIED
    audit_record(
        action=action, outcome=outcome,
        clinic_id=getattr(user, "clinic_id", None),
        actor=user, actor_username=username,
        object_type="user", object_id=getattr(user, "pk", None) or "",
        ip=client_ip(request) if request is not None else None,
        request_id=request_id(request) if request is not None else "",
        status_code=status_code,
        method=(getattr(request, "method", "") or "") if request is not None else "",
        path=(getattr(request, "path", "") or "") if request is not None else "",
        detail=event.get("detail") or {},
    )


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    _emit(request, {"action": Action.LOGIN, "user": user})


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if request is None or user is None:
        return
    _emit(request, {"action": Action.LOGOUT, "user": user})


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return  # server-side authentication (no one outside can reach it)
    username = str(credentials.get("username") or "")[:150]
    _emit(request, {"action": Action.LOGIN_FAILED, "username": username})


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    if request is None:
        return
    _emit(request, {"action": Action.LOCKOUT, "username": str(username or "")[:150]})


@receiver(post_delete, sender=AccessAttempt)
def _unlocked(sender, instance, **kwargs):
    # An admin's unlock through the admin is a request the middleware logs; here the other
    # way in: ``manage.py axes_reset_username`` (no request). Deletions during a sign-in
    # (expired attempts, a success resetting the counter) are not unlocks.
    if current_request() is not None:
        return
    write_auth_event({"action": Action.UNLOCK, "username": instance.username or "",
                      "detail": {"via": "command"}})


# --- role and permission changes -------------------------------------------------------------

def _actor():
    request = current_request()
    user = getattr(request, "user", None) if request is not None else None
    return (user if user is not None and user.is_authenticated else None), request


def _record_permission_change(user, changes: dict) -> None:
    actor, request = _actor()
    audit_record(
        action=Action.PERMISSION_CHANGE, clinic_id=user.clinic_id, actor=actor,
        object_type="user", object_id=user.pk,
        ip=client_ip(request) if request is not None else None,
        request_id=request_id(request) if request is not None else "",
        method=request.method if request is not None else "",
        path=request.path if request is not None else "",
        detail={"user": user.get_username(), **changes,
                **({} if request is not None else {"via": "system"})},
    )


@receiver(pre_save, sender=User)
def _remember_permissions(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not (_PERMISSION_NAMES | {"password"}) & set(update_fields):
        return  # e.g. last_login on every sign-in: nothing to compare, no query
    before = User.objects.filter(pk=instance.pk).values(*PERMISSION_FIELDS, "password").first()
    if before is not None:
        # set_password() (the admin's form, the password change page, `changepassword`) or
        # a hash written directly: either way the credential changed.
        instance._audit_password_changed = before.pop("password") != instance.password
    instance._audit_permissions_before = before


def _record_password_change(user) -> None:
    """A password set for an existing account: who set it (the person, an admin, a command).

    Never the password or its hash; the account and whether it was the person's own act.
    """
    actor, request = _actor()
    by = "system" if request is None else (
        "self" if actor is not None and actor.pk == user.pk else "other")
    audit_record(
        action=Action.PASSWORD_CHANGE, clinic_id=user.clinic_id, actor=actor,
        object_type="user", object_id=user.pk,
        ip=client_ip(request) if request is not None else None,
        request_id=request_id(request) if request is not None else "",
        method=request.method if request is not None else "",
        path=request.path if request is not None else "",
        detail={"user": user.get_username(), "by": by},
    )


@receiver(post_save, sender=User)
def _permissions_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        changes = {f: [None, getattr(instance, f)] for f in PERMISSION_FIELDS
                   if getattr(instance, f) not in (None, "", False)}
        _record_permission_change(instance, {"created": True, **changes})
        return
    if getattr(instance, "_audit_password_changed", False):
        instance._audit_password_changed = False
        _record_password_change(instance)
    before = getattr(instance, "_audit_permissions_before", None)
    if before is None:
        return
    instance._audit_permissions_before = None
    changes = {f: [before[f], getattr(instance, f)] for f in PERMISSION_FIELDS
               if before[f] != getattr(instance, f)}
    if changes:
        _record_permission_change(instance, changes)


def _m2m_permissions(sender, instance, action, reverse, pk_set, field: str, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    verb = action.removeprefix("post_")
    if not reverse:
        _record_permission_change(instance, {field: {verb: sorted(pk_set or [])}})
        return
    for user in User.objects.filter(pk__in=pk_set or []):
        _record_permission_change(user, {field: {verb: [instance.pk]}})


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender, **kwargs):
    _m2m_permissions(sender, field="groups", **kwargs)


@receiver(m2m_changed, sender=User.user_permissions.through)
def _user_permissions_changed(sender, **kwargs):
    _m2m_permissions(sender, field="user_permissions", **kwargs)
