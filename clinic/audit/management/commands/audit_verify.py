"""``manage.py audit_verify [--clinic ID] [--export-head FILE] [--head FILE]``.

Recomputes every audit hash chain and exits non-zero at the first altered or missing entry of
any chain, naming it. ``--export-head FILE`` then writes each chain's head, signed with HMAC
under ``AUDIT_HMAC_KEY`` (a key the database does not hold), to keep outside the database.
``--head FILE`` checks the trail against such a file: a trail rewritten or cut back by someone
with database access alone no longer reaches the signed heads, which no chain can show by
itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.audit.services import chain_ids, head_check, head_export, verify_chain


class Command(BaseCommand):
    help = "Check that no audit entry was altered or removed (per-clinic hash chains)."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", type=int, help="check only this clinic's chain")
        parser.add_argument("--export-head", metavar="FILE",
                            help="write the signed chain heads to FILE (JSON; '-': stdout)")
        parser.add_argument("--head", metavar="FILE",
                            help="also check the trail against heads exported earlier")

    def handle(self, *args, clinic=None, export_head=None, head=None, **options):
        chains = [clinic] if clinic is not None else chain_ids()
        problems = []
        summaries = []
        for clinic_id in chains:
            summary = verify_chain(clinic_id=clinic_id)
            summaries.append(summary)
            name = f"clinic {clinic_id}" if clinic_id is not None else "no clinic"
            if summary.problem:
                problems.append(f"{name}: {summary.problem.message}")
                self.stderr.write(f"{name}: BROKEN at entry #{summary.problem.entry_id}: "
                                  f"{summary.problem.message}")
            else:
                self.stdout.write(f"{name}: {summary.entries} entries, chain intact, "
                                  f"head {summary.head}")
        if head:
            try:
                document = json.loads(Path(head).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the head file {head}: {exc}") from exc
            against = head_check(document)
            for problem in against:
                self.stderr.write(f"against {head}: {problem}")
            problems += against
            if not against:
                self.stdout.write(f"Every head signed in {head} "
                                  f"({document.get('exported_at')}) is still in the trail.")
        if problems:
            raise CommandError("Audit trail tampered with: " + "; ".join(problems))
        if export_head:
            text = json.dumps(head_export(summaries, now=timezone.now()), indent=2) + "\n"
            if export_head == "-":
                self.stdout.write(text)
            else:
                Path(export_head).write_text(text, encoding="utf-8")
                self.stdout.write(f"Signed heads written to {export_head}: keep it outside "
                                  "the database.")
        self.stdout.write(self.style.SUCCESS(f"{len(chains)} chain(s) verified."))
