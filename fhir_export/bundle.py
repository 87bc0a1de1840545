"""A plan as an HL7 FHIR R4 ``Bundle`` (type ``collection``), per docs/domain.md "FHIR R4 export".

Export only. One bundle holds the whole story of one plan:

- ``Patient``, an ``Organization`` for the clinic, a ``Practitioner`` (+ ``PractitionerRole``)
  for everyone who prescribed, signed, treated, raised or decided something on the plan;
- ``CarePlan``: the plan, status mapped (FHIR has no "expired": an expired plan is
  ``completed`` and keeps ``period.end``);
- a ``ServiceRequest`` per signed version (the prescription), each one ``replaces`` the version
  before it; avoided regions are a second ``ServiceRequest`` with ``doNotPerform: true``;
- an ``Encounter`` (class AMB) and a ``Procedure`` per session, ``entered-in-error`` when voided;
- a ``Task`` per consult ticket (intent proposal, code approve, focus the CarePlan);
- an ``Appointment`` per booking (booked, arrived, fulfilled, cancelled, noshow), based on the
  prescription in force.

Every resource's ``fullUrl`` is ``urn:uuid:<uuid5 of type and id>``, stable across exports, and
every reference points at a ``fullUrl`` inside the bundle. Body sites are SNOMED CT coded
(``clinic.regions``). The number of queries does not depend on the number of sessions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from clinic.models import Role, User
from clinic.regions import LATERALITY, REGIONS, SNOMED_SYSTEM
from plans.models import EXPIRED, PlanStatus, PlanVersion, TreatmentPlan
from referrals.models import ConsultTicket, TicketStatus
from sessions.models import SessionAddendum, TherapySession

# Fixed forever: changing it changes every exported fullUrl.
NAMESPACE = uuid.UUID("6f1c2b1e-7d3a-5c0e-9a51-3b8f0f6d2a10")
IDENTIFIER_SYSTEM = "urn:plankeeper"
LATERALITY_EXTENSION = "https://plankeeper.example/fhir/StructureDefinition/laterality"
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
UCUM = "http://unitsofmeasure.org"

# Ours -> FHIR. CarePlan.status: draft | active | on-hold | revoked | completed |
# entered-in-error | unknown.
CARE_PLAN_STATUS = {
    PlanStatus.DRAFT: "draft",
    PlanStatus.ACTIVE: "active",
    PlanStatus.SUSPENDED: "on-hold",
    PlanStatus.COMPLETED: "completed",
    PlanStatus.CANCELLED: "revoked",
    EXPIRED: "completed",
}
# A version replaced by a later one no longer authorises anything.
SUPERSEDED_REQUEST_STATUS = "revoked"
TASK_STATUS = {
    TicketStatus.OPEN: "requested",
    TicketStatus.APPROVED: "completed",
    TicketStatus.DECLINED: "rejected",
    TicketStatus.WITHDRAWN: "cancelled",
}
APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ARRIVED: "arrived",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}
ROLE_TEXT = {Role.CHIROPRACTOR: "Chiropractor", Role.THERAPIST: "Massage therapist",
             Role.ADMIN: "Clinic administrator"}
MASSAGE = {"coding": [{"system": CPT_SYSTEM, "code": "97124"}], "text": "Massage therapy"}


def fhir_id(resource_type: str, pk: Any) -> str:
    """The stable id of one of our objects as a FHIR resource (uuid5 of type and id)."""
    return str(uuid.uuid5(NAMESPACE, f"{resource_type}/{pk}"))


def full_url(resource_type: str, pk: Any) -> str:
    return f"urn:uuid:{fhir_id(resource_type, pk)}"


def ref(resource_type: str, pk: Any, display: str | None = None) -> dict:
    out = {"reference": full_url(resource_type, pk), "type": resource_type}
    if display:
        out["display"] = display
    return out


def identifier(kind: str, pk: Any) -> list[dict]:
    return [{"system": f"{IDENTIFIER_SYSTEM}:{kind}", "value": str(pk)}]


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def body_site(code: str) -> dict:
    """One region as a SNOMED CT coded CodeableConcept (laterality of buttocks as an extension,
    since both sides share one SNOMED concept)."""
    region = REGIONS[code]
    concept = {"coding": [{"system": SNOMED_SYSTEM, "code": region.snomed}], "text": region.label}
    if code in LATERALITY:
        concept["extension"] = [{
            "url": LATERALITY_EXTENSION,
            "valueCodeableConcept": {"coding": [{"system": SNOMED_SYSTEM,
                                                 "code": LATERALITY[code]}]},
        }]
    return concept


def body_sites(codes: Iterable[str]) -> list[dict]:
    return [body_site(c) for c in codes if c in REGIONS]


def entry(resource: dict) -> dict:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


# --- resources --------------------------------------------------------------------------

def _organization(clinic) -> dict:
    return {"resourceType": "Organization", "id": fhir_id("Organization", clinic.pk),
            "identifier": identifier("clinic", clinic.pk), "active": True, "name": clinic.name}


def _patient(patient, clinic) -> dict:
    return {
        "resourceType": "Patient", "id": fhir_id("Patient", patient.pk),
        "identifier": identifier("patient", patient.pk),
        "name": [{"use": "official", "family": patient.last_name,
                  "given": [patient.first_name]}],
        "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": ref("Organization", clinic.pk, clinic.name),
    }


def _practitioner(user: User) -> dict:
    name: dict[str, Any] = {"text": user.display_name}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return {"resourceType": "Practitioner", "id": fhir_id("Practitioner", user.pk),
            "identifier": identifier("staff", user.pk), "active": user.is_active,
            "name": [name]}


def _practitioner_role(user: User, clinic) -> dict:
    return {"resourceType": "PractitionerRole", "id": fhir_id("PractitionerRole", user.pk),
            "active": user.is_active,
            "practitioner": ref("Practitioner", user.pk, user.display_name),
            "organization": ref("Organization", clinic.pk, clinic.name),
            "code": [{"text": ROLE_TEXT.get(user.role, user.role or "Staff")}]}


def _care_plan(plan: TreatmentPlan, status: str, versions: list[PlanVersion]) -> dict:
    current = plan.current_version
    resource = {
        "resourceType": "CarePlan", "id": fhir_id("CarePlan", plan.pk),
        "identifier": identifier("plan", plan.pk),
        "status": CARE_PLAN_STATUS[status],
        "intent": "order",
        "title": f"Massage treatment plan {plan.pk}",
        "subject": ref("Patient", plan.patient_id, plan.patient.full_name),
        "period": {"start": current.valid_from.isoformat(),
                   "end": current.valid_until.isoformat()},
        "created": instant(plan.created_at),
        "author": ref("Practitioner", plan.prescriber_id, plan.prescriber.display_name),
        "activity": [{"reference": ref("ServiceRequest", current.pk)}],
    }
    if status == EXPIRED:
        resource["note"] = [{"text": "Expired: the last valid day has passed."}]
    contributors = {v.signed_by_id: v.signed_by for v in versions}
    contributors.pop(plan.prescriber_id, None)
    if contributors:
        resource["contributor"] = [ref("Practitioner", pk, u.display_name)
                                   for pk, u in contributors.items()]
    if current.diagnosis:
        resource["description"] = current.diagnosis
    return resource


def _timing(version: PlanVersion) -> dict:
    repeat: dict[str, Any] = {
        "boundsPeriod": {"start": version.valid_from.isoformat(),
                         "end": version.valid_until.isoformat()},
        "duration": version.session_minutes, "durationUnit": "min",
    }
    if version.sessions_per_week:
        repeat.update({"frequency": version.sessions_per_week, "period": 1, "periodUnit": "wk"})
    return {"repeat": repeat}


def _request_common(plan: TreatmentPlan, version: PlanVersion, status: str) -> dict:
    return {
        "status": status, "intent": "order", "code": MASSAGE,
        "subject": ref("Patient", plan.patient_id, plan.patient.full_name),
        "authoredOn": instant(version.signed_at),
        "requester": ref("Practitioner", version.signed_by_id, version.signed_by.display_name),
    }


def _service_request(plan: TreatmentPlan, version: PlanVersion, status: str,
                     previous: PlanVersion | None) -> dict:
    resource = {
        "resourceType": "ServiceRequest", "id": fhir_id("ServiceRequest", version.pk),
        "identifier": identifier("plan-version", f"{plan.pk}.{version.number}"),
        **_request_common(plan, version, status),
        "basedOn": [ref("CarePlan", plan.pk)],
        "quantityQuantity": {"value": version.sessions_authorized, "unit": "sessions",
                             "system": UCUM, "code": "{session}"},
        "occurrenceTiming": _timing(version),
        "bodySite": body_sites(version.regions),
    }
    if previous is not None:
        resource["replaces"] = [ref("ServiceRequest", previous.pk)]
    if version.techniques:
        resource["orderDetail"] = [{"text": t} for t in version.techniques]
    if version.diagnosis:
        resource["reasonCode"] = [{"text": version.diagnosis}]
    notes = [text for text in (version.reason and f"Reason for this version: {version.reason}",
                               version.notes) if text]
    if notes:
        resource["note"] = [{"text": t} for t in notes]
    return resource


def _avoid_request(plan: TreatmentPlan, version: PlanVersion, status: str) -> dict:
    """The version's contraindicated regions: an order *not* to treat them."""
    return {
        "resourceType": "ServiceRequest", "id": fhir_id("ServiceRequest/avoid", version.pk),
        **_request_common(plan, version, status),
        "doNotPerform": True,
        "basedOn": [ref("CarePlan", plan.pk), ref("ServiceRequest", version.pk)],
        "bodySite": body_sites(version.avoid_regions),
    }


