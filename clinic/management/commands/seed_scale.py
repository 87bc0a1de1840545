"""``manage.py seed_scale``: a clinic after years of use, for the scale benchmark (issue 10).

Fills **Demo Clinic** (and, with ``--clinics N``, N-1 more clinics named "Scale Clinic 2"..
with their own staff), then runs ``seed_demo`` (same ``--password``), with
history: patients with a plan each (about 10 % active, the rest completed), sessions spread
over the past year, a few voids, consult tickets (mostly decided, a few open, some of those
overdue), in-app notifications, and an audit trail that is mostly reads.

Bulk SQL, not the ORM row by row: patients, plans, versions, sessions and tickets are each one
``INSERT ... SELECT generate_series`` inside PostgreSQL; the audit trail is hashed in Python
(each entry's hash covers the previous one, so it cannot be computed set-wise) and loaded
with ``COPY``. The defaults (20,000 patients, 1,000,000 sessions, 3,000,000 audit entries)
take a few minutes on a 2-core machine; ``--small`` makes a few thousand rows for the tests.

The append-only triggers (clinic/db.py) stay on: every clinical row is INSERTed once, never
updated or deleted. The only UPDATE is ``plans_treatmentplan.current_version_id`` (plans are
not append-only; their versions are), as plans.services does too.

The audit trail stays a valid hash chain per clinic: the seeded entries continue each
clinic's chain from its head, read under the chain's advisory lock (as audit_record does),
with the same canonical hash (clinic.audit.services.entry_hash), so ``manage.py audit_verify``
passes afterwards. Their ``at`` times run from a year ago (or from the chain's newest entry,
if younger) to the moment of the seed, rising with their ids as real entries do (the trail's
date filters rely on it); entries written after the seed have later times again. That is why
the staff are bulk-created, without the permission-change entries a sign-up writes (dated
now, they would come before the history in the chain), and ``seed_demo`` runs last.

Refuses to run with DEBUG off: this is test data, never for a production database.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from clinic.audit.services import HASHED_FIELDS, entry_hash
from clinic.models import Clinic, Role, User

_FIRST = ("Ava Ben Chloe Daniel Emma Felix Grace Hugo Isla Jack Kai Lena Mila Noah Olive Paul "
         "Quinn Rosa Sami Tara Umar Vera Will Xena Yara Zane Aisha Bruno Carmen Dmitri Elena "
         "Farah Goran Hana Ivan Jun Kenji Lucia Mateo Nadia Omar Priya Rafael Sofia Tomas "
         "Ursula Viktor Wen Yusuf Zofia")
_LAST = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
        "Evans Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James "
        "Phillips Mason Mitchell Rose Davis Rodriguez Cox Alexander Garcia Campbell Clark "
        "Young Allen King Scott Baker Adams Hill Moore Murphy Morgan Cooper Ward Reyes Kim "
        "Silva Novak Okafor Moreau Lee Nguyen Tanaka Schmidt Muller Rossi Ferrari Dubois "
        "Laurent Jensen Hansen Nielsen Kowalski Horvath Popescu Ivanova Petrov Cohen Levi "
        "Haddad Mansour Yilmaz Demir Santos Pereira Costa Oliveira Fernandes Gomez Lopez "
        "Martinez Hernandez Gonzalez Sanchez Ramirez Torres Flores Rivera Morales Ortiz "
        "Gutierrez Chavez Ramos Ruiz Alvarez Castillo Jimenez Moreno Romero Herrera Medina "
        "Aguilar Vargas Castro Mendoza Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun "
        "Ma Zhu Hu Guo Lin He Gao Luo Singh Kumar Sharma Gupta Das Shah Mehta Rao Iyer Nair "
        "Bose Sato Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida "
        "Yamada Sasaki Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn "
        "Song Ryu Hong O'Brien O'Connor Byrne Ryan Walsh Doyle Kelly McCarthy Murray Quinn "
        "Lynch Burke Nolan Keane Brennan Dunne Farrell Foley Hayes Kavanagh")
FIRST, LAST = _FIRST.split(), _LAST.split()

REGION_SETS = ("{cervical}", "{cervical,thoracic}", "{lumbar}", "{lumbar,sacral}",
               "{shoulder_left,shoulder_right}", "{thoracic,lumbar}", "{leg_left,leg_right}")

DEFAULTS = {"patients": 20_000, "sessions": 1_000_000, "audit": 3_000_000,
            "notifications": 50_000, "therapists": 20, "chiropractors": 5}
# The usage counters' triggers (sessions/migrations/0004_usage_counted_by_the_database.py).
COUNT_TRIGGER = "plankeeper_count_session"
UNCOUNT_TRIGGER = "plankeeper_uncount_voided_session"

SMALL = {"patients": 300, "sessions": 5_000, "audit": 10_000, "notifications": 500,
         "therapists": 4, "chiropractors": 2}


class Command(BaseCommand):
    help = "Fill the database with years of clinic history (benchmarks only; needs DEBUG=1)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-pass-123",
                            help="password of every seeded user (default: demo-pass-123)")
        parser.add_argument("--clinics", type=int, default=1,
                            help="clinics to fill: Demo Clinic, then 'Scale Clinic 2'.. "
                                 "(each with the counts below; default 1)")
        parser.add_argument("--small", action="store_true",
                            help="a few thousand rows (tests, a quick look)")
        for name, default in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, default=None,
                                help=f"per clinic (default {default:,}; --small: {SMALL[name]:,})")
        parser.add_argument("--active-share", type=float, default=0.10,
                            help="share of plans still active (default 0.10)")

    def handle(self, *args, password: str, clinics: int, small: bool, active_share: float,
               **options):
        if not settings.DEBUG:
            raise CommandError("seed_scale writes made-up history: it refuses to run with DEBUG "
                               "off (set DEBUG=1, and never point it at a production database).")
        if clinics < 1:
            raise CommandError("--clinics must be at least 1.")
        base = SMALL if small else DEFAULTS
        counts = {name: options[name] if options[name] is not None else base[name]
                  for name in DEFAULTS}
        for name, value in counts.items():
            if value < (1 if name in ("patients", "therapists", "chiropractors") else 0):
                raise CommandError(f"--{name} is too small.")
        started = time.monotonic()
        password_hash = make_password(password)  # once: hashing is slow by design
        self._demo_staff(password_hash)
        for index in range(1, clinics + 1):
            name = "Demo Clinic" if index == 1 else f"Scale Clinic {index}"
            clinic, _ = Clinic.objects.get_or_create(name=name)
            self._clinic(clinic, index, counts, active_share, password_hash)
        # Last: its own audit entries (if any) are "now", after the seeded history.
        call_command("seed_demo", password=password, stdout=self.stdout)
        with connection.cursor() as cursor:
            # What autovacuum would have done over the years this history stands for: fresh
            # statistics, and (outside a transaction: VACUUM cannot run in one, a test's seed
            # is) the visibility map set and the trigram indexes' pending lists merged. Without
            # the VACUUM the planner prices the fresh GIN indexes so high that the patient
            # search reads all 20,000 patients (7 ms) instead of the index (0.4 ms).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(
            f"seed_scale done in {time.monotonic() - started:.0f} s. Staff of each clinic sign "
            f"in with password {password!r} (Demo Clinic: the seed_demo users; other clinics: "
            "c<N>_admin, c<N>_chiro, c<N>_therapist, e.g. c3_admin for Scale Clinic 3)."))

    # --- one clinic -------------------------------------------------------------------------

    def _say(self, clinic: Clinic, what: str, since: float) -> None:
        self.stdout.write(f"  {clinic.name}: {what} ({time.monotonic() - since:.1f} s)")

    @staticmethod
    def _make_staff(clinic: Clinic, wanted: list[tuple[str, str, str, str]],
                    password_hash: str) -> None:
        """Users (username, role, first, last) of ``clinic``; existing ones are kept.

        Bulk-created, so without the permission-change audit entries a sign-up writes: those
        would be dated now, ahead of the year of history seeded after them in the chain,
        and each clinic's chain must keep its times rising with its ids (the trail's date
        filters rely on it, clinic.audit.selectors)."""
        User.objects.bulk_create([
            User(username=username, role=role, clinic=clinic, password=password_hash,
                 first_name=first, last_name=last, email=f"{username}@example.com",
                 is_staff=role == Role.ADMIN)
            for username, role, first, last in wanted], ignore_conflicts=True)

    def _demo_staff(self, password_hash: str) -> None:
        """seed_demo's people, made first the same way (seed_demo, run last, finds them with
        nothing to change and sets their password)."""
        from clinic.management.commands.seed_demo import STAFF

        for name in {clinic for *_rest, clinic in STAFF}:
            clinic, _ = Clinic.objects.get_or_create(name=name)
            self._make_staff(clinic, [(u, role, first, last) for u, role, first, last, c
                                      in STAFF if c == name], password_hash)

    def _staff(self, clinic: Clinic, index: int, counts: dict, password_hash: str):
        """The clinic's staff: existing ones kept, more therapists and chiropractors added."""
        prefix = "" if index == 1 else f"c{index}_"
        wanted = [("admin" if index == 1 else f"c{index}_admin", Role.ADMIN)]
        if index > 1:
            wanted += [(f"c{index}_chiro", Role.CHIROPRACTOR),
                       (f"c{index}_therapist", Role.THERAPIST)]
        wanted += [(f"{prefix}scale_chiro{i}", Role.CHIROPRACTOR)
                   for i in range(1, counts["chiropractors"] + 1)]
        wanted += [(f"{prefix}scale_therapist{i}", Role.THERAPIST)
                   for i in range(1, counts["therapists"] + 1)]
        self._make_staff(clinic, [(username, role, FIRST[n % len(FIRST)],
                                   LAST[(n * 7) % len(LAST)])
                                  for n, (username, role) in enumerate(wanted)], password_hash)
        staff = User.objects.filter(clinic=clinic, is_active=True).order_by("id")
        by_role = {role: [u.pk for u in staff if u.role == role] for role in Role.values}
        return by_role

    @transaction.atomic
    def _clinic(self, clinic: Clinic, index: int, counts: dict, share: float,
                password_hash: str) -> None:
        t0 = time.monotonic()
        staff = self._staff(clinic, index, counts, password_hash)
        chiros, therapists, admins = (staff[Role.CHIROPRACTOR], staff[Role.THERAPIST],
                                      staff[Role.ADMIN])
        today = timezone.localdate(timezone=clinic.tz)
        now = timezone.now()
        n_patients, n_sessions = counts["patients"], counts["sessions"]
        active_every = max(1, round(1 / share)) if share > 0 else 0
        per_plan = -(-n_sessions // n_patients)  # ceiling: sessions of the busiest plan
        with connection.cursor() as cursor:
            def sql(query: str, params: dict | None = None) -> None:
                cursor.execute(query, params or {})  # always formatted: "%%" means "%"
            # Patients: names from the lists above, crossed so most full names are distinct.
            sql("""
                INSERT INTO clinic_patient (clinic_id, first_name, last_name, date_of_birth,
                    phone, email, emergency_contact_name, emergency_contact_phone, alerts,
                    reminders_by_email, created_at)
                SELECT %(clinic)s, (%(first)s::text[])[1 + g %% %(nf)s],
                       (%(last)s::text[])[1 + (g / %(nf)s + g * 7) %% %(nl)s],
                       DATE '1940-01-01' + (g * 37) %% 25000,
                       '021 ' || lpad(((g * 7919) %% 10000000)::text, 7, '0'), '', '', '',
                       '', false,
                       %(now)s - make_interval(days => 400 - (g %% 365))
                  FROM generate_series(0, %(n)s - 1) AS g ORDER BY g
                RETURNING id""", {"clinic": clinic.pk, "first": list(FIRST), "last": list(LAST),
                                  "nf": len(FIRST), "nl": len(LAST), "n": n_patients,
                                  "now": now})
            patient_ids = [row[0] for row in cursor.fetchall()]
            self._say(clinic, f"{n_patients:,} patients", t0)

            # One plan each. Active ones run from a few weeks ago to two months ahead; the
            # others are completed, each with a ~2-month window somewhere in the past year.
            # Inside a caller's transaction (a test) ON COMMIT has not come yet: drop them first.
            sql("DROP TABLE IF EXISTS seed_plan; DROP TABLE IF EXISTS seed_note")
            sql("""
                CREATE TEMP TABLE seed_plan ON COMMIT DROP AS
                SELECT g, p.id AS patient_id,
                       (%(active_every)s > 0 AND g %% GREATEST(%(active_every)s, 1) = 0) AS active,
                       (%(chiros)s::bigint[])[1 + g %% %(nc)s] AS prescriber_id
                  FROM unnest(%(patients)s::bigint[]) WITH ORDINALITY AS p(id, g)""",
                {"active_every": active_every, "chiros": chiros, "nc": len(chiros),
                 "patients": patient_ids})
            sql("""
                ALTER TABLE seed_plan
                  ADD COLUMN valid_from date, ADD COLUMN valid_until date,
                  ADD COLUMN plan_id bigint, ADD COLUMN version_id bigint""")
            sql("""
                UPDATE seed_plan SET
                  valid_from = CASE WHEN active THEN %(today)s::date - (14 + g %% 40)::int
                                    ELSE %(today)s::date - (70 + g %% 290)::int END,
                  valid_until = CASE WHEN active THEN %(today)s::date + (30 + g %% 60)::int
                                     ELSE %(today)s::date - (10 + g %% 290)::int END""",
                {"today": today})
            sql("""
                WITH made AS (
                  INSERT INTO plans_treatmentplan (clinic_id, patient_id, prescriber_id, status,
                                                   sessions_used, created_at)
                  SELECT %(clinic)s, patient_id, prescriber_id,
                         CASE WHEN active THEN 'active' ELSE 'completed' END, 0,
                         valid_from::timestamptz
                    FROM seed_plan ORDER BY g
                  RETURNING id, patient_id)
                UPDATE seed_plan s SET plan_id = made.id FROM made
                 WHERE made.patient_id = s.patient_id""", {"clinic": clinic.pk})
            sql("""
                WITH made AS (
                  INSERT INTO plans_planversion (plan_id, number, regions, avoid_regions,
                      session_minutes, sessions_authorized, sessions_per_week, techniques,
                      valid_from, valid_until, diagnosis, notes, reason, goals, client_summary,
                      signed_by_id, signed_at)
                  SELECT plan_id, 1, (%(regions)s::text[])[1 + g %% %(nr)s]::varchar(32)[], '{}',
                         CASE WHEN g %% 3 = 0 THEN 45 ELSE 30 END,
                         %(per_plan)s + CASE WHEN active THEN 20 ELSE 0 END, NULL, '{}',
                         valid_from, valid_until, 'M54.2 Cervicalgia', '', '', '', '',
                         prescriber_id,
                         valid_from::timestamptz
                    FROM seed_plan ORDER BY g
                  RETURNING id, plan_id)
                UPDATE seed_plan s SET version_id = made.id FROM made
                 WHERE made.plan_id = s.plan_id""",
                {"regions": list(REGION_SETS), "nr": len(REGION_SETS), "per_plan": per_plan})
            sql("""
                UPDATE plans_treatmentplan p SET current_version_id = s.version_id
                  FROM seed_plan s WHERE s.plan_id = p.id""")
            sql("CREATE INDEX ON seed_plan (g)")
            sql("ANALYZE seed_plan")
            self._say(clinic, f"{n_patients:,} plans, one version each", t0)

            # Sessions: session g belongs to plan g mod P, the k-th of its plan, spread evenly
            # over the plan's window up to today, at a clinic-hour between 08:00 and 18:00.
            n_plans = len(patient_ids)
            # The usage counters' triggers (sessions migration 0004) would UPDATE the plan row
            # once per session and void: switched off for these two bulk INSERTs (inside this
            # transaction: ALTER TABLE holds those tables' locks until it commits, and a
            # failure rolls the switch back too), the counters then set from the real counts
            # in one UPDATE, and the triggers always switched back on.
            # Foreign keys checked at each statement's end here: ALTER TABLE refuses to run on
            # a table with deferred checks still queued (restored to deferred below).
            sql("SET CONSTRAINTS ALL IMMEDIATE")
            sql(f"ALTER TABLE therapy_sessions_therapysession DISABLE TRIGGER {COUNT_TRIGGER}; "
                f"ALTER TABLE therapy_sessions_sessionvoid DISABLE TRIGGER {UNCOUNT_TRIGGER}")
            try:
                # A savepoint: after a failure in here the triggers can still be switched on
                # (in an aborted transaction nothing could run) and the error is the one raised.
                with transaction.atomic():
                    sql("""
                        INSERT INTO therapy_sessions_therapysession (plan_id, plan_version_id,
                            therapist_id, started_at, duration_minutes, regions, techniques, notes,
                            subjective, objective, assessment, plan_notes, created_at)
                        SELECT s.plan_id, s.version_id, (%(therapists)s::bigint[])[1 + i %% %(nt)s],
                               t.at, 30, v.regions, '{}', 'Worked as planned.', '', '', '', '', t.at
                          FROM generate_series(0, %(n)s - 1) AS gs(i)
                          JOIN seed_plan s ON s.g = 1 + i %% %(np)s
                          JOIN plans_planversion v ON v.id = s.version_id
                          CROSS JOIN LATERAL (
                            SELECT LEAST(
                              ((s.valid_from + ((i / %(np)s)
                                * (LEAST(s.valid_until, %(today)s::date) - s.valid_from)
                                / %(per_plan)s)::int)::timestamp
                                + make_interval(hours => 8 + i %% 10, mins => (i * 7) %% 60))
                                AT TIME ZONE %(tz)s,
                              %(now)s - interval '1 hour') AS at) t
                         ORDER BY t.at""",
                        {"therapists": therapists, "nt": len(therapists), "n": n_sessions,
                         "np": n_plans, "per_plan": per_plan, "today": today,
                         "tz": clinic.timezone, "now": now})
                    sql("""
                        INSERT INTO therapy_sessions_sessionvoid (session_id, reason, voided_by_id,
                                                                 voided_at)
                        SELECT s.id, 'Entered on the wrong plan.', s.therapist_id, s.created_at
                          FROM therapy_sessions_therapysession s
                          JOIN seed_plan p ON p.plan_id = s.plan_id
                         WHERE s.id %% 200 = 0""")
                    sql("""
                        UPDATE plans_treatmentplan p
                           SET sessions_used = p.sessions_used + u.used,
                               last_session_at = GREATEST(p.last_session_at, u.last_at)
                          FROM (SELECT s.plan_id, COUNT(*) AS used, MAX(s.started_at) AS last_at
                                  FROM therapy_sessions_therapysession s
                                  JOIN seed_plan sp ON sp.plan_id = s.plan_id
                                 WHERE NOT EXISTS (SELECT 1 FROM therapy_sessions_sessionvoid v
                                                    WHERE v.session_id = s.id)
                                 GROUP BY s.plan_id) u
                         WHERE p.id = u.plan_id""")
            finally:
                sql(f"ALTER TABLE therapy_sessions_therapysession ENABLE TRIGGER {COUNT_TRIGGER}; "
                    f"ALTER TABLE therapy_sessions_sessionvoid ENABLE TRIGGER {UNCOUNT_TRIGGER}")
                sql("SET CONSTRAINTS ALL DEFERRED")
            self._say(clinic, f"{n_sessions:,} sessions (1 in 200 voided)", t0)

            # Tickets on 2 % of plans, half of them on plans still active: mostly declined;
            # a few open (one active plan in 500: ~6 per chiropractor), a third of those
            # overdue. (Once, every ticket plan was active and half the tickets open: 28
            # open requests per chiropractor is not a clinic's inbox, it is a backlog.)
            sla = dt.timedelta(hours=settings.TICKET_SLA_HOURS)
            sql("""
                INSERT INTO referrals_consultticket (plan_id, raised_on_version_id, raised_by_id,
                    raised_at, client_request, add_regions, techniques, note, assigned_to_id,
                    due_at, remind_at, status, decided_by_id, decided_at, decision_note,
                    extra_sessions)
                SELECT s.plan_id, s.version_id, (%(therapists)s::bigint[])[1 + s.g %% %(nt)s],
                       r.at, 'Can you also do my legs and feet?', '{leg_left,leg_right}', '{}',
                       '', s.prescriber_id, r.at + %(sla)s, r.at + %(sla)s / 2,
                       CASE WHEN r.open THEN 'open' ELSE 'declined' END,
                       CASE WHEN r.open THEN NULL ELSE s.prescriber_id END,
                       CASE WHEN r.open THEN NULL ELSE r.at + interval '1 day' END,
                       CASE WHEN r.open THEN '' ELSE 'Not before the next assessment.' END,
                       NULL
                  FROM seed_plan s
                  CROSS JOIN LATERAL (
                    SELECT s.active AND s.g %% 500 = 100 AS open,
                           CASE WHEN s.active AND s.g %% 500 = 100
                                THEN %(now)s - make_interval(hours => (CASE WHEN s.g %% 3 = 0
                                     THEN 72 ELSE 2 + s.g %% 20 END)::int)
                                ELSE s.valid_from + interval '10 days' END AS at) r
                 WHERE s.g %% 100 IN (0, 25)
                 ORDER BY r.at""",
                {"therapists": therapists, "nt": len(therapists), "sla": sla, "now": now})
            tickets = cursor.rowcount
            self._say(clinic, f"{tickets:,} consult tickets", t0)

            # Notifications (through their outbox rows, one each, already sent).
            sql("SELECT id, plan_id FROM referrals_consultticket WHERE plan_id IN "
                "(SELECT plan_id FROM seed_plan) ORDER BY id")
            made = cursor.fetchall()
            sql("""
                CREATE TEMP TABLE seed_note ON COMMIT DROP AS
                SELECT g, (%(tickets)s::bigint[])[1 + g %% %(nt)s] AS ticket_id,
                       (%(plans)s::bigint[])[1 + g %% %(nt)s] AS plan_id,
                       (%(people)s::bigint[])[1 + g %% %(npeople)s] AS recipient_id,
                       %(now)s - make_interval(mins => ((%(n)s - g) * 10)::int) AS at
                  FROM generate_series(0, %(n)s - 1) AS g""",
                {"tickets": [t for t, _ in made], "plans": [p for _, p in made],
                 "nt": max(len(made), 1), "people": chiros + therapists + admins,
                 "npeople": len(chiros) + len(therapists) + len(admins),
                 "n": counts["notifications"] if made else 0, "now": now})
            key = f"seed-{clinic.pk}-{now:%Y%m%d%H%M%S%f}-"  # unique per run: runs add up
            sql("""
                INSERT INTO referrals_outbox (kind, dedupe_key, recipient_id, ticket_id, plan_id,
                    subject, message, email_body, status, attempts, last_error, created_at,
                    next_attempt_at, sent_at)
                SELECT 'ticket_decided', %(key)s || g, recipient_id,
                       ticket_id, plan_id, 'Consult ticket decided',
                       'Your consult ticket was decided.', 'A consult ticket was decided.',
                       'sent', 1, '', at, at, at
                  FROM seed_note ORDER BY g""", {"key": key})
            sql("""
                INSERT INTO referrals_notification (outbox_id, recipient_id, kind, message,
                    ticket_id, plan_id, created_at, read_at)
                SELECT o.id, o.recipient_id, o.kind, o.message, o.ticket_id, o.plan_id,
                       o.created_at, CASE WHEN n.g %% 4 = 0 THEN NULL ELSE o.created_at END
                  FROM seed_note n
                  JOIN referrals_outbox o ON o.dedupe_key = %(key)s || n.g
                 ORDER BY n.g""", {"key": key})
            self._say(clinic, f"{cursor.rowcount:,} notifications", t0)

            staff_names = dict(User.objects.filter(clinic=clinic).values_list("id", "username"))
            staff_roles = dict(User.objects.filter(clinic=clinic).values_list("id", "role"))
            self._audit(cursor, clinic, counts["audit"], now, patient_ids,
                        [*therapists, *chiros, *admins], staff_names, staff_roles)
            self._say(clinic, f"{counts['audit']:,} audit entries", t0)

    # --- the audit trail ----------------------------------------------------------------------

    def _audit(self, cursor, clinic: Clinic, n: int, now: dt.datetime, patients: list[int],
               people: list[int], names: dict, roles: dict) -> None:
        """``n`` entries continuing the clinic's hash chain, mostly reads, loaded by COPY."""
        if n == 0:
            return
        # The chain's head under its lock (held until this transaction commits), as
        # audit_record reads it: nobody can append in between and fork the chain.
        cursor.execute("SELECT plankeeper_audit_head(%s)", [clinic.pk])
        prev = cursor.fetchone()[0]
        # Times rise along the chain: a year back, or just after the chain's newest entry
        # when it is younger (a second run fills the time since the first).
        cursor.execute("SELECT max(at) FROM audit_auditentry WHERE clinic_id = %s", [clinic.pk])
        head_at = cursor.fetchone()[0]
        first = now - dt.timedelta(days=365)
        if head_at is not None and head_at >= first:
            first = head_at + dt.timedelta(milliseconds=1)
        step = max(now - first, dt.timedelta(0)) / n
        columns = [f for f in HASHED_FIELDS] + ["prev_hash", "hash"]
        buffer = io.StringIO()
        entry = SimpleNamespace(detail={}, object_version=None, request_id="", clinic_id=clinic.pk)
        n_patients, n_people = len(patients), len(people)
        for i in range(n):
            actor = people[(i * 7) % n_people]
            patient = patients[(i * 13) % n_patients]
            kind = i % 20
            if kind < 17:  # reads: a patient page, a plan card, a session list
                action, method, status, outcome = "read", "GET", 200, "success"
                obj_type, obj_id, path = "patient", str(patient), f"/patients/{patient}/"
            elif kind == 17:
                action, method, status, outcome = "create", "POST", 201, "success"
                obj_type, obj_id, path = "session", "", "/api/sessions/"
            elif kind == 18:
                action, method, status, outcome = "login", "POST", 302, "success"
                obj_type, obj_id, path, patient = "", "", "/accounts/login/", None
            else:
                action, method, status, outcome = "create", "POST", 409, "refused"
                obj_type, obj_id, path = "session", "", "/api/sessions/"
            entry.at = first + step * i
            entry.actor_id = actor
            entry.actor_username = names[actor]
            entry.role = roles[actor]
            entry.action, entry.object_type, entry.object_id = action, obj_type, obj_id
            entry.patient_id = patient
            entry.ip = f"10.0.{(i // 250) % 250}.{i % 250 + 1}"
            entry.outcome, entry.status_code, entry.method, entry.path = (
                outcome, status, method, path)
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(entry)
            buffer.write("\t".join(_copy_text(name, getattr(entry, name)) for name in columns))
            buffer.write("\n")
            if buffer.tell() > 32 << 20 or i == n - 1:
                buffer.seek(0)
                cursor.copy_expert(
                    f"COPY audit_auditentry ({', '.join(_column(c) for c in columns)}) "
                    "FROM STDIN", buffer)
                buffer = io.StringIO()


def _column(field: str) -> str:
    return field  # the attribute names are the column names (clinic_id, actor_id, ...)


def _copy_text(name: str, value) -> str:
    """One value in COPY's text format (no tabs, newlines or backslashes in these values)."""
    if value is None:
        return r"\N"
    if name == "at":
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if name == "detail":
        return "{}"
    return str(value)
