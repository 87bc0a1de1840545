"""Reads of plans: what a person may see, and how much of a plan is used."""

from __future__ import annotations

import datetime as dt
import functools

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from clinic.models import Clinic, User
from plans.models import PlanVersion, TreatmentPlan
from plans.rules import PlanUsage, week_bounds


def plans_visible_to(user: User) -> QuerySet[TreatmentPlan]:
    """Plans of the user's own clinic (every role sees them; nobody sees another clinic's)."""
    if not user.is_authenticated or user.clinic_id is None:
        return TreatmentPlan.objects.none()
    return TreatmentPlan.objects.filter(clinic_id=user.clinic_id)


def plans_with_usage(qs: QuerySet[TreatmentPlan], *, at: dt.datetime | None = None):
    """Annotate ``sessions_used`` (voided sessions do not count) in the same query."""
    return qs.select_related(
        "clinic", "patient", "prescriber", "current_version", "current_version__signed_by"
    ).annotate(
        sessions_used=Count("sessions", filter=Q(sessions__void__isnull=True), distinct=True),
    ).order_by(*TreatmentPlan._meta.ordering)  # Meta.ordering is dropped from GROUP BY queries


# The hottest query of the app (every session log runs it under the plan's lock), written
# out once: the ORM spends longer compiling the filtered aggregate than PostgreSQL running it.
# {plan} is the plan's id: a parameter here, the locked row's column in plan_locked below.
_USAGE = """
    SELECT COUNT(*) AS used,
           COUNT(*) FILTER (WHERE s.started_at >= %s AND s.started_at < %s) AS this_week
      FROM therapy_sessions_therapysession s
     WHERE s.plan_id = {plan}
       AND NOT EXISTS (SELECT 1 FROM therapy_sessions_sessionvoid v WHERE v.session_id = s.id)
"""
_USAGE_SQL = _USAGE.format(plan="%s")


def plan_usage(plan: TreatmentPlan, *, at: dt.datetime | None = None) -> PlanUsage:
    """Sessions counted against the plan, in all and in the clinic week holding ``at``.

    One query whatever the number of sessions; voided sessions do not count.
    """
    start, end = week_bounds(plan, at or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_USAGE_SQL, [start, end, plan.pk])
        used, week = cursor.fetchone()
    return PlanUsage(sessions_used=used, sessions_this_week=week)


# --- the plan a session is logged against, locked, with its usage ---------------------------
# session_log's lock, in plain SQL built once from the models' fields: the ORM spends longer
# compiling this three-table query than PostgreSQL takes to run it, on every session logged.
_LOCKED_MODELS = ((TreatmentPlan, "p"), (Clinic, "c"), (PlanVersion, "v"))


@functools.cache
def _lock_sql(in_clinic: bool) -> str:
    """Two statements sent together (one round trip; psycopg2 returns the last one's rows).

    The first locks the plan row, waiting for a concurrent session log to commit. The second
    starts after it with a fresh snapshot (READ COMMITTED: each statement takes its own), so
    it counts every session committed before the lock was granted - including the one just
    logged by whoever held the lock. Counting in the locking statement itself would not: its
    snapshot predates the wait.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{quote(f.column)}" for model, alias in _LOCKED_MODELS
                        for f in model._meta.concrete_fields)
    where = "p.id = %s" + (" AND p.clinic_id = %s" if in_clinic else "")
    plans = quote(TreatmentPlan._meta.db_table)
    # Table and column names from the models only; the values are parameters.
    return (f"SELECT 1 FROM {plans} p WHERE {where} FOR UPDATE OF p;"  # noqa: S608
            f" SELECT {columns}, u.used, u.this_week FROM {plans} p"
            f" JOIN {quote(Clinic._meta.db_table)} c ON c.id = p.clinic_id"
            f" LEFT JOIN {quote(PlanVersion._meta.db_table)} v ON v.id = p.current_version_id"
            f" CROSS JOIN LATERAL ({_USAGE.format(plan='p.id')}) u"
            f" WHERE {where}")


def _instance(model, values):
    """A model instance from its row, as the ORM would build it (with its field converters)."""
    fields = model._meta.concrete_fields
    values = list(values)
    for i, field in enumerate(fields):
        for convert in field.get_db_converters(connection):
            values[i] = convert(values[i], field.cached_col, connection)
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values)


def plan_locked(pk: int, *, week: tuple[dt.datetime, dt.datetime],
                clinic_id: int | None = None) -> tuple[TreatmentPlan, PlanUsage] | None:
    """The plan, its row locked until the transaction ends, with its clinic and current
    version loaded, and its usage (``week``: the clinic week to count, see
    ``plans.rules.clinic_week``); None when there is no such plan (in that clinic, when one is
    given). The lock is what serialises two therapists logging the last authorised session.
    """
    where = [pk] if clinic_id is None else [pk, clinic_id]
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(clinic_id is not None), [*where, *week, *where])
        row = cursor.fetchone()
    if row is None:
        return None
    plan_end = len(TreatmentPlan._meta.concrete_fields)
    clinic_end = plan_end + len(Clinic._meta.concrete_fields)
    plan = _instance(TreatmentPlan, row[:plan_end])
    TreatmentPlan.clinic.field.set_cached_value(plan, _instance(Clinic, row[plan_end:clinic_end]))
    version_row = row[clinic_end:-2]
    version = _instance(PlanVersion, version_row) if version_row[0] is not None else None
    TreatmentPlan.current_version.field.set_cached_value(plan, version)
    return plan, PlanUsage(sessions_used=row[-2], sessions_this_week=row[-1])