def _session_end(session: TherapySession) -> dt.datetime:
    return session.started_at + dt.timedelta(minutes=session.duration_minutes)


def _encounter(plan: TreatmentPlan, session: TherapySession) -> dict:
    return {
        "resourceType": "Encounter", "id": fhir_id("Encounter", session.pk),
        "status": "entered-in-error" if session.is_voided else "finished",
        "class": {"system": ACT_CODE_SYSTEM, "code": "AMB", "display": "ambulatory"},
        "subject": ref("Patient", plan.patient_id, plan.patient.full_name),
        "participant": [{"individual": ref("Practitioner", session.therapist_id,
                                           session.therapist.display_name)}],
        "period": {"start": instant(session.started_at), "end": instant(_session_end(session))},
        "basedOn": [ref("ServiceRequest", session.plan_version_id)],
        "serviceProvider": ref("Organization", plan.clinic_id, plan.clinic.name),
    }


def _procedure(plan: TreatmentPlan, session: TherapySession) -> dict:
    resource = {
        "resourceType": "Procedure", "id": fhir_id("Procedure", session.pk),
        "identifier": identifier("session", session.pk),
        "basedOn": [ref("ServiceRequest", session.plan_version_id)],
        "status": "entered-in-error" if session.is_voided else "completed",
        "code": MASSAGE,
        "subject": ref("Patient", plan.patient_id, plan.patient.full_name),
        "encounter": ref("Encounter", session.pk),
        "performedPeriod": {"start": instant(session.started_at),
                            "end": instant(_session_end(session))},
        "performer": [{"actor": ref("Practitioner", session.therapist_id,
                                    session.therapist.display_name)}],
        "bodySite": body_sites(session.regions),
    }
    if session.is_voided:
        resource["statusReason"] = {"text": session.void.reason}
    notes = []
    if session.techniques:
        notes.append({"text": f"Techniques: {', '.join(session.techniques)}"})
    for label, text in (("Notes", session.notes), ("Subjective", session.subjective),
                        ("Objective", session.objective), ("Assessment", session.assessment),
                        ("Plan", session.plan_notes)):
        if text:
            notes.append({"text": f"{label}: {text}"})
    for addendum in session.addenda.all():
        notes.append({"authorReference": ref("Practitioner", addendum.author_id),
                      "time": instant(addendum.created_at),
                      "text": f"Addendum: {addendum.text}"})
    if notes:
        resource["note"] = notes
    return resource


