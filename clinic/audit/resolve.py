"""Which patient a request's object belongs to: one indexed lookup, scoped to the clinic."""

from __future__ import annotations

from django.apps import apps

# object type -> (model, path to the patient id, path to the clinic id). The models are named
# by label, not imported: the audit lives in the core, below the apps whose records it traces.
_LOOKUPS = {
    "patient": ("clinic.Patient", "id", "clinic_id"),
    "plan": ("plans.TreatmentPlan", "patient_id", "clinic_id"),
    "session": ("therapy_sessions.TherapySession", "plan__patient_id", "plan__clinic_id"),
    "ticket": ("referrals.ConsultTicket", "plan__patient_id", "plan__clinic_id"),
    "appointment": ("appointments.Appointment", "plan__patient_id", "clinic_id"),
}


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
    label, patient_path, clinic_path = spec
    qs = apps.get_model(label)._default_manager.filter(pk=pk)
    if clinic_id is not None:
        qs = qs.filter(**{clinic_path: clinic_id})
    return qs.values_list(patient_path, clinic_path).first()


HINT_KEYS = ("patient", "plan", "session", "ticket", "appointment")
