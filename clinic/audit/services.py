"""Writing the audit trail, and checking that nobody rewrote it.

``audit_record`` is the only writer. Each clinic's entries form a hash chain: an entry's
``hash`` is SHA-256 over its canonical fields and the previous entry's hash, so editing,
inserting or removing an entry anywhere but at the very end breaks every later link.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection
from django.utils.crypto import salted_hmac

from clinic.audit.models import AuditEntry, Outcome

GENESIS = "0" * 64

# The fields the hash covers, in this order. Adding a field later means a new hash version.
# "at" first: audit_record has PostgreSQL write it (taken under the chain lock) in front of
# the others.
HASHED_FIELDS = (
    "at", "clinic_id", "actor_id", "actor_username", "role", "action", "object_type",
    "object_id", "object_version", "patient_id", "ip", "request_id", "outcome", "status_code",
    "method", "path", "detail",
)


def _canonical_value(name: str, value):
    if value is None:
        return None
    if name == "at":
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if name == "ip":
        # PostgreSQL's inet may print an address differently from how it was written.
        return ipaddress.ip_address(value).exploded
    return value


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      default=str)


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the entry's canonical fields and its ``prev_hash``."""
    fields = [_canonical_value(name, getattr(entry, name)) for name in HASHED_FIELDS]
    return hashlib.sha256(_canonical_json([entry.prev_hash, fields]).encode("ascii")).hexdigest()


# What the chain lock guards, in one statement: read the head and the time under the lock
# (plankeeper_audit_link, see migration 0003), insert the entry, hash it in PostgreSQL over
# exactly the text entry_hash builds: ["<prev_hash>",["<at>",<the other fields>]].
_LINKED = ("id", "at", "prev_hash", "hash")


@functools.cache
def _append_sql() -> tuple[str, list]:
    quote = connection.ops.quote_name
    fields = [f for f in AuditEntry._meta.concrete_fields if f.attname not in _LINKED]
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    payload = """'["' || link.prev || '",["' || link.at_text || '",' || substr(%s, 2) || ']'"""
    # Table and column names from the model only; the values are parameters.
    sql = (f"INSERT INTO {quote(AuditEntry._meta.db_table)}"  # noqa: S608
           f" (at, {columns}, prev_hash, hash)"
           f" SELECT link.at, {placeholders}, link.prev,"
           f" encode(sha256(convert_to({payload}, 'UTF8')), 'hex')"
           " FROM plankeeper_audit_link(%s) AS link RETURNING id, at, prev_hash, hash")
    return sql, fields


def outcome_for(status_code: int | None) -> str:
    """How an HTTP status reads in the trail."""
    if status_code is None or status_code < 400:
        return Outcome.SUCCESS
    if status_code in (401, 403, 405, 429):
        return Outcome.DENIED
    if status_code == 404:
        return Outcome.NOT_FOUND
    if status_code == 409:
        return Outcome.REFUSED
    if status_code < 500:
        return Outcome.INVALID
    return Outcome.ERROR


def audit_record(
    *,
    action: str,
    outcome: str = Outcome.SUCCESS,
    clinic_id: int | None = None,
    actor=None,
    actor_username: str = "",
    role: str = "",
    object_type: str = "",
    object_id: str | int | None = "",
    object_version: int | None = None,
    patient_id: int | None = None,
    ip: str | None = None,
    request_id: str = "",
    status_code: int | None = None,
    method: str = "",
    path: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry to the clinic's chain. Never pass patient data values (names, notes,
    dates of birth): ids, codes and the outcome only.

    The chain head is read under a per-clinic transaction-level advisory lock (taken by the
    SQL function ``plankeeper_audit_link``), so two concurrent writers cannot both link to the
    same predecessor: the chain stays a line, not a tree. Lock, link, insert and hash are
    one statement: a request pays one database round trip for its entry.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_username = actor_username or actor.get_username()
        role = role or (actor.role or ("superuser" if actor.is_superuser else ""))
        actor_id = actor.pk
    else:
        actor_id = None
    entry = AuditEntry(
        clinic_id=clinic_id, actor_id=actor_id, actor_username=(actor_username or "")[:150],
        role=role or "", action=action, object_type=object_type or "",
        object_id=str(object_id or "")[:64], object_version=object_version,
        patient_id=patient_id, ip=ip, request_id=request_id or "", outcome=outcome,
        status_code=status_code, method=method or "", path=(path or "")[:300],
        detail=detail or {},
    )
    sql, fields = _append_sql()
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    # Everything but the link, canonical as entry_hash writes it: "[<clinic_id>,...,<detail>]".
    rest = _canonical_json([_canonical_value(n, getattr(entry, n)) for n in HASHED_FIELDS[1:]])
    # One statement: in autocommit it is its own transaction (the chain lock is released when
    # it commits); inside a request's transaction (the middleware's) it commits with the
    # request's writes.
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, rest, clinic_id])
        entry.pk, entry.at, entry.prev_hash, entry.hash = cursor.fetchone()
    entry._state.adding = False
    entry._state.db = DEFAULT_DB_ALIAS
    return entry