def _task(plan: TreatmentPlan, ticket: ConsultTicket) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "Task", "id": fhir_id("Task", ticket.pk),
        "identifier": identifier("ticket", ticket.pk),
        "status": TASK_STATUS[ticket.status],
        "intent": "proposal",
        "priority": "routine",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "approve",
                             "display": "Activate/approve the focal resource"}],
                 "text": "Approve a change to the treatment plan"},
        "description": ticket.change_summary() or ticket.client_request,
        "focus": ref("CarePlan", plan.pk),
        "for": ref("Patient", plan.patient_id, plan.patient.full_name),
        "authoredOn": instant(ticket.raised_at),
        "lastModified": instant(ticket.decided_at or ticket.raised_at),
        "requester": ref("Practitioner", ticket.raised_by_id, ticket.raised_by.display_name),
        "owner": ref("Practitioner", ticket.assigned_to_id, ticket.assigned_to.display_name),
        "restriction": {"period": {"start": instant(ticket.raised_at),
                                   "end": instant(max(ticket.due_at, ticket.raised_at))}},
        "note": [{"authorReference": ref("Practitioner", ticket.raised_by_id),
                  "time": instant(ticket.raised_at),
                  "text": f"Client asked: {ticket.client_request}"}],
        "input": _task_inputs(ticket),
    }
    if ticket.note:
        resource["note"].append({"authorReference": ref("Practitioner", ticket.raised_by_id),
                                 "text": ticket.note})
    if ticket.session_id is not None:
        resource["reasonReference"] = ref("Procedure", ticket.session_id)
    if ticket.status == TicketStatus.DECLINED:
        resource["statusReason"] = {"text": ticket.decision_note}
    elif ticket.decision_note and ticket.decided_by_id:
        resource["note"].append({"authorReference": ref("Practitioner", ticket.decided_by_id),
                                 "time": instant(ticket.decided_at),
                                 "text": ticket.decision_note})
    if ticket.resulting_version_id is not None:
        resource["output"] = [{"type": {"text": "Resulting plan version"},
                               "valueReference": ref("ServiceRequest",
                                                     ticket.resulting_version_id)}]
    return resource


