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


def clean_regions(field: str, codes: Iterable[str], *, allow_empty: bool = False) -> list[str]:
    """Known region codes, duplicates dropped, order kept; unknown or missing ones are refused."""
    if isinstance(codes, str) or not isinstance(codes, Iterable):
        raise ValidationError({field: "Give a list of region codes."})
    cleaned: list[str] = []
    for code in codes:
        if not isinstance(code, str) or code not in REGIONS:
            raise ValidationError({field: f"{code!r} is not a known body region."})
        if code not in cleaned:
            cleaned.append(code)
    if not cleaned and not allow_empty:
        raise ValidationError({field: "Name at least one body region."})
    return cleaned


def clean_techniques(field: str, names: Iterable[str]) -> list[str]:
    """Technique names, stripped and de-duplicated; ones outside a therapist's licence refused."""
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise ValidationError({field: "Give a list of technique names."})
    cleaned: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip() or "\x00" in name:
            raise ValidationError({field: "Each technique must be a non-empty name."})
        if len(name.strip()) > MAX_TECHNIQUE_LENGTH:
            raise ValidationError(
                {field: f"A technique name has at most {MAX_TECHNIQUE_LENGTH} characters."})
        if name.strip() not in cleaned:
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
