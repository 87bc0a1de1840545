"""One audit entry per request that touches patient data, written after the response.

What a request touches comes from ``clinic.audit.targets``; the patient it belongs to from the
URL, the answer's ids or the ids the client sent (``clinic.audit.resolve``). Nothing of the
body or the query string's values is kept. If the entry cannot be written the request fails
(500): an access that cannot be accounted for is not served.

A request that may write (any method but GET, HEAD, OPTIONS, TRACE) runs in one database
transaction that also holds its entry: a session and the record of who logged it commit
together or not at all. A 500 rolls the request's writes back and is recorded on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.core.handlers.exception import response_for_exception
from django.db import connection, transaction
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from clinic.audit import context
from clinic.audit.models import Action, Outcome
from clinic.audit.net import client_ip, request_id
from clinic.audit.resolve import HINT_KEYS, patient_of
from clinic.audit.services import audit_record, outcome_for
from clinic.audit.signals import write_auth_event
from clinic.audit.targets import API, admin_target, page_target
from clinic.idempotency.api import REPLAYED_HEADER


class TransactionFailed(RuntimeError):
    """A request's transaction was aborted although its view answered success."""


READS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _transaction_failed() -> bool:
    """Whether PostgreSQL has aborted the open transaction (a statement failed in it and the
    view caught the error): only a rollback is possible then."""
    if connection.needs_rollback:
        return True
    raw = connection.connection
    return raw is not None and raw.get_transaction_status() == TRANSACTION_STATUS_INERROR


def _json_object(content: bytes) -> Mapping | None:
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, Mapping) else None


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def logged_path(request) -> str:
    """The path with the query string's keys but none of its values (a search may be a name)."""
    keys = sorted({k for k in request.GET if k})
    path = request.path
    return f"{path}?{'&'.join(keys)}" if keys else path


def request_target(request):
    """``(object_type, object id from the URL, action)`` or None when not patient data."""
    match = request.resolver_match
    if match is None:
        return None
    method = request.method or "GET"
    func = match.func
    declared = getattr(func, "audit_object", None) or getattr(
        getattr(func, "view_class", None), "audit_object", None)
    if declared is not None:
        oid = match.kwargs.get(declared.kwarg) if declared.kwarg else None
        return declared.object_type, oid, declared.action_for(method)
    if "admin" in match.namespaces:
        found = admin_target(match.url_name, method)
        return (found[0], match.kwargs.get("object_id"), found[1]) if found else None
    if match.url_name in API and request.path.startswith("/api/"):
        target = API[match.url_name]
        oid = match.kwargs.get(target.kwarg) if target.kwarg else None
        return target.object_type, oid, target.action_for(method)
    found = page_target(request.path, method)
    if found:
        return found[0].object_type, found[1], found[2]
    return None


def _version(data: Mapping) -> int | None:
    current = data.get("current_version")
    if isinstance(current, Mapping):
        return _int(current.get("number"))
    for key in ("plan_version", "number", "resulting_version"):
        value = data.get(key)
        if isinstance(value, Mapping):
            value = value.get("number")
        if _int(value):
            return _int(value)
    return None


