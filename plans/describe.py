"""Plan terms in words: what changed between two versions, and versions side by side.

Pages need these sentences (the plan card's history, the inbox's "what approving changes");
they are reads of a plan's versions, so the pages of every app use them from here.
"""

from __future__ import annotations

import datetime as dt

from clinic.regions import label
from plans.models import PlanVersion
from plans.services import AMENDABLE_FIELDS


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else "—"


def _weekly(value: int | None) -> str:
    return f"{value} a week" if value else "no weekly limit"


def describe_changes(before: dict, after: dict) -> list[str]:
    """Each difference between two sets of plan terms, as a reader says it:
    "+ Left foot", "− Head", "30 → 45 min", "8 → 10 sessions", "valid until 1 Mar → 15 Mar"."""
    out: list[str] = []

    def has(key):
        return key in after and after[key] != before.get(key)

    if has("regions"):
        old, new = before.get("regions") or [], after["regions"] or []
        out += [f"+ {label(c)}" for c in new if c not in old]
        out += [f"− {label(c)}" for c in old if c not in new]
    if has("avoid_regions"):
        old, new = before.get("avoid_regions") or [], after["avoid_regions"] or []
        out += [f"avoid + {label(c)}" for c in new if c not in old]
        out += [f"avoid − {label(c)}" for c in old if c not in new]
    if has("session_minutes"):
        out.append(f"{before.get('session_minutes')} → {after['session_minutes']} min")
    if has("sessions_authorized"):
        out.append(f"{before.get('sessions_authorized')} → {after['sessions_authorized']} "
                   "sessions")
    if has("sessions_per_week"):
        out.append(f"{_weekly(before.get('sessions_per_week'))} → "
                   f"{_weekly(after['sessions_per_week'])}")
    if has("valid_from"):
        out.append(f"valid from {_day(before.get('valid_from'))} → {_day(after['valid_from'])}")
    if has("valid_until"):
        out.append(f"valid until {_day(before.get('valid_until'))} → "
                   f"{_day(after['valid_until'])}")
    if has("techniques"):
        old, new = before.get("techniques") or [], after["techniques"] or []
        out += [f"+ technique {t}" for t in new if t not in old]
        out += [f"− technique {t}" for t in old if t not in new]
    if has("diagnosis"):
        out.append("diagnosis changed")
    if has("notes"):
        out.append("notes changed")
    return out


def version_terms(version: PlanVersion) -> dict:
    return {name: getattr(version, name) for name in AMENDABLE_FIELDS}


HISTORY_ROWS = [
    ("regions", "Regions"), ("avoid_regions", "Avoid"), ("session_minutes", "Minutes"),
    ("sessions_authorized", "Sessions"), ("sessions_per_week", "A week"),
    ("valid_from", "Valid from"), ("valid_until", "Valid until"), ("techniques", "Techniques"),
    ("diagnosis", "Diagnosis"),
]


def _show(name: str, value) -> str:
    if name in ("regions", "avoid_regions"):
        return ", ".join(label(c) for c in value) or "—"
    if name == "techniques":
        return ", ".join(value) or "any"
    if name in ("valid_from", "valid_until"):
        return _day(value)
    if name == "sessions_per_week":
        return str(value) if value else "no limit"
    return str(value) if value not in (None, "") else "—"


def history(versions: list[PlanVersion]) -> dict:
    """Versions side by side: one row per term, a cell marked where it changed."""
    rows = []
    for name, title in HISTORY_ROWS:
        cells = []
        for i, version in enumerate(versions):
            value = getattr(version, name)
            changed = i > 0 and value != getattr(versions[i - 1], name)
            cells.append({"text": _show(name, value), "changed": changed})
        rows.append({"title": title, "cells": cells})
    summaries = [
        {"version": v, "changes": describe_changes(version_terms(versions[i - 1]),
                                                   version_terms(v)) if i else []}
        for i, v in enumerate(versions)
    ]
    return {"rows": rows, "versions": versions, "summaries": summaries}


