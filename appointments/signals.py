"""When a plan changes, future bookings that no longer fit are reported to the people
concerned (nothing is cancelled). Plans cannot import this app (it sits above them), so it
listens to their model signals."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from plans.models import TreatmentPlan


@receiver(post_save, sender=TreatmentPlan, dispatch_uid="appointments-plan-changed")
def plan_changed(sender, instance: TreatmentPlan, created: bool, **kwargs) -> None:
    """A plan's status or version pointer changed (suspend, cancel, complete, amend)."""
    if created:
        return
    from appointments.services import notify_plan_conflicts

    # After commit: the change is final, and a failure to notify never undoes it (the
    # periodic ``check_conflicts`` sweep catches anything missed, and walk-ins).
    # ``robust``: an error here is logged, never turned into a failed answer for a change
    # that has already committed.
    plan_id = instance.pk

    def tell_about_conflicts() -> None:
        notify_plan_conflicts(plan_id=plan_id)

    transaction.on_commit(tell_about_conflicts, robust=True)
