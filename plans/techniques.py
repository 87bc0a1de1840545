"""Technique names: how they compare, and which are outside a massage therapist's licence.

Techniques are free text in the public contract (docs/api.md lists no codes), so they are compared
by a normalised key: case, spaces and hyphens do not matter ("Deep tissue" == "deep-tissue").
"""

from __future__ import annotations

import re

# Outside a massage therapist's scope of practice: refused outright (400), never a consult
# ticket, because no plan amendment can make them legal for a therapist (docs/domain.md).
OUTSIDE_MASSAGE_LICENCE = {
    "spinal_manipulation",
    "spinal_adjustment",
    "chiropractic_adjustment",
    "manipulation",
    "hvla",
    "hvla_thrust",
}


def technique_key(name: str) -> str:
    """Normalised comparison key of a technique name."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def outside_licence(names: list[str]) -> list[str]:
    """The names a massage therapist may not perform, whatever the plan says."""
    return [n for n in names if technique_key(n) in OUTSIDE_MASSAGE_LICENCE]
