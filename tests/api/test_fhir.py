"""GET /api/plans/{id}/fhir/: a FHIR R4 Bundle an integrator's records system can load.

Validated twice: structurally with ``fhir.resources`` (R4B models, field-compatible with R4
for these resources), and with our own checks for what that library accepts blindly: status
codes, reference targets and their types, periods that end after they start, SNOMED body sites.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from plans.models import PlanStatus, TreatmentPlan
from plans.services import plan_amend, plan_set_status
from referrals.services import ticket_approve, ticket_decline, ticket_raise, ticket_withdraw
from sessions.services import session_add_addendum, session_log, session_void
from tests.factories import clinic_today, make_plan

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"
# docs/domain.md's table, written out again here so a wrong code in clinic.regions fails a test.
EXPECTED_SNOMED = {
    "Cervical spine (neck)": "122494005", "Thoracic spine (upper/mid back)": "122495006",
    "Lumbar spine (low back)": "122496007", "Left foot": "239919000", "Right foot": "239830003",
    "Left buttock": "46862004", "Right buttock": "46862004", "Left hand": "368456002",
    "Right lower limb": "362784000", "Left shoulder": "91775009", "Head": "69536005",
}
LATERALITY = {"Left buttock": "7771000", "Right buttock": "24028007"}

# Which resource types each reference element may point at (FHIR R4 definitions, narrowed to
# what our export must produce).
REFERENCE_TARGETS = {
    "Patient.managingOrganization": {"Organization"},
    "PractitionerRole.practitioner": {"Practitioner"},
    "PractitionerRole.organization": {"Organization"},
    "CarePlan.subject": {"Patient"},
    "CarePlan.author": {"Practitioner"},
    "CarePlan.contributor": {"Practitioner"},
    "CarePlan.activity.reference": {"ServiceRequest"},
    "ServiceRequest.subject": {"Patient"},
    "ServiceRequest.requester": {"Practitioner"},
    "ServiceRequest.basedOn": {"CarePlan", "ServiceRequest"},
    "ServiceRequest.replaces": {"ServiceRequest"},
    "Encounter.subject": {"Patient"},
    "Encounter.participant.individual": {"Practitioner"},
    "Encounter.basedOn": {"ServiceRequest"},
    "Encounter.serviceProvider": {"Organization"},
    "Procedure.subject": {"Patient"},
    "Procedure.basedOn": {"ServiceRequest"},
    "Procedure.encounter": {"Encounter"},
    "Procedure.performer.actor": {"Practitioner"},
    "Procedure.note.authorReference": {"Practitioner"},
    "Task.focus": {"CarePlan"},
    "Task.for": {"Patient"},
    "Task.requester": {"Practitioner"},
    "Task.owner": {"Practitioner"},
    "Task.reasonReference": {"Procedure"},
    "Task.note.authorReference": {"Practitioner"},
    "Task.output.valueReference": {"ServiceRequest"},
    "Appointment.basedOn": {"ServiceRequest"},
    "Appointment.participant.actor": {"Patient", "Practitioner"},
}


# --- helpers ----------------------------------------------------------------------------------

def resources(bundle: dict, resource_type: str | None = None) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if resource_type is None or e["resource"]["resourceType"] == resource_type]


def only(bundle: dict, resource_type: str) -> dict:
    found = resources(bundle, resource_type)
    assert len(found) == 1, [r["id"] for r in found]
    return found[0]


def by_url(bundle: dict) -> dict[str, dict]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def references(node, path: str):
    """Yield ``(element path, reference dict)`` for every Reference inside ``node``."""
    if isinstance(node, dict):
        if "reference" in node and isinstance(node["reference"], str):
            yield path, node
        for key, value in node.items():
            if key != "reference":
                yield from references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from references(item, path)


def periods(node, path: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if (key == "period" or key.endswith("Period")) and isinstance(value, dict):
                yield f"{path}.{key}", value
            yield from periods(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from periods(item, path)


def body_site_concepts(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "bodySite":
                yield from value
            elif key == "valueCodeableConcept" and node.get("type", {}).get("text") == \
                    "Add region":
                yield value
            else:
                yield from body_site_concepts(value)
    elif isinstance(node, list):
        for item in node:
            yield from body_site_concepts(item)


def as_datetime(value: str) -> dt.datetime:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(value)


def check_bundle(bundle: dict) -> None:
    """What fhir.resources does not check: identity, references, periods, body sites."""
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls)), "duplicate fullUrl"
    index = by_url(bundle)
    for url, resource in index.items():
        assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                            r"[0-9a-f]{12}", url), url
        assert url == f"urn:uuid:{resource['id']}"
        for path, reference in references(resource, resource["resourceType"]):
            assert path in REFERENCE_TARGETS, f"unexpected reference at {path}"
            target = index.get(reference["reference"])
            assert target is not None, f"{path} -> {reference['reference']} is not in the bundle"
            assert target["resourceType"] in REFERENCE_TARGETS[path], (path, target)
            assert reference.get("type", target["resourceType"]) == target["resourceType"]
        for path, period in periods(resource, resource["resourceType"]):
            if "start" in period and "end" in period:
                assert as_datetime(period["end"]) >= as_datetime(period["start"]), (path, period)
        for concept in body_site_concepts(resource):
            codings = concept["coding"]
            assert [c["system"] for c in codings] == [SNOMED]
            assert re.fullmatch(r"\d{6,18}", codings[0]["code"])
            if concept["text"] in EXPECTED_SNOMED:
                assert codings[0]["code"] == EXPECTED_SNOMED[concept["text"]], concept
            if concept["text"] in LATERALITY:
                qualifier = concept["extension"][0]["valueCodeableConcept"]["coding"][0]
                assert (qualifier["system"], qualifier["code"]) == (
                    SNOMED, LATERALITY[concept["text"]])


def validate_with_fhir_resources(bundle: dict) -> None:
    parsed = Bundle.model_validate(bundle)
    assert len(parsed.entry) == len(bundle["entry"])
    for resource in resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def export(api, user, plan):
    response = api(user).get(f"/api/plans/{plan.pk}/fhir/")
    assert response.status_code == 200, response.content[:500]
    return response.json()


def days_ago(n: int, hour: int = 10) -> dt.datetime:
    return (timezone.now() - dt.timedelta(days=n)).replace(hour=hour, minute=0, second=0,
                                                           microsecond=0)


@pytest.fixture
def story(chiro, therapist, therapist2, patient):
    """A plan with history: three versions, sessions by two therapists (one voided, one with an
    addendum), and a ticket in each state. Each step happens on its own day (the clock is
    moved there), as sessions are judged by the version in force on their day."""
    today = clinic_today(chiro.clinic)
    first_at, voided_at, last_at = days_ago(20), days_ago(10), days_ago(2)
    with time_machine.travel(days_ago(30), tick=True):
        plan = make_plan(prescriber=chiro, patient=patient, regions=["cervical"],
                         valid_from=today - dt.timedelta(days=30), sessions_per_week=None,
                         sessions_authorized=20, diagnosis="M54.2 Cervicalgia")
    with time_machine.travel(days_ago(20, hour=11), tick=True):
        first = session_log(plan=plan, therapist=therapist, started_at=first_at,
                            duration_minutes=30, regions=["cervical"], notes="Tight left side.")
    with time_machine.travel(days_ago(15), tick=True):
        plan_amend(plan=plan, by=chiro, reason="Add the upper back, avoid the feet.",
                   changes={"regions": ["cervical", "thoracic"],
                            "avoid_regions": ["foot_left", "foot_right"]})
    voided = session_log(plan=plan, therapist=therapist2, started_at=voided_at,
                         duration_minutes=25, regions=["thoracic"])
    session_void(session=voided, by=therapist2, reason="Logged on the wrong client.")
    session_add_addendum(session=first, by=therapist, text="Client reported relief next day.")
    with time_machine.travel(days_ago(5), tick=True):
        approved = ticket_raise(plan=plan, raised_by=therapist,
                                client_request="Also my buttocks?",
                                add_regions=["gluteal_left", "gluteal_right"], session=first)
        ticket_approve(ticket=approved, by=chiro, note="Fine, gently.")
    declined = ticket_raise(plan=plan, raised_by=therapist, client_request="And my left hand",
                            add_regions=["hand_left"])
    ticket_decline(ticket=declined, by=chiro, reason="Hand pain needs an exam first.")
    withdrawn = ticket_raise(plan=plan, raised_by=therapist2, client_request="Legs too",
                             add_regions=["leg_right"], extra_sessions=4)
    ticket_withdraw(ticket=withdrawn, by=therapist2)
    still_open = ticket_raise(plan=plan, raised_by=therapist, client_request="Longer please",
                              session_minutes=45)
    session_log(plan=plan, therapist=therapist, started_at=last_at, duration_minutes=30,
                regions=["gluteal_left", "cervical"])
    return {"plan": plan, "first": first, "voided": voided, "approved": approved,
            "declined": declined, "withdrawn": withdrawn, "open": still_open}


# --- the bundle as a whole --------------------------------------------------------------------

def test_the_exported_bundle_is_valid_fhir_and_passes_our_own_checks(api, clinic_admin, story):
    bundle = export(api, clinic_admin, story["plan"])
    validate_with_fhir_resources(bundle)
    check_bundle(bundle)
    counts = {}
    for resource in resources(bundle):
        counts[resource["resourceType"]] = counts.get(resource["resourceType"], 0) + 1
    assert counts == {
        "Patient": 1, "Organization": 1, "CarePlan": 1,
        # chiro, therapist, therapist2: each with a role
        "Practitioner": 3, "PractitionerRole": 3,
        # v1, v2 (+ its avoid list), v3 from the approved ticket (avoid list carried over)
        "ServiceRequest": 5,
        "Encounter": 3, "Procedure": 3, "Task": 4,
    }


def test_each_role_of_the_clinic_can_export_and_another_clinic_cannot(
        api, therapist, chiro, clinic_admin, other_chiro, other_therapist, plan):
    for user in (therapist, chiro, clinic_admin):
        assert api(user).get(f"/api/plans/{plan.pk}/fhir/").status_code == 200
    for user in (other_chiro, other_therapist):
        response = api(user).get(f"/api/plans/{plan.pk}/fhir/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api().get(f"/api/plans/{plan.pk}/fhir/").status_code == 401


def test_full_urls_are_stable_between_exports(api, therapist, story):
    first = [e["fullUrl"] for e in export(api, therapist, story["plan"])["entry"]]
    again = [e["fullUrl"] for e in export(api, therapist, story["plan"])["entry"]]
    assert first == again


def test_a_fhir_client_may_ask_for_application_fhir_json(api, therapist, plan):
    response = api(therapist).get(f"/api/plans/{plan.pk}/fhir/",
                                  HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    Bundle.model_validate(response.json())


def test_query_count_does_not_grow_with_sessions(api, therapist, chiro, patient):
    def queries_for(n_sessions: int) -> int:
        plan = make_plan(prescriber=chiro, valid_from=clinic_today(chiro.clinic) - dt.timedelta(
            days=40), sessions_per_week=None, sessions_authorized=50)
        for i in range(n_sessions):
            s = session_log(plan=plan, therapist=therapist, started_at=days_ago(i + 1),
                            duration_minutes=20, regions=["cervical"])
            session_add_addendum(session=s, by=therapist, text=f"note {i}")
        client = api(therapist)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/plans/{plan.pk}/fhir/")
        assert response.status_code == 200
        assert len(resources(response.json(), "Procedure")) == n_sessions
        return len(ctx.captured_queries)

    assert queries_for(1) == queries_for(8)


# --- each mapping -------------------------------------------------------------------------

@pytest.mark.parametrize(("ours", "fhir"), [
    ("active", "active"), ("suspended", "on-hold"), ("completed", "completed"),
    ("cancelled", "revoked"), ("draft", "draft"),
])
def test_care_plan_status_is_mapped_from_ours(api, chiro, therapist, patient, ours, fhir):
    plan = make_plan(prescriber=chiro, patient=patient)
    if ours in (PlanStatus.SUSPENDED, PlanStatus.COMPLETED, PlanStatus.CANCELLED):
        plan_set_status(plan=plan, by=chiro, status=ours, reason="Test of the mapping.")
    elif ours == PlanStatus.DRAFT:
        TreatmentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT)
    bundle = export(api, therapist, plan)
    assert only(bundle, "CarePlan")["status"] == fhir
    assert only(bundle, "ServiceRequest")["status"] == fhir
    validate_with_fhir_resources(bundle)


def test_an_expired_plan_is_completed_and_keeps_its_end_date(api, chiro, therapist, patient):
    today = clinic_today(chiro.clinic)
    plan = make_plan(prescriber=chiro, patient=patient, valid_from=today - dt.timedelta(days=60),
                     valid_until=today - dt.timedelta(days=3))
    care_plan = only(export(api, therapist, plan), "CarePlan")
    assert care_plan["status"] == "completed"
    assert care_plan["period"] == {"start": (today - dt.timedelta(days=60)).isoformat(),
                                   "end": (today - dt.timedelta(days=3)).isoformat()}
    assert care_plan["intent"] == "order"


def test_care_plan_names_patient_prescriber_and_current_prescription(api, therapist, story):
    bundle = export(api, therapist, story["plan"])
    index = by_url(bundle)
    care_plan = only(bundle, "CarePlan")
    assert index[care_plan["subject"]["reference"]]["name"][0]["family"] == "Client"
    author = index[care_plan["author"]["reference"]]
    assert author["name"][0]["family"] == "Reyes"
    current = index[care_plan["activity"][0]["reference"]["reference"]]
    assert current["identifier"][0]["value"] == f"{story['plan'].pk}.3"
    assert care_plan["description"] == "M54.2 Cervicalgia"


def test_each_version_is_a_service_request_replacing_the_one_before(api, therapist, story):
    bundle = export(api, therapist, story["plan"])
    index = by_url(bundle)
    orders = [r for r in resources(bundle, "ServiceRequest") if not r.get("doNotPerform")]
    numbers = [r["identifier"][0]["value"].split(".")[1] for r in orders]
    assert numbers == ["1", "2", "3"]
    assert "replaces" not in orders[0]
    for earlier, later in zip(orders, orders[1:], strict=False):
        assert [index[r["reference"]]["id"] for r in later["replaces"]] == [earlier["id"]]
    assert [r["status"] for r in orders] == ["revoked", "revoked", "active"]
    v1 = orders[0]
    assert v1["intent"] == "order"
    assert [s["text"] for s in v1["bodySite"]] == ["Cervical spine (neck)"]
    assert v1["quantityQuantity"]["value"] == 20
    assert v1["occurrenceTiming"]["repeat"]["duration"] == 30
    assert v1["occurrenceTiming"]["repeat"]["durationUnit"] == "min"
    assert "frequency" not in v1["occurrenceTiming"]["repeat"]  # no weekly limit on this plan
    assert index[v1["requester"]["reference"]]["name"][0]["family"] == "Reyes"
    assert orders[1]["note"][0]["text"] == (
        "Reason for this version: Add the upper back, avoid the feet.")
    assert [s["text"] for s in orders[2]["bodySite"]] == [
        "Cervical spine (neck)", "Thoracic spine (upper/mid back)", "Left buttock",
        "Right buttock"]


def test_weekly_frequency_is_timing_per_week(api, therapist, plan):
    order = only(export(api, therapist, plan), "ServiceRequest")
    repeat = order["occurrenceTiming"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (2, 1, "wk")
    assert order["quantityQuantity"]["value"] == 8


def test_avoided_regions_are_a_do_not_perform_request(api, therapist, story):
    bundle = export(api, therapist, story["plan"])
    avoid = [r for r in resources(bundle, "ServiceRequest") if r.get("doNotPerform")]
    assert len(avoid) == 2  # version 2 and version 3 both avoid the feet
    for request in avoid:
        assert request["doNotPerform"] is True
        assert [s["coding"][0]["code"] for s in request["bodySite"]] == ["239919000",
                                                                        "239830003"]
    orders = [r for r in resources(bundle, "ServiceRequest") if not r.get("doNotPerform")]
    avoided_codes = {c["coding"][0]["code"] for r in avoid for c in r["bodySite"]}
    prescribed = {c["coding"][0]["code"] for r in orders for c in r["bodySite"]}
    assert not avoided_codes & prescribed


def test_sessions_are_procedures_and_a_voided_one_is_entered_in_error(api, therapist, story):
    bundle = export(api, therapist, story["plan"])
    index = by_url(bundle)
    procedures = {p["identifier"][0]["value"]: p for p in resources(bundle, "Procedure")}
    first, voided = procedures[str(story["first"].pk)], procedures[str(story["voided"].pk)]
    assert first["status"] == "completed"
    assert voided["status"] == "entered-in-error"
    assert voided["statusReason"]["text"] == "Logged on the wrong client."
    start = story["first"].started_at
    assert as_datetime(first["performedPeriod"]["start"]) == start
    assert as_datetime(first["performedPeriod"]["end"]) == start + dt.timedelta(minutes=30)
    assert index[first["performer"][0]["actor"]["reference"]]["id"] == \
        index[only_practitioner_url(bundle, "therapist")]["id"]
    assert index[first["basedOn"][0]["reference"]]["identifier"][0]["value"].endswith(".1")
    assert index[voided["basedOn"][0]["reference"]]["identifier"][0]["value"].endswith(".2")
    assert any(n["text"] == "Addendum: Client reported relief next day." for n in first["note"])
    encounter = index[voided["encounter"]["reference"]]
    assert encounter["status"] == "entered-in-error"
    assert encounter["class"]["code"] == "AMB"


def only_practitioner_url(bundle: dict, username_hint: str) -> str:
    """fullUrl of the Practitioner whose staff identifier belongs to ``username_hint``."""
    from clinic.models import User

    pk = str(User.objects.get(username=username_hint).pk)
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Practitioner" and r["identifier"][0]["value"] == pk:
            return e["fullUrl"]
    raise AssertionError(f"no Practitioner for {username_hint}")


def test_tickets_are_tasks_with_our_status_mapping(api, chiro, story):
    bundle = export(api, chiro, story["plan"])
    index = by_url(bundle)
    tasks = {t["identifier"][0]["value"]: t for t in resources(bundle, "Task")}
    expected = {"approved": "completed", "declined": "rejected", "withdrawn": "cancelled",
                "open": "requested"}
    for name, status in expected.items():
        task = tasks[str(story[name].pk)]
        assert task["status"] == status, name
        assert task["intent"] == "proposal"
        assert task["code"]["coding"][0] == {
            "system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "approve",
            "display": "Activate/approve the focal resource"}
        assert index[task["focus"]["reference"]]["resourceType"] == "CarePlan"
        assert task["owner"]["reference"] == only_practitioner_url(bundle, "chiro")
    declined = tasks[str(story["declined"].pk)]
    assert declined["statusReason"]["text"] == "Hand pain needs an exam first."
    assert "statusReason" not in tasks[str(story["open"].pk)]
    approved = tasks[str(story["approved"].pk)]
    assert index[approved["output"][0]["valueReference"]["reference"]]["identifier"][0][
        "value"].endswith(".3")
    assert approved["requester"]["reference"] == only_practitioner_url(bundle, "therapist")
    assert index[approved["reasonReference"]["reference"]]["identifier"][0]["value"] == \
        str(story["first"].pk)
    withdrawn = tasks[str(story["withdrawn"].pk)]
    assert withdrawn["requester"]["reference"] == only_practitioner_url(bundle, "therapist2")


def test_buttocks_share_a_snomed_concept_and_differ_by_laterality(api, therapist, story):
    bundle = export(api, therapist, story["plan"])
    current = [r for r in resources(bundle, "ServiceRequest")
               if not r.get("doNotPerform")][-1]
    left, right = current["bodySite"][2:]
    assert left["coding"][0]["code"] == right["coding"][0]["code"] == "46862004"
    assert left["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "7771000"
    assert right["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "24028007"


def test_our_checks_catch_a_dangling_reference_and_a_backwards_period(api, therapist, plan):
    """The checks above can fail: a broken bundle is refused by them (and not by the library)."""
    bundle = export(api, therapist, plan)
    care_plan = only(bundle, "CarePlan")
    care_plan["author"]["reference"] = "urn:uuid:00000000-0000-5000-8000-000000000000"
    validate_with_fhir_resources(bundle)  # structurally still fine
    with pytest.raises(AssertionError, match="not in the bundle"):
        check_bundle(bundle)

    bundle = export(api, therapist, plan)
    only(bundle, "CarePlan")["period"] = {"start": "2030-01-02", "end": "2030-01-01"}
    with pytest.raises(AssertionError):
        check_bundle(bundle)

    bundle = export(api, therapist, plan)
    only(bundle, "CarePlan")["subject"] = only(bundle, "CarePlan")["author"]
    with pytest.raises(AssertionError):
        check_bundle(bundle)
