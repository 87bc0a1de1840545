#!/usr/bin/env python3
"""Does a clinic's tenth year cost what its first day did? (issue 10, "A scale benchmark")

Times every daily request (each role's home page, the session log, the audit trail, the
search, the plan card, ...) against ONE running server, as the ratio of its median to the
median of ``GET /api/me/`` timed in the same rounds: a ratio does not drift with the machine's
load the way milliseconds do. Prints the table.

Growth is the ratio on a large database over the ratio on the demo one. Either store the demo
ratios once and compare later runs with them:

    # server on the demo database (migrate + seed_demo):
    .venv/bin/python scripts/benchmark_scale.py http://127.0.0.1:8000 --save demo.json
    # server on the seeded one (migrate + seed_scale):
    .venv/bin/python scripts/benchmark_scale.py http://127.0.0.1:8001 --baseline demo.json

or time two servers in the same rounds (``--baseline-url http://127.0.0.1:8000``). With a
baseline it exits 1 when a request grew more than ``--max-growth`` (1.3x) or the session log
is over ``--max-log-ratio`` (2x) of ``GET /api/me/``; ``--smoke`` does 2 rounds and only
checks that every request answers as expected (CI). The server needs ``API_WRITE_RATE=none``
(the benchmark logs a session per round) and the demo users' password (``--password``).

The column "shows" is what each answer showed: its rows ("50r": a list's results, a FHIR
bundle's entries) and its size in kilobytes. Growth where the rows shown differ is the cost of
showing more, not of history: a list of 50 tickets costs more than an empty one on any
database. The plan opened is Casey Client's, the demo's patient, who is in both databases
with the same plan and sessions (seed_scale ends with seed_demo); ``--plan`` opens another.
A request past the target is marked "grew (shows more)" when its answer showed more than the
baseline's (more rows, or a quarter more bytes), "grew" when the same page cost more; either
way the exit code is 1. Each run registers a patient with a 10,000-session plan of its own
on every server it times (records are never deleted): a small database's plans list
lengthens with runs.

Adding a request is one line in ``PROBES`` (``{plan}``, ``{patient}``, ``{q}``, ``{today}``
are filled in from the database being measured).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import BenchmarkError, _expect, _signed_in  # noqa: E402


@dataclass(frozen=True)
class Probe:
    name: str
    who: str  # "therapist", "chiro" or "admin" (the demo users of that role)
    path: str
    method: str = "GET"
    page: bool = False  # a server-rendered page: signed in by the login form, not a token
    status: int = 200


# Every daily request, one line each.
PROBES = [
    Probe("GET /api/sessions/", "therapist", "/api/sessions/"),
    Probe("admin home /", "admin", "/", page=True),
    Probe("therapist home /", "therapist", "/", page=True),
    Probe("chiropractor home / (inbox)", "chiro", "/", page=True),
    Probe("GET /api/audit/", "admin", "/api/audit/"),
    Probe("admin /audit/ page", "admin", "/audit/", page=True),
    Probe("GET /api/plans/?status=active", "therapist", "/api/plans/?status=active"),
    Probe("GET /api/patients/?q=", "therapist", "/api/patients/?q={q}"),
    Probe("patient search page", "therapist", "/patients/search/?q={q}", page=True),
    Probe("GET /api/plans/{id}/fhir/", "therapist", "/api/plans/{plan}/fhir/"),
    Probe("GET /api/sessions/?plan=", "therapist", "/api/sessions/?plan={plan}"),
    Probe("POST /api/sessions/", "therapist", "/api/sessions/", method="POST", status=201),
    Probe("GET /api/tickets/?status=open (inbox)", "chiro", "/api/tickets/?status=open"),
    Probe("GET /api/tickets/ (admin)", "admin", "/api/tickets/"),
    Probe("ticket list page /tickets/", "admin", "/tickets/", page=True),
    Probe("GET /api/notifications/", "chiro", "/api/notifications/"),
    Probe("plan card /plans/<id>/", "therapist", "/plans/{plan}/", page=True),
    Probe("patient page /patients/<id>/", "therapist", "/patients/{patient}/", page=True),
    Probe("GET /api/patients/?q=<date of birth>", "therapist", "/api/patients/?q={dob}"),
    Probe("appointment day view /appointments/", "therapist", "/appointments/?date={today}",
          page=True),
    Probe("GET /api/appointments/?date=", "therapist", "/api/appointments/?date={today}"),
]
BENCH_SESSIONS = 10_000  # the benchmark's own plans; never a probe's plan
BASE = Probe("GET /api/me/", "therapist", "/api/me/")
LOG = "POST /api/sessions/"


def _cookie(response, name: str) -> str | None:
    # Read from Set-Cookie by hand: with DEBUG off the cookies are Secure, and a client
    # talking plain HTTP to 127.0.0.1 would otherwise never send them back.
    match = re.search(rf"{name}=([^;]+)", response.headers.get("Set-Cookie", ""))
    return match.group(1) if match else None


def _page_session(base: str, username: str, password: str):
    import requests

    http = requests.Session()
    form = http.get(f"{base}/accounts/login/", timeout=30)
    csrf = _cookie(form, "csrftoken") or http.cookies.get("csrftoken")
    response = http.post(f"{base}/accounts/login/", allow_redirects=False, timeout=30,
                         data={"username": username, "password": password,
                               "csrfmiddlewaretoken": csrf},
                         headers={"Cookie": f"csrftoken={csrf}", "Referer": f"{base}/"})
    session = _cookie(response, "sessionid")
    if response.status_code != 302 or not session:
        raise BenchmarkError(f"page sign-in as {username}: HTTP {response.status_code}")
    http.cookies.clear()
    http.headers["Cookie"] = f"sessionid={session}; csrftoken={csrf}"
    return http


class Target:
    """One server: its signed-in people and the ids its requests name."""

    def __init__(self, base: str, password: str, plan: int | None = None, search: str = ""):
        self.base = base.rstrip("/")
        self.api = {who: _signed_in(self.base, who, password)
                    for who in ("therapist", "chiro", "admin")}
        self.pages = {who: _page_session(self.base, who, password)
                      for who in ("therapist", "chiro", "admin")}
        # The plan a therapist opens: Casey Client's, the demo's own patient. seed_scale ends
        # with seed_demo, so she is in both databases with the same plan and the same
        # sessions: her plan card, session list and FHIR bundle show the same rows on both
        # sides, and only the clinic's years around her differ - the question this
        # benchmark asks. (A busier plan of the big clinic shows more rows: see --plan.)
        api = self.api["therapist"]
        casey = _expect(api.get(f"{self.base}/api/patients/?q=casey client", timeout=30),
                        200, "the search for Casey")["results"]
        if not casey:
            raise BenchmarkError("no Casey Client: run seed_demo or seed_scale first")
        patient = casey[0]
        plans = _expect(api.get(f"{self.base}/api/plans/?patient={patient['id']}"
                                "&status=active", timeout=30), 200, "Casey's plans")["results"]
        if not plans:
            raise BenchmarkError("Casey Client has no active plan: run seed_demo again")
        first = plans[0]
        if plan:
            first = _expect(api.get(f"{self.base}/api/plans/{plan}/", timeout=30), 200,
                            f"plan {plan}")
            patient = _expect(api.get(f"{self.base}/api/patients/{first['patient']}/",
                                      timeout=30), 200, "its patient")
        self.fill = {"plan": first["id"], "patient": first["patient"],
                     "q": search or patient["last_name"][:4].lower(),
                     "dob": patient["date_of_birth"], "today": dt.date.today().isoformat()}
        self.log_plan = self._roomy_plan()
        self.shown: dict[str, tuple[int | None, int]] = {}  # probe -> (rows, bytes) last seen

    def _roomy_plan(self) -> int:
        """A plan of its own for the session logs (10 000 sessions, no weekly limit)."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        patient = _expect(self.api["admin"].post(f"{self.base}/api/patients/", json={
            "first_name": "Bench", "last_name": f"Scale {stamp}", "date_of_birth": "1980-01-01"},
            timeout=30), 201, "admin registers a patient")
        today = dt.date.today()
        plan = _expect(self.api["chiro"].post(f"{self.base}/api/plans/", json={
            "patient": patient["id"], "regions": ["cervical"], "session_minutes": 30,
            "sessions_authorized": BENCH_SESSIONS, "sessions_per_week": None,
            "valid_from": (today - dt.timedelta(days=1)).isoformat(),
            "valid_until": (today + dt.timedelta(days=365)).isoformat()}, timeout=30),
            201, "chiro prescribes the benchmark plan")
        return plan["id"]

    def time(self, probe: Probe) -> float:
        http = (self.pages if probe.page else self.api)[probe.who]
        url = self.base + probe.path.format(**self.fill)
        body = None
        if probe.method == "POST":
            body = {"plan": self.log_plan, "started_at": dt.datetime.now(dt.UTC).isoformat(),
                    "duration_minutes": 30, "regions": ["cervical"]}
        start = time.perf_counter()
        response = http.request(probe.method, url, json=body, timeout=120,
                                allow_redirects=False)
        elapsed = time.perf_counter() - start
        if response.status_code != probe.status:
            raise BenchmarkError(f"{probe.name} ({url}): expected {probe.status}, got "
                                 f"{response.status_code}: {response.text[:200]}")
        self.shown[probe.name] = _shown(response)
        return elapsed


