"""Server-rendered pages (docs/api.md "Pages"). Each app keeps its own pages in ``views.py``;
the pages that show several apps at once are in ``pages``."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from appointments import views as appointments
from clinic import patient_pages, views
from pages import homes, patients, plan_card
from plans import views as plans
from referrals import views as referrals

urlpatterns = [
    path("", homes.home, name="home"),
    # Browsers ask for /favicon.ico on pages that name none (the Django admin's).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("session/keepalive/", views.keepalive, name="keepalive"),
    path("patients/search/", patients.patient_search, name="patient-search"),
    path("patients/new/", patient_pages.patient_new, name="patient-new"),
    path("patients/<int:pk>/", patients.patient_detail, name="patient-detail"),
    path("patients/<int:pk>/edit/", patient_pages.patient_edit, name="patient-edit"),
    path("appointments/", appointments.day_view, name="appointments-day"),
    path("appointments/week/", appointments.week_view, name="appointments-week"),
    path("appointments/<int:pk>/<str:action>/", appointments.appointment_action,
         name="appointment-action"),
    path("plans/<int:pk>/appointments/new/", appointments.appointment_new,
         name="appointment-new"),
    path("appointments/calendar/link/", appointments.calendar_link, name="calendar-link"),
    path("appointments/calendar/revoke/", appointments.calendar_revoke, name="calendar-revoke"),
    path("calendar/<str:token>.ics", appointments.calendar_feed, name="calendar-feed"),
    path("plans/new/", plans.plan_new, name="plan-new"),
    path("plans/<int:pk>/", plan_card.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/amend/", plans.plan_amend_view, name="plan-amend"),
    path("plans/<int:pk>/print/", plans.plan_print, name="plan-print"),
    path("plans/<int:pk>/sessions/new/", plan_card.session_new, name="session-new"),
    path("plans/<int:pk>/tickets/new/", plan_card.ticket_new, name="ticket-new"),
    path("tickets/", referrals.ticket_list, name="ticket-list"),
    path("tickets/<int:pk>/", referrals.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/approve/", referrals.ticket_approve_view, name="ticket-approve"),
    path("tickets/<int:pk>/decline/", referrals.ticket_decline_view, name="ticket-decline"),
    path("tickets/<int:pk>/withdraw/", referrals.ticket_withdraw_view, name="ticket-withdraw"),
    path("tickets/<int:pk>/reassign/", referrals.ticket_reassign_view, name="ticket-reassign"),
]
