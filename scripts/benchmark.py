#!/usr/bin/env python3
"""How much does logging a session cost compared with the cheapest authenticated request?

Two measurements (issue 2, "A benchmark"):

1. Over HTTP, against ONE running server (this script never starts one): sign in as the demo
   users, let `admin` register a fresh patient and `chiro` prescribe a roomy plan for them
   (10 000 sessions, no weekly limit), then alternate N times `POST /api/sessions/` (in scope)
   as `therapist` with `GET /api/me/`, over keep-alive connections. Prints both medians, their
   p95s and the ratio (target: a session log within 2x the median of `GET /api/me/`).

       API_WRITE_RATE=none MFA_REQUIRED=0 DEBUG=1 \
           .venv/bin/gunicorn clinic.wsgi -w 2 -b 127.0.0.1:8000 &
       .venv/bin/python scripts/benchmark.py http://127.0.0.1:8000 --password demo-pass-123

   The server needs `migrate` and `seed_demo`, and `API_WRITE_RATE=none` (the default write
   throttle of 120/min would answer 429 part-way). Closer to production: `DEBUG=0` with
   `SECRET_KEY`, `ALLOWED_HOSTS=127.0.0.1` and `SECURE_SSL_REDIRECT=0` (DEBUG=1 also records
   every SQL statement, which costs the write more than the read).

2. In process (`--queries`), on the database of `DATABASE_URL`: the number of SQL queries one
   session log takes when its plan has 1 and 500 earlier sessions, for the service
   (`sessions.services.session_log`) and for the whole `POST /api/sessions/` request (token
   check, validation, audit entry, answer). Records can never be deleted, so it makes its own
   clinic, named with a timestamp, each run.

       DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark.py --queries

"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# --- 1. over HTTP ---------------------------------------------------------------------------

class BenchmarkError(SystemExit):
    pass


def _expect(response, status: int, what: str):
    if response.status_code != status:
        hint = ""
        if response.status_code == 429:
            hint = "\n(throttled: start the server with API_WRITE_RATE=none)"
        elif "otp_required" in response.text:
            hint = "\n(second factor required: start the server with MFA_REQUIRED=0)"
        raise BenchmarkError(f"{what}: expected HTTP {status}, got {response.status_code}: "
                             f"{response.text[:300]}{hint}")
    return response.json()


def _signed_in(base: str, username: str, password: str):
    import requests

    http = requests.Session()  # one keep-alive connection per person
    data = _expect(http.post(f"{base}/api/auth/token/",
                             json={"username": username, "password": password}, timeout=30),
                   200, f"sign in as {username} (did you run seed_demo with this password?)")
    http.headers["Authorization"] = f"Token {data['token']}"
    return http


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def http_benchmark(base: str, password: str, rounds: int, warmup: int) -> float:
    base = base.rstrip("/")
    admin = _signed_in(base, "admin", password)
    chiro = _signed_in(base, "chiro", password)
    therapist = _signed_in(base, "therapist", password)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    patient = _expect(admin.post(f"{base}/api/patients/", json={
        "first_name": "Bench", "last_name": f"Mark {stamp}", "date_of_birth": "1980-01-01"},
        timeout=30), 201, "admin registers a patient")
    today = dt.date.today()
    plan = _expect(chiro.post(f"{base}/api/plans/", json={
        "patient": patient["id"], "regions": ["cervical", "thoracic"], "session_minutes": 30,
        "sessions_authorized": 10_000, "sessions_per_week": None,
        # A day of margin each side: the clinic's date may differ from this machine's.
        "valid_from": (today - dt.timedelta(days=1)).isoformat(),
        "valid_until": (today + dt.timedelta(days=365)).isoformat(),
        "diagnosis": "benchmark"}, timeout=30), 201, "chiro prescribes the benchmark plan")
    print(f"server {base}: plan {plan['id']} for patient {patient['id']} "
          f"({rounds} rounds after {warmup} warm-up rounds)")

    def log_session():
        body = {"plan": plan["id"], "started_at": dt.datetime.now(dt.UTC).isoformat(),
                "duration_minutes": 30, "regions": ["cervical"]}
        start = time.perf_counter()
        response = therapist.post(f"{base}/api/sessions/", json=body, timeout=30)
        elapsed = time.perf_counter() - start
        _expect(response, 201, "log a session")
        return elapsed

    def get_me():
        start = time.perf_counter()
        response = therapist.get(f"{base}/api/me/", timeout=30)
        elapsed = time.perf_counter() - start
        _expect(response, 200, "GET /api/me/")
        return elapsed

    for _ in range(warmup):
        log_session()
        get_me()
    posts, mes = [], []
    for _ in range(rounds):  # alternate, so both see the same server conditions
        posts.append(log_session())
        mes.append(get_me())

    ms = 1000
    post_median, me_median = statistics.median(posts) * ms, statistics.median(mes) * ms
    ratio = post_median / me_median
    print(f"{'':24}{'median':>10}{'p95':>10}{'min':>10}")
    print(f"{'POST /api/sessions/':24}{post_median:>8.2f}ms{percentile(posts, .95) * ms:>8.2f}ms"
          f"{min(posts) * ms:>8.2f}ms")
    print(f"{'GET /api/me/':24}{me_median:>8.2f}ms{percentile(mes, .95) * ms:>8.2f}ms"
          f"{min(mes) * ms:>8.2f}ms")
    verdict = "within" if ratio <= 2 else "ABOVE"
    print(f"ratio of medians: {ratio:.2f}x ({verdict} the 2x target)")
    return ratio


# --- 2. in process: SQL queries per session log -----------------------------------------------

def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client's host ("testserver") and an in-memory mail outbox; no test database:
    # this runs on the configured one. DEBUG off: only the captured blocks log their SQL.
    setup_test_environment(debug=False)


def query_counts(earlier_counts=(1, 500)) -> dict[int, tuple[int, int]]:
    _django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from clinic.accounts.tokens import token_issue
    from clinic.models import Clinic, Role, User
    from clinic.services import patient_create
    from plans.services import plan_create
    from sessions.services import session_log

    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    clinic = Clinic.objects.create(name=f"Benchmark {stamp}")

    def person(role: str) -> User:
        user = User(username=f"bench-{role}-{stamp}", role=role, clinic=clinic)
        user.set_unusable_password()
        user.save()
        return user

    admin, chiro, therapist = (person(Role.ADMIN), person(Role.CHIROPRACTOR),
                               person(Role.THERAPIST))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=therapist)[1]}")
    today = timezone.localdate(timezone=clinic.tz)
    results: dict[int, tuple[int, int]] = {}
    for earlier in earlier_counts:
        patient = patient_create(clinic=clinic, by=admin, first_name="Bench",
                                 last_name=f"History {earlier}", date_of_birth=dt.date(1980, 1, 1))
        plan = plan_create(prescriber=chiro, patient=patient, regions=["cervical"],
                           session_minutes=30, sessions_authorized=10_000,
                           valid_from=today - dt.timedelta(days=30),
                           valid_until=today + dt.timedelta(days=30))
        now = timezone.now()
        for i in range(earlier):  # through the service, as every real session is logged
            session_log(plan=plan, therapist=therapist, duration_minutes=30,
                        regions=["cervical"], started_at=now - dt.timedelta(minutes=i + 1))
        connection.queries_log.clear()  # a bounded deque: a full one would capture nothing
        with CaptureQueriesContext(connection) as service:
            session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                        duration_minutes=30, regions=["cervical"])
        client.get("/api/me/")  # warm the per-process caches (content types and the like)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as request:
            response = client.post("/api/sessions/", {
                "plan": plan.pk, "started_at": timezone.now().isoformat(),
                "duration_minutes": 30, "regions": ["cervical"]}, format="json")
        if response.status_code != 201:
            raise BenchmarkError(f"POST /api/sessions/ answered {response.status_code}: "
                                 f"{response.content[:300]!r}")
        results[earlier] = (len(service), len(request))
        if os.environ.get("BENCHMARK_SHOW_SQL"):
            for query in request.captured_queries:
                print("   ", query["sql"][:160])

    print(f"SQL queries for one session log (clinic {clinic.name!r}):")
    print(f"{'earlier sessions':>18}{'session_log':>14}{'POST /api/sessions/':>22}")
    for earlier, (service_n, request_n) in results.items():
        print(f"{earlier:>18}{service_n:>14}{request_n:>22}")
    same = len({v for v in results.values()}) == 1
    print("same count whatever the history" if same else "COUNTS DIFFER with the history")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000",
                        help="base URL of the running server (default http://127.0.0.1:8000)")
    parser.add_argument("--password", default="demo-pass-123",
                        help="the seed_demo password (default demo-pass-123)")
    parser.add_argument("-n", "--rounds", type=int, default=200,
                        help="session logs and GET /api/me/ calls to time (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed rounds first")
    parser.add_argument("--queries", action="store_true",
                        help="instead: count SQL queries per session log, in process, on the "
                             "database of DATABASE_URL (no server needed)")
    args = parser.parse_args(argv)

    if args.queries:
        query_counts()
    else:
        http_benchmark(args.url, args.password, args.rounds, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