def _shown(response) -> tuple[int | None, int]:
    """What the answer showed: its rows (a list's results, a bundle's entries; None for a
    page or a single object) and its size in bytes. A list that shows 50 rows costs more
    than one that shows 2, whatever the history behind them: the table says which is which."""
    rows = None
    if response.headers.get("Content-Type", "").startswith("application/"):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            listed = body.get("results", body.get("entry"))
            rows = len(listed) if isinstance(listed, list) else None
    return rows, len(response.content)


def measure(targets: list[Target], probes: list[Probe], rounds: int,
            warmup: int) -> list[dict[str, dict[str, float]]]:
    """Per target: each probe's median (ms) and its ratio to GET /api/me/ in the same rounds."""
    times: list[dict[str, list[float]]] = [{p.name: [] for p in [BASE, *probes]} for _ in targets]
    for i in range(warmup + rounds):
        order = probes[:]
        random.shuffle(order)  # no request always runs right after the same other one
        for probe in order:
            for t, target in enumerate(targets):  # both servers in the same moment
                me = target.time(BASE)
                took = target.time(probe)
                if i >= warmup:
                    times[t][BASE.name].append(me)
                    times[t][probe.name].append(took)
    results = []
    for target, per_target in zip(targets, times, strict=True):
        me = statistics.median(per_target[BASE.name])
        results.append({name: {"ms": statistics.median(v) * 1000,
                               "ratio": statistics.median(v) / me,
                               "rows": target.shown.get(name, (None, 0))[0],
                               "kb": target.shown.get(name, (None, 0))[1] / 1024}
                        for name, v in per_target.items()})
    return results


