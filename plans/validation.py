"""Input checks shared by plan and session services (bad input is a 400 naming the field)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from clinic.regions import REGIONS
from plans.techniques import outside_licence

MAX_SESSION_MINUTES = 480
MAX_SESSIONS_AUTHORIZED = 10_000
MAX_SESSIONS_PER_WEEK = 21
MAX_TECHNIQUE_LENGTH = 64
# A plan or a session names a handful of techniques; 20 leaves room and bounds the work.
MAX_TECHNIQUES = 20
MAX_REGIONS = len(REGIONS)  # a list naming each region once at most


def clean_regions(field: str, codes: Iterable[str], *, allow_empty: bool = False) -> list[str]:
    """Known region codes, duplicates dropped, order kept; unknown or missing ones are refused."""
    if isinstance(codes, str) or not isinstance(codes, Iterable):
        raise ValidationError({field: "Give a list of region codes."})
    cleaned: list[str] = []
    for count, code in enumerate(codes, start=1):
        if count > MAX_REGIONS:
            raise ValidationError({field: f"Name at most {MAX_REGIONS} body regions."})
        if not isinstance(code, str) or code not in REGIONS:
            raise ValidationError({field: f"{code!r} is not a known body region."})
        if code not in cleaned:
            cleaned.append(code)
    if not cleaned and not allow_empty:
        raise ValidationError({field: "Name at least one body region."})
    return cleaned


def clean_techniques(field: str, names: Iterable[str]) -> list[str]:
    """Technique names, stripped and de-duplicated; ones outside a therapist's licence refused.

    At most ``MAX_TECHNIQUES`` names: the check stops reading at the first one too many, and
    remembers the names seen in a set, so its cost is linear in what it was given.
    """
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise ValidationError({field: "Give a list of technique names."})
    cleaned: list[str] = []
    seen: set[str] = set()
    for count, name in enumerate(names, start=1):
        if count > MAX_TECHNIQUES:
            raise ValidationError({field: f"Name at most {MAX_TECHNIQUES} techniques."})
        if not isinstance(name, str) or not name.strip() or "\x00" in name:
            raise ValidationError({field: "Each technique must be a non-empty name."})
        if len(name.strip()) > MAX_TECHNIQUE_LENGTH:
            raise ValidationError(
                {field: f"A technique name has at most {MAX_TECHNIQUE_LENGTH} characters."})
        if name.strip() not in seen:
            seen.add(name.strip())
            cleaned.append(name.strip())
    barred = outside_licence(cleaned)
    if barred:
        raise ValidationError({field: f"{', '.join(barred)} is outside a massage therapist's "
                                      "scope of practice and cannot be prescribed or logged."})
    return cleaned


def check_range(field: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: "A whole number is required."})
    if not low <= value <= high:
        raise ValidationError({field: f"Must be between {low} and {high}."})
    return value