def _task_inputs(ticket: ConsultTicket) -> list[dict]:
    inputs = [{"type": {"text": "Client request"}, "valueString": ticket.client_request}]
    inputs += [{"type": {"text": "Add region"}, "valueCodeableConcept": site}
               for site in body_sites(ticket.add_regions)]
    if ticket.session_minutes:
        inputs.append({"type": {"text": "Session minutes"},
                       "valueQuantity": {"value": ticket.session_minutes, "unit": "min",
                                         "system": UCUM, "code": "min"}})
    if ticket.extra_sessions:
        inputs.append({"type": {"text": "Extra sessions"},
                       "valueQuantity": {"value": ticket.extra_sessions, "unit": "sessions",
                                         "system": UCUM, "code": "{session}"}})
    if ticket.valid_until:
        inputs.append({"type": {"text": "Valid until"},
                       "valueDate": ticket.valid_until.isoformat()})
    inputs += [{"type": {"text": "Technique"}, "valueString": t} for t in ticket.techniques]
    return inputs


# --- the bundle -------------------------------------------------------------------------

def _appointment(plan: TreatmentPlan, appointment: Appointment) -> dict:
    resource = {
        "resourceType": "Appointment", "id": fhir_id("Appointment", appointment.pk),
        "identifier": identifier("appointment", appointment.pk),
        "status": APPOINTMENT_STATUS[appointment.status],
        "serviceType": [MASSAGE],
        "start": instant(appointment.starts_at),
        "end": instant(appointment.ends_at),
        "minutesDuration": appointment.minutes,
        "created": instant(appointment.created_at),
        # The prescription in force (lead: version at starts_at, as for sessions).
        "basedOn": [ref("ServiceRequest", plan.current_version_id)],
        "participant": [
            {"actor": ref("Patient", plan.patient_id, plan.patient.full_name),
             "status": "accepted"},
            {"actor": ref("Practitioner", appointment.therapist_id,
                          appointment.therapist.display_name), "status": "accepted"},
        ],
    }
    if appointment.status == AppointmentStatus.CANCELLED:
        resource["cancelationReason"] = {"text": appointment.cancel_reason}
    return resource


# Sessions per bundle: a plan with thousands of sessions is exported as a chain of bundles,
# each linking to the next (Bundle.link "next"), so one request never builds them all.
SESSIONS_PER_BUNDLE = 100