@dataclass(frozen=True)
class ChainProblem:
    clinic_id: int | None
    entry_id: int
    message: str


@dataclass(frozen=True)
class ChainSummary:
    clinic_id: int | None
    entries: int
    head: str
    problem: ChainProblem | None
    last_id: int | None = None  # the entry whose hash is ``head`` (None: an empty chain)


def chain_ids() -> list[int | None]:
    """Every chain present: one per clinic, plus the clinic-less one (None) if used."""
    return list(AuditEntry.objects.order_by().values_list("clinic_id", flat=True).distinct())


def verify_chain(*, clinic_id: int | None) -> ChainSummary:
    """Recompute one clinic's chain from its first entry; stop at the first broken link.

    A removed entry shows as the next entry's ``prev_hash`` not matching its new predecessor;
    an edited one as its own hash not matching its fields. Removing the newest entries leaves
    a shorter valid chain: compare the reported head with one recorded elsewhere.
    """
    expected_prev = GENESIS
    count = 0
    entries: Iterator[AuditEntry] = (
        AuditEntry.objects.filter(clinic_id=clinic_id).order_by("id").iterator(chunk_size=2000)
    )
    previous_id = None
    for entry in entries:
        count += 1
        if entry.prev_hash != expected_prev:
            where = f"after entry #{previous_id}" if previous_id else "at the start of the chain"
            return ChainSummary(clinic_id, count, expected_prev, ChainProblem(
                clinic_id, entry.pk,
                f"entry #{entry.pk} does not link to the entry before it ({where}): "
                "an entry is missing or was altered"))
        if entry_hash(entry) != entry.hash:
            return ChainSummary(clinic_id, count, expected_prev, ChainProblem(
                clinic_id, entry.pk,
                f"entry #{entry.pk} was altered: its hash does not match its fields"))
        expected_prev = entry.hash
        previous_id = entry.pk
    return ChainSummary(clinic_id, count, expected_prev, None, previous_id)


# --- signed heads: what a rewrite by someone with database access alone cannot forge ----------
#
# The chain's hashes use no key (PostgreSQL computes them, and the database must not hold the
# key), so whoever can write the table could rebuild a consistent chain. An exported head,
# signed with HMAC under AUDIT_HMAC_KEY (held by the app, never by the database), pins the
# trail as it was: a rebuilt chain no longer reaches the signed hash at the signed entry.

HEAD_FORMAT = "plankeeper-audit-head/1"


def _head_key() -> bytes:
    key = settings.AUDIT_HMAC_KEY
    if key:
        return key.encode("utf-8")
    # Derived from SECRET_KEY for its own purpose (no other signature can be replayed here).
    return salted_hmac("plankeeper.audit.head-key", "v1", algorithm="sha256").digest()


def _signature(document: dict) -> str:
    body = {k: v for k, v in document.items() if k != "signature"}
    return hmac.new(_head_key(), _canonical_json(body).encode("ascii"),
                    hashlib.sha256).hexdigest()


def head_export(summaries: list[ChainSummary], *, now: dt.datetime) -> dict:
    """A signed record of each intact chain's head, to keep outside the database."""
    document = {
        "format": HEAD_FORMAT, "exported_at": now.astimezone(dt.UTC).isoformat(),
        "chains": [{"clinic": s.clinic_id, "entries": s.entries, "last_id": s.last_id,
                    "head": s.head} for s in summaries if s.problem is None],
    }
    document["signature"] = _signature(document)
    return document


def head_check(document) -> list[str]:
    """What differs between the trail now and a signed head exported earlier (empty: the
    trail still holds, unchanged, every entry the head covers). A head whose signature does not
    verify is reported as such and nothing else is trusted from it."""
    if not isinstance(document, dict) or document.get("format") != HEAD_FORMAT:
        return ["the head file is not a Plan-keeper audit head"]
    signature = str(document.get("signature", ""))
    if not hmac.compare_digest(signature, _signature(document)):
        return ["the head file's signature does not verify: it was altered, or signed with "
                "another AUDIT_HMAC_KEY"]
    problems = []
    for chain in document.get("chains", []):
        clinic_id, last_id = chain["clinic"], chain["last_id"]
        name = f"clinic {clinic_id}" if clinic_id is not None else "no clinic"
        summary = verify_chain(clinic_id=clinic_id)
        if summary.problem:
            problems.append(f"{name}: {summary.problem.message}")
            continue
        if last_id is None:
            continue  # the chain was empty then
        row = (AuditEntry.objects.filter(clinic_id=clinic_id, pk=last_id)
               .values_list("hash", flat=True).first())
        kept = AuditEntry.objects.filter(clinic_id=clinic_id, pk__lte=last_id).count()
        if row is None:
            problems.append(f"{name}: entry #{last_id}, the signed head, is gone: the trail "
                            "was cut back or rebuilt")
        elif row != chain["head"] or kept != chain["entries"]:
            problems.append(f"{name}: the chain no longer reaches the signed head at entry "
                            f"#{last_id} ({kept} entries up to it, {chain['entries']} signed): "
                            "the trail was rewritten")
    return problems