def _sent_data(request, response) -> Mapping:
    """What the client sent, if the view already read it (never read from the wire here)."""
    drf_request = (getattr(response, "renderer_context", None) or {}).get("request")
    data = getattr(drf_request, "_full_data", None)
    if isinstance(data, Mapping):
        return data
    post = getattr(request, "_post", None)
    if isinstance(post, Mapping):
        return post
    # A view that failed (500) leaves no parsed data behind, only the body it read: the ids
    # in it still say whose record the failed write was about.
    body = getattr(request, "_body", None)
    if body and request.content_type == "application/json":
        return _json_object(body) or {}
    return {}


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id(request)
        token = context.enter(request)
        try:
            if request.method in READS:
                response = self.get_response(request)
                self.record(request, response)
            else:
                response = self.write_and_record(request)
        finally:
            context.leave(token)
        if not response.has_header("X-Request-ID"):
            response["X-Request-ID"] = rid
        return response

    def write_and_record(self, request):
        """A request that may change records runs in one transaction with its audit entry:
        the change and its account of it commit together, or neither does. An answer of 500,
        or a database error the view caught (the transaction can no longer commit), rolls the
        request's writes back; the entry is then written on its own."""
        with transaction.atomic():
            response = self.get_response(request)
            failed = _transaction_failed()
            joined = response.status_code < 500 and not failed
            if joined:
                self.record(request, response)
            else:
                transaction.set_rollback(True)
        if failed and response.status_code < 400:
            # The view caught a database error yet answered success: what it reports saved
            # was just rolled back. Say so rather than let the client believe it.
            response = response_for_exception(request, TransactionFailed(
                f"{request.method} {request.path}: the transaction failed, the view "
                f"answered {response.status_code}"))
        if not joined:
            self.record(request, response)
        return response

    def record(self, request, response) -> None:
        self.record_auth_events(request, response)
        self.record_access(request, response)

    def record_auth_events(self, request, response) -> None:
        events = request.audit_events
        if not events:
            return
        kinds = {e["action"] for e in events}
        if Action.LOCKOUT in kinds:  # the failure that locked (or hit) the lock: one entry
            events = [e for e in events if e["action"] != Action.LOGIN_FAILED]
        seen = set()
        for event in events:
            key = (event["action"], event.get("username"), getattr(event.get("user"), "pk", None))
            if key in seen:
                continue
            seen.add(key)
            write_auth_event(event, request=request, status_code=response.status_code)

    def record_access(self, request, response) -> None:
        if getattr(request, "audit_recorded", False):
            return  # the view wrote its own entry (the CSV export)
        target = request_target(request)
        if target is None:
            return
        object_type, object_id, action = target
        if action is None:
            return
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        status = response.status_code
        outcome = outcome_for(status) if signed_in else Outcome.DENIED
        clinic_id = user.clinic_id if signed_in else None

        data = getattr(response, "data", None)
        # What an update changed, by field name (clinic.audit.context.note_changed_fields).
        detail = getattr(request, "audit_detail", None)
        if response.get(REPLAYED_HEADER) == "true":
            # An Idempotency-Key retry: nothing was written, the stored answer was read again.
            action, detail = Action.READ, {"idempotent_replay": True}
            data = _json_object(response.content)
        if getattr(request, "audit_detail", None):  # e.g. a read under a break-glass grant
            detail = {**(detail or {}), **request.audit_detail}
        data = data if isinstance(data, Mapping) and "results" not in data else {}
        if not object_id and status == 201:
            object_id = data.get("id")
        patient_id = None
        version = _version(data) if data else None
        if signed_in:
            patient_id, clinic_id = self._patient(object_type, object_id, data, request,
                                                  response, clinic_id)

        audit_record(
            action=action, outcome=outcome, clinic_id=clinic_id,
            actor=user if signed_in else None, object_type=object_type,
            object_id=object_id or "", object_version=version, patient_id=patient_id,
            ip=client_ip(request), request_id=request_id(request), status_code=status,
            method=request.method or "", path=logged_path(request), detail=detail,
        )

    @staticmethod
    def _patient(object_type, object_id, data, request, response, clinic_id):
        """``(patient id, clinic id)``: the answer's own ``patient`` field when the view
        found the object, else one scoped lookup of the object or of an id the client sent."""
        if response.status_code < 400:  # the view found it in the caller's clinic
            if object_type == "patient" and _int(object_id):
                return _int(object_id), clinic_id
            if _int(data.get("patient")):
                return _int(data["patient"]), clinic_id
        candidates = []
        if object_id:
            candidates.append((object_type, object_id))
        sent = _sent_data(request, response)
        for key in HINT_KEYS:
            for source in (data, sent, request.GET):
                value = source.get(key) if isinstance(source, Mapping) else None
                if _int(value):
                    candidates.append((key, value))
                    break
        for kind, value in candidates:
            found = patient_of(kind, value, clinic_id)
            if found:
                return found[0], found[1] if clinic_id is None else clinic_id
        return None, clinic_id
