"""What the pages say about a consult ticket, in plain words: the decision in one line for the
therapist ("approved: legs and feet now allowed"), and what the therapist can say to the
client once a request is sent and once it is decided.

Pure functions of a ticket (and the plan version it was raised on); no queries beyond the
ticket's own relations, which callers load (select_related).
"""

from __future__ import annotations

import re

from django.utils import timezone

from clinic.regions import REGIONS, everyday
from referrals.models import ConsultTicket, TicketStatus


def plural(n: int, one: str, many: str | None = None) -> str:
    """"1 session", "2 sessions"; ``many`` for irregular words ("1 person", "2 people")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _and(parts: list[str]) -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _day(value) -> str:
    return f"{value:%A} {value.day} {value:%B}"


def approved_changes(ticket: ConsultTicket) -> str:
    """What an approval allows now, in everyday words: "legs and feet now allowed; 45-minute
    sessions; 4 more sessions"."""
    parts = []
    if ticket.add_regions:
        parts.append(f"{everyday(ticket.add_regions)} now allowed")
    if ticket.session_minutes:
        parts.append(f"{ticket.session_minutes}-minute sessions")
    if ticket.extra_sessions:
        parts.append(plural(ticket.extra_sessions, "more session", "more sessions"))
    if ticket.valid_until:
        parts.append(f"valid until {ticket.valid_until.day} {ticket.valid_until:%b %Y}")
    if ticket.techniques:
        parts.append(f"{_and(list(ticket.techniques))} now allowed")
    return "; ".join(parts) or "the plan is renewed"


def decision_line(ticket: ConsultTicket) -> str:
    """The decision as the therapist's worklist and plan card show it:
    "approved: legs and feet now allowed" / "declined: <the chiropractor's reason>"."""
    if ticket.status == TicketStatus.APPROVED:
        return f"approved: {approved_changes(ticket)}"
    if ticket.status == TicketStatus.DECLINED:
        return f"declined: {ticket.decision_note.strip()}"
    if ticket.status == TicketStatus.WITHDRAWN:
        return "withdrawn"
    return "waiting for a decision"


def asked_for(ticket: ConsultTicket) -> str:
    """What the client asked for, as the client would say it: "your legs and feet and longer
    sessions"."""
    parts = []
    if ticket.add_regions:
        parts.append(f"your {everyday(ticket.add_regions)}")
    if ticket.session_minutes:
        parts.append("longer sessions")
    if ticket.extra_sessions:
        parts.append("more sessions")
    if ticket.valid_until:
        parts.append("more time on the plan")
    if ticket.techniques:
        parts.append(_and(list(ticket.techniques)))
    return _and(parts) or "a change to your plan"


def client_script(ticket: ConsultTicket) -> str:
    """What the therapist can tell the client once the request is sent: the plan in everyday
    words, who decides, and by when. Each person is named once."""
    version = ticket.raised_on_version
    prescriber = ticket.plan.prescriber
    due = timezone.localtime(ticket.due_at)
    if ticket.assigned_to_id == prescriber.pk:
        to = "I've sent them your request"
    else:
        to = (f"I've sent your request to {ticket.assigned_to.display_name}, who is covering "
              "for them")
    return (f"Your plan from {prescriber.display_name} covers {version.session_minutes} minutes "
            f"on your {everyday(version.regions)} for now. {to} about {asked_for(ticket)}, "
            f"and you'll hear back by {_day(due)}.")


# Clinical words a client does not use, and what to say instead. Region labels come first
# (from clinic.regions), longest first so "Left lower limb" wins over "lower limb".
_PLAIN_WORDS = [
    (r"\bcontra-?indicated\b", "not advised"),
    (r"\bcontraindications?\b", "a reason not to"),
    (r"\bbilateral(ly)?\b", "on both sides"),
    (r"\blower limbs\b", "legs"),
    (r"\blower limb\b", "leg"),
    (r"\bupper limbs\b", "arms"),
    (r"\bupper limb\b", "arm"),
    (r"\bDVT\b", "blood clot"),
    (r"\bdeep vein thrombosis\b", "blood clot"),
    (r"\bacute\b", "recent"),
    (r"\binflammation\b", "swelling"),
    (r"\boedema\b|\bedema\b", "swelling"),
    (r"\bre-?evaluat(e|ion)\b", "check-up"),
    (r"\bre-?assess(ment)?\b", "check-up"),
    (r"\bROM\b", "movement"),
    (r"\bpt\b|\bthe patient\b", "you"),
    (r"\bcervical\b", "neck"),
    (r"\bthoracic\b", "upper back"),
    (r"\blumbar\b", "lower back"),
    (r"\bsacral\b", "tailbone"),
    (r"\bgluteal\b", "buttock"),
    (r"\bpost-?op(erative)?\b", "after the operation"),
    (r"\bw/o\b", "without"),
    (r"\bw/\b", "with"),
]


def plain_words(text: str) -> str:
    """A chiropractor's reason with clinical words replaced by everyday ones:
    "Lower limbs contraindicated until the DVT scan is back" -> "legs not advised until the
    blood clot scan is back". Short, general replacements, so the sentence still reads."""
    out = text.strip()
    for region in sorted(REGIONS.values(), key=lambda r: -len(r.label)):
        if region.everyday:
            out = re.sub(re.escape(region.label), region.everyday, out, flags=re.IGNORECASE)
    for pattern, plain in _PLAIN_WORDS:
        out = re.sub(pattern, plain, out, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", out).strip()


def decline_script(ticket: ConsultTicket) -> str:
    """What the therapist can tell the client after a decline: what was asked, what the plan
    keeps to for now and why (the reason in plain words), the chiropractor's sentence for the
    client when the plan has one, and that it can be asked again."""
    version = ticket.plan.current_version or ticket.raised_on_version
    who = ticket.decided_by.display_name if ticket.decided_by_id else "The chiropractor"
    reason = plain_words(ticket.decision_note).rstrip(".")
    reason = reason[:1].lower() + reason[1:] if reason[:2] != reason[:2].upper() else reason
    lines = [f"I asked {who} about {asked_for(ticket)}.",
             f"For now they'd like us to keep to your {everyday(version.regions)}, because "
             f"{reason}."]
    if version.client_summary:
        lines.append(version.client_summary.strip())
    lines.append("If things change, I can ask again at your next visit.")
    return " ".join(lines)


def with_decision_words(ticket: ConsultTicket) -> ConsultTicket:
    """Attach the decision in one line, and after a decline what to tell the client."""
    ticket.decision_line = decision_line(ticket)
    ticket.decline_script = (decline_script(ticket)
                             if ticket.status == TicketStatus.DECLINED else "")
    return ticket
