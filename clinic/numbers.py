"""Whole numbers from text, parsed one way everywhere (ids in URLs, query strings, bodies).

``str.isdigit()`` is true for "²" and "٣", and ``int()`` accepts "٣" and " 12 " but raises
on "²": checking with one and converting with the other turned such input into 500s. Here
only ASCII digits count, and the value must lie in the range asked for.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # PostgreSQL bigint
_WHOLE = re.compile(r"[0-9]{1,19}")


def whole_number(value: object, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """``value`` as an int in ``[low, high]`` (an int, or a string of ASCII digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if low <= number <= high else None