def _shows_more(row: dict, base: dict) -> bool:
    """The answer showed more than the baseline's: more rows, or a quarter more bytes."""
    if row.get("rows") is not None and base.get("rows") is not None:
        return row["rows"] > base["rows"]
    return row.get("kb", 0) > 1.25 * base.get("kb", 0)


def _rows(row: dict) -> str:
    shown = "" if row.get("rows") is None else f"{row['rows']}r "
    return f"{shown}{row.get('kb', 0):.0f}k"


def report(result: dict, baseline: dict | None, max_growth: float, max_log: float) -> bool:
    """Print the table; True when within the targets (growth only with a baseline)."""
    ok = True
    header = f"{'request':40}{'ms':>9}{'x me':>8}{'shows':>10}"
    if baseline:
        header += f"{'base x':>9}{'shows':>10}{'growth':>9}"
    print(header)
    for name, row in result.items():
        line = f"{name:40}{row['ms']:>9.1f}{row['ratio']:>7.1f}x{_rows(row):>10}"
        flag = ""
        if baseline and name in baseline:
            growth = row["ratio"] / baseline[name]["ratio"]
            line += f"{baseline[name]['ratio']:>8.1f}x{_rows(baseline[name]):>10}{growth:>8.2f}x"
            if growth > max_growth and name != BASE.name:
                # Still a miss (the exit code says so), but say which kind: a page showing
                # more than its baseline did, or the same page costing more (history).
                more = _shows_more(row, baseline[name])
                flag, ok = ("  <- grew (shows more)" if more else "  <- grew"), False
        if name == LOG and row["ratio"] > max_log:
            flag, ok = flag + f"  <- over {max_log}x", False
        print(line + flag)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default="demo-pass-123")
    parser.add_argument("-n", "--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--save", metavar="FILE", help="store this run's ratios (the baseline)")
    parser.add_argument("--baseline", metavar="FILE", help="ratios stored with --save")
    parser.add_argument("--baseline-url", help="a second server (the demo database), timed in "
                                               "the same rounds")
    parser.add_argument("--max-growth", type=float, default=1.3)
    parser.add_argument("--max-log-ratio", type=float, default=2.0)
    parser.add_argument("--plan", type=int, help="open this plan (on the first server) "
                                                 "instead of Casey Client's")
    parser.add_argument("--search", default="", help="search for this instead of the first "
                                                     "four letters of the patient's last name")
    parser.add_argument("--only", help="a regular expression: time only the matching requests")
    parser.add_argument("--smoke", action="store_true",
                        help="2 rounds, no warm-up, no targets: every request answers (CI)")
    args = parser.parse_args(argv)

    probes = [p for p in PROBES if not args.only or re.search(args.only, p.name)]
    if args.smoke:
        args.rounds, args.warmup = 2, 0
    targets = [Target(args.url, args.password, args.plan, args.search)]
    if args.baseline_url:
        targets.append(Target(args.baseline_url, args.password, search=args.search))
    print(f"{args.rounds} rounds after {args.warmup} warm-up; {len(probes)} requests; "
          f"plan {targets[0].fill['plan']}, patient {targets[0].fill['patient']}, "
          f"q={targets[0].fill['q']!r}")
    results = measure(targets, probes, args.rounds, args.warmup)
    baseline = results[1] if args.baseline_url else None
    if args.baseline:
        baseline = json.loads(Path(args.baseline).read_text())
    if args.save:
        Path(args.save).write_text(json.dumps(results[0], indent=1))
    ok = report(results[0], baseline, args.max_growth, args.max_log_ratio)
    if args.smoke:
        print("smoke: every request answered as expected")
        return 0
    if not ok:
        print(f"ABOVE TARGET (growth <= {args.max_growth}x, session log <= "
              f"{args.max_log_ratio}x of GET /api/me/)")
        return 1
    print("within target" if baseline else "no baseline: growth not checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
