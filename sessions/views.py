"""A logged session's page (``/sessions/<id>/``): when, who, what, its notes as written, its
addenda (add one) and its void (void it with a reason).

Thin views over sessions.selectors and sessions.services. Logging a session is a form of the
plan card, composed in ``pages.plan_card``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic.errors import Conflict
from clinic.web import staff_required
from sessions.forms import AddendumForm, VoidForm
from sessions.selectors import sessions_of_clinic
from sessions.services import session_add_addendum, session_void


def _may_amend(user, session) -> bool:
    """Add an addendum or void: only the therapist who logged the session, or a clinic admin
    (sessions.services checks it again)."""
    return (user.is_therapist and user.pk == session.therapist_id) or user.is_clinic_admin


def _session_page(request, session, *, status: int = 200, **extra):
    session = sessions_of_clinic(request.user).get(pk=session.pk)  # fresh: void, addenda
    addenda = list(session.addenda.select_related("author").order_by("created_at", "id"))
    may_amend = _may_amend(request.user, session)
    context = {
        "session": session, "plan": session.plan, "addenda": addenda,
        "can_add": may_amend and not session.is_voided,
        "can_void": may_amend and not session.is_voided,
        "addendum_form": extra.pop("addendum_form", None) or AddendumForm(),
        "void_form": extra.pop("void_form", None) or VoidForm(),
    } | extra
    return render(request, "therapy_sessions/detail.html", context, status=status)


@staff_required
def session_detail(request, pk: int):
    """A logged session: when, who, what, the notes as written, its addenda, and its void."""
    session = get_object_or_404(sessions_of_clinic(request.user), pk=pk)
    return _session_page(request, session)


@require_POST
@staff_required
def session_addendum_new(request, pk: int):
    session = get_object_or_404(sessions_of_clinic(request.user), pk=pk)
    if not _may_amend(request.user, session):
        raise PermissionDenied("Only the therapist who logged the session, or a clinic admin, "
                               "may add to its notes.")
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            session_add_addendum(session=session, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error("text", exc.message_dict.get("text", exc.messages))
        else:
            messages.success(request, "Addendum added; the notes as first written stay above.")
            return redirect("session-detail", pk=session.pk)
    return _session_page(request, session, status=400, addendum_form=form)


@require_POST
@staff_required
def session_void_view(request, pk: int):
    session = get_object_or_404(sessions_of_clinic(request.user), pk=pk)
    if not _may_amend(request.user, session):
        raise PermissionDenied("Only the therapist who logged the session, or a clinic admin, "
                               "may void it.")
    form = VoidForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            session_void(session=session, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        except Conflict as exc:
            form.add_error(None, exc.detail)
            status = 409
        else:
            messages.success(request, "Session voided: it stays on record and no longer counts "
                                      "against the plan.")
            return redirect("session-detail", pk=session.pk)
    return _session_page(request, session, status=status, void_form=form)