def plan_fhir_bundle(*, plan: TreatmentPlan, now: dt.datetime | None = None,
                     after: TherapySession | None = None,
                     page_size: int | None = None,
                     links: tuple[str, str] | None = None) -> dict:
    """The plan as a FHIR R4 Bundle (collection), ready to render as JSON.

    Sessions come oldest first, ``page_size`` (default ``SESSIONS_PER_BUNDLE``) per
    bundle, starting after the session ``after`` (None: from the first). Every bundle
    holds the plan's other resources too (Patient, Practitioners, CarePlan,
    ServiceRequests, Tasks, Appointments), so its references resolve within it. ``links`` is
    ``(self_url, next_url_prefix)``: the bundle then carries ``Bundle.link`` "self" and,
    when sessions remain, "next" (``next_url_prefix`` + the last session's id). Six
    queries whatever the number of versions, sessions, addenda, tickets and appointments.
    """
    plan = (TreatmentPlan.objects
            .select_related("clinic", "patient", "prescriber", "current_version")
            .get(pk=plan.pk))
    versions = list(plan.versions.select_related("signed_by").order_by("number"))
    page_size = page_size or SESSIONS_PER_BUNDLE
    page = plan.sessions.order_by("started_at", "id")
    if after is not None:  # keyset: (started_at, id) past the last one sent, an index range
        page = page.filter(Q(started_at__gt=after.started_at)
                           | Q(started_at=after.started_at, id__gt=after.pk))
    sessions = list(
        page.select_related("therapist", "void")
        .prefetch_related(Prefetch("addenda", queryset=SessionAddendum.objects.order_by(
            "created_at", "id")))[:page_size + 1])
    more, sessions = len(sessions) > page_size, sessions[:page_size]
    tickets = list(ConsultTicket.objects.filter(plan=plan)
                   .select_related("raised_by", "assigned_to", "decided_by")
                   .order_by("raised_at", "id"))
    appointments = list(Appointment.objects.filter(plan=plan).select_related("therapist")
                        .order_by("starts_at", "id"))
    status = plan.effective_status()
    clinic = plan.clinic

    people: dict[int, User] = {plan.prescriber_id: plan.prescriber}
    people.update({v.signed_by_id: v.signed_by for v in versions})
    people.update({s.therapist_id: s.therapist for s in sessions})
    people.update({a.therapist_id: a.therapist for a in appointments})
    for t in tickets:
        people.update({t.raised_by_id: t.raised_by, t.assigned_to_id: t.assigned_to})
        if t.decided_by_id:
            people[t.decided_by_id] = t.decided_by
    # Addendum authors are the session's therapist or someone already listed; a stray author
    # (e.g. an admin) still needs a Practitioner for the reference to resolve.
    missing = {a.author_id for s in sessions for a in s.addenda.all()} - people.keys()
    if missing:
        people.update({u.pk: u for u in User.objects.filter(pk__in=missing)})

    resources = [_patient(plan.patient, clinic), _organization(clinic)]
    for user in sorted(people.values(), key=lambda u: u.pk):
        resources += [_practitioner(user), _practitioner_role(user, clinic)]
    resources.append(_care_plan(plan, status, versions))
    previous = None
    for version in versions:
        is_current = version.pk == plan.current_version_id
        request_status = CARE_PLAN_STATUS[status] if is_current else SUPERSEDED_REQUEST_STATUS
        resources.append(_service_request(plan, version, request_status, previous))
        if version.avoid_regions:
            resources.append(_avoid_request(plan, version, request_status))
        previous = version
    for session in sessions:
        resources += [_encounter(plan, session), _procedure(plan, session)]
    resources += [_task(plan, ticket) for ticket in tickets]
    resources += [_appointment(plan, a) for a in appointments]

    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": instant(now or timezone.now())},
        "type": "collection",
        "timestamp": instant(now or timezone.now()),
    }
    if links:
        self_url, next_prefix = links
        bundle["link"] = [{"relation": "self", "url": self_url}]
        if more:
            bundle["link"].append({"relation": "next", "url": f"{next_prefix}{sessions[-1].pk}"})
    bundle["entry"] = [entry(r) for r in resources]
    return bundle
