"""``manage.py audit_verify [--clinic ID]``: recompute every audit hash chain.

Exits non-zero at the first altered or missing entry of any chain, naming it. Prints each
chain's head hash: kept somewhere else (a ticket, an e-mail, a printout), it also shows when
the newest entries were removed, which no chain can show by itself.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from clinic.audit.services import chain_ids, verify_chain


class Command(BaseCommand):
    help = "Check that no audit entry was altered or removed (per-clinic hash chains)."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", type=int, help="check only this clinic's chain")

    def handle(self, *args, clinic=None, **options):
        chains = [clinic] if clinic is not None else chain_ids()
        problems = []
        for clinic_id in chains:
            summary = verify_chain(clinic_id=clinic_id)
            name = f"clinic {clinic_id}" if clinic_id is not None else "no clinic"
            if summary.problem:
                problems.append(f"{name}: {summary.problem.message}")
                self.stderr.write(f"{name}: BROKEN at entry #{summary.problem.entry_id}: "
                                  f"{summary.problem.message}")
            else:
                self.stdout.write(f"{name}: {summary.entries} entries, chain intact, "
                                  f"head {summary.head}")
        if problems:
            raise CommandError("Audit trail tampered with: " + "; ".join(problems))
        self.stdout.write(self.style.SUCCESS(f"{len(chains)} chain(s) verified."))
