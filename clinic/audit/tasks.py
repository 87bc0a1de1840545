"""Celery tasks of the audit trail (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from clinic.audit.services import chain_ids, head_export, verify_chain

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def verify_audit_chains() -> int:
    """Recompute every clinic's hash chain, as ``manage.py audit_verify`` does, nightly.

    A broken chain is logged at ERROR level, naming the clinic and the entry, for whatever
    watches the logs to raise the alarm; each intact chain's head is logged at INFO, so a
    removal of the newest entries shows against an earlier night's head. Returns how many
    chains are broken.
    """
    broken = 0
    summaries = []
    for clinic_id in chain_ids():
        summary = verify_chain(clinic_id=clinic_id)
        summaries.append(summary)
        if summary.problem:
            broken += 1
            logger.error("Audit trail of clinic %s tampered with: %s", clinic_id,
                         summary.problem.message)
        else:
            logger.info("Audit trail of clinic %s intact: %s entries, head %s", clinic_id,
                        summary.entries, summary.head)
    if settings.AUDIT_HEAD_DIR:
        # The signed heads, outside the database: `audit_verify --head FILE` checks against one.
        now = timezone.now()
        folder = Path(settings.AUDIT_HEAD_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"audit-head-{now:%Y%m%d-%H%M%S}.json"
        target.write_text(json.dumps(head_export(summaries, now=now), indent=2) + "\n",
                          encoding="utf-8")
        logger.info("Signed audit heads written to %s", target)
    return broken
