"""Register and edit a patient at the front desk (therapists and admins).

Thin views over clinic.services; a likely duplicate (same name and date of birth) is shown
before saving and needs a tick to register anyway.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from clinic.audit.context import note_changed_fields
from clinic.forms import PatientForm
from clinic.models import Patient, Role
from clinic.selectors import likely_duplicates
from clinic.services import patient_create, patient_update
from clinic.web import role_required

front_desk_required = role_required(Role.THERAPIST, Role.ADMIN)


@front_desk_required
def patient_new(request):
    status, duplicates = 200, []
    if request.method == "POST":
        form = PatientForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.details()
            duplicates = list(likely_duplicates(
                request.user.clinic_id, first_name=data["first_name"],
                last_name=data["last_name"], date_of_birth=data["date_of_birth"]))
            if duplicates and not form.cleaned_data["confirm_new"]:
                status = 409
            else:
                patient = patient_create(clinic=request.user.clinic, by=request.user, **data)
                messages.success(request, f"{patient.full_name} is registered.")
                return redirect("patient-detail", pk=patient.pk)
    else:
        form = PatientForm()
    return render(request, "patients/form.html",
                  {"form": form, "patient": None, "duplicates": duplicates}, status=status)


@front_desk_required
def patient_edit(request, pk: int):
    patient = get_object_or_404(Patient.objects.filter(clinic_id=request.user.clinic_id), pk=pk)
    status, duplicates = 200, []
    if request.method == "POST":
        form = PatientForm(request.POST, instance=Patient.objects.get(pk=patient.pk))
        status = 400
        if form.is_valid():
            data = form.details()
            duplicates = list(likely_duplicates(
                request.user.clinic_id, first_name=data["first_name"],
                last_name=data["last_name"], date_of_birth=data["date_of_birth"],
                exclude=patient.pk))
            if duplicates and not form.cleaned_data["confirm_new"]:
                status = 409
            else:
                changed = patient_update(patient=patient, by=request.user, **data)
                note_changed_fields(request, changed)
                messages.success(request, "Saved." if changed else "Nothing changed.")
                return redirect("patient-detail", pk=patient.pk)
    else:
        form = PatientForm(instance=patient)
    return render(request, "patients/form.html",
                  {"form": form, "patient": patient, "duplicates": duplicates}, status=status)
