from __future__ import annotations

import pytest

from clinic.audit.models import AuditEntry


@pytest.fixture
def trail():
    """``trail.since()`` -> the entries written after the fixture was set up, oldest first."""

    class Trail:
        def __init__(self):
            last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
            self.mark = last or 0

        def since(self, **filters):
            return list(AuditEntry.objects.filter(id__gt=self.mark, **filters).order_by("id"))

        def reset(self):
            self.__init__()

    return Trail


