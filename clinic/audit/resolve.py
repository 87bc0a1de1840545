"""Which patient a request's object belongs to: one indexed lookup, scoped to the clinic."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldError

# object type -> (app label, model names tried in order, path to the patient id, to the clinic)
_LOOKUPS = {
    "patient": ("clinic", ("Patient",), "id", "clinic_id"),
    "plan": ("plans", ("TreatmentPlan",), "patient_id", "clinic_id"),
    "session": ("therapy_sessions", ("TherapySession",), "plan__patient_id", "plan__clinic_id"),
    "ticket": ("referrals", ("ConsultTicket", "Ticket"), "plan__patient_id", "plan__clinic_id"),
    "appointment": ("appointments", ("Appointment",), "plan__patient_id", "clinic_id"),
}


def _model(app_label: str, names: tuple[str, ...]):
    for name in names:
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            continue
    return None


def patient_of(object_type: str, object_id, clinic_id: int | None) -> tuple[int, int] | None:
    """``(patient id, clinic id)`` of the object, or None when it is not in ``clinic_id``
    (another clinic's object leaves no foreign patient id in this clinic's trail)."""
    spec = _LOOKUPS.get(object_type)
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        return None
    if spec is None or not 0 < pk < 2**63:
        return None
    app_label, names, patient_path, clinic_path = spec
    model = _model(app_label, names)
    if model is None:
        return None
    qs = model._default_manager.filter(pk=pk)
    if clinic_id is not None:
        qs = qs.filter(**{clinic_path: clinic_id})
    try:
        return qs.values_list(patient_path, clinic_path).first()
    except FieldError:
        return None


HINT_KEYS = ("patient", "plan", "session", "ticket", "appointment")
