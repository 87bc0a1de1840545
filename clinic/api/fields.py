"""Serializer fields with bounds checked before any per-item work.

DRF's ``ListField(max_length=...)`` validates every item first and counts afterwards, so a
list of 400,000 items is walked in full before it is refused. ``BoundedListField`` counts
first: a request never costs more than its allowed size.
"""

from __future__ import annotations

from rest_framework import serializers


class BoundedListField(serializers.ListField):
    """A list of at most ``max_length`` items (required), refused before its items are read."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list | tuple) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
