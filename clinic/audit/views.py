"""The audit page for clinic admins (``/audit/``): filter, page through, export as CSV."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils import timezone

from clinic.audit.api import AuditFilterForm
from clinic.audit.describe import describe
from clinic.audit.middleware import logged_path
from clinic.audit.models import Action
from clinic.audit.net import client_ip, request_id
from clinic.audit.selectors import audit_entries
from clinic.audit.services import audit_record
from clinic.audit.targets import audited
from clinic.numbers import whole_number

PAGE_SIZE = 100
COUNT_CAP = 1000  # "1000+": a count that costs the same in the trail's tenth year

CSV_COLUMNS = ["at", "actor", "role", "action", "object_type", "object_id", "object_version",
               "patient", "ip", "outcome", "status", "method", "path", "request_id"]


def _may_read_trail(user) -> bool:
    return user.is_active and (user.is_superuser or (user.role == "admin" and user.clinic_id))


def _csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (``=``, ``+``, ``-``, ``@`` lead)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def _rows(entries):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in entries.iterator(chunk_size=2000):
        yield writer.writerow([_csv_safe(v) for v in (
            e.at.isoformat(), e.actor_username, e.role, e.action, e.object_type, e.object_id,
            e.object_version, e.patient_id, e.ip, e.outcome, e.status_code, e.method, e.path,
            e.request_id)])


@login_required
@audited("audit", kwarg=None)
def audit_page(request):
    if not _may_read_trail(request.user):
        raise PermissionDenied("Only a clinic admin may read the audit trail.")
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    entries = audit_entries(user=request.user, **filters)
    if request.GET.get("format") == "csv" and (not form.is_bound or form.is_valid()):
        # The export is itself audited, before the first byte leaves (and only once).
        request.audit_recorded = True
        audit_record(
            action=Action.EXPORT, clinic_id=request.user.clinic_id, actor=request.user,
            object_type="audit", patient_id=filters.get("patient"), ip=client_ip(request),
            request_id=request_id(request), status_code=200, method=request.method,
            path=logged_path(request),
            detail={k: str(v) for k, v in filters.items() if k != "patient"},
        )
        response = StreamingHttpResponse(_rows(entries), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
    # Keyset paging: "Older" continues below the last id shown (?before=), an index range
    # of the trail; page numbers would need an OFFSET and a COUNT(*) over every entry.
    before = whole_number(request.GET.get("before", ""))
    newest_first = entries.filter(id__lt=before) if before else entries
    rows = list(newest_first[:PAGE_SIZE + 1])
    older = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    count = entries.order_by().values("pk")[:COUNT_CAP + 1].count()
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("page", None)
    clinic = request.user.clinic
    tz = clinic.tz if clinic is not None else dt.UTC
    return TemplateResponse(request, "audit/list.html", {
        "form": form, "entries": rows, "older": older, "is_first": not before,
        "count": min(count, COUNT_CAP), "count_capped": count > COUNT_CAP,
        "query": query.urlencode(),
        "lines": describe(rows, tz=tz, clinic_id=request.user.clinic_id),
        "tz_name": str(tz),
        "base_template": _layout(), "csv_query": (query.urlencode() + "&" if query else ""),
    })


def _layout() -> str:
    """The shared page layout when the pages have one, else a minimal standalone page."""
    try:
        get_template("base.html")
    except TemplateDoesNotExist:
        return "audit/standalone.html"
    return "base.html"
