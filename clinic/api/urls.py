"""Every API route (docs/api.md "Resources"). Each app's views live in its own ``api.py``."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from appointments import api as appointments
from clinic.accounts import api as accounts
from clinic.api import views as clinic_views
from clinic.api.errors import api_not_found
from clinic.audit import api as audit
from fhir_export import api as plans_fhir
from notifications import api as notifications
from plans import api as plans
from referrals import api as referrals
from sessions import api as sessions

urlpatterns = [
    path("auth/token/", clinic_views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="api-logout"),
    path("auth/tokens/", accounts.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", accounts.TokenDetailView.as_view(), name="api-token-detail"),
    path("me/", clinic_views.MeView.as_view(), name="api-me"),
    path("patients/", clinic_views.PatientListCreateView.as_view(), name="api-patients"),
    path("patients/<int:pk>/", clinic_views.PatientDetailView.as_view(), name="api-patient"),
    path("patients/<int:pk>/break-glass/", accounts.BreakGlassView.as_view(),
         name="api-patient-break-glass"),
    path("plans/", plans.PlanListCreateView.as_view(), name="api-plans"),
    path("plans/<int:pk>/", plans.PlanDetailView.as_view(), name="api-plan"),
    path("plans/<int:pk>/versions/", plans.PlanVersionListView.as_view(),
         name="api-plan-versions"),
    path("plans/<int:pk>/amend/", plans.PlanAmendView.as_view(), name="api-plan-amend"),
    path("plans/<int:pk>/status/", plans.PlanStatusView.as_view(), name="api-plan-status"),
    path("plans/<int:pk>/fhir/", plans_fhir.PlanFhirView.as_view(), name="api-plan-fhir"),
    # POST with an `appointment` completes it: the appointments app extends the sessions view.
    path("sessions/", appointments.SessionListCreateView.as_view(), name="api-sessions"),
    path("sessions/<int:pk>/", sessions.SessionDetailView.as_view(), name="api-session"),
    path("sessions/<int:pk>/void/", sessions.SessionVoidView.as_view(), name="api-session-void"),
    path("sessions/<int:pk>/addenda/", sessions.SessionAddendumView.as_view(),
         name="api-session-addenda"),
    path("appointments/", appointments.AppointmentListCreateView.as_view(),
         name="api-appointments"),
    path("appointments/<int:pk>/", appointments.AppointmentDetailView.as_view(),
         name="api-appointment"),
    path("appointments/<int:pk>/arrive/", appointments.AppointmentArriveView.as_view(),
         name="api-appointment-arrive"),
    path("appointments/<int:pk>/no-show/", appointments.AppointmentNoShowView.as_view(),
         name="api-appointment-no-show"),
    path("appointments/<int:pk>/cancel/", appointments.AppointmentCancelView.as_view(),
         name="api-appointment-cancel"),
    path("audit/", audit.AuditListView.as_view(), name="api-audit"),
    path("tickets/", referrals.TicketListCreateView.as_view(), name="api-tickets"),
    path("tickets/<int:pk>/", referrals.TicketDetailView.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/approve/", referrals.TicketApproveView.as_view(),
         name="api-ticket-approve"),
    path("tickets/<int:pk>/decline/", referrals.TicketDeclineView.as_view(),
         name="api-ticket-decline"),
    path("tickets/<int:pk>/withdraw/", referrals.TicketWithdrawView.as_view(),
         name="api-ticket-withdraw"),
    path("tickets/<int:pk>/reassign/", referrals.TicketReassignView.as_view(),
         name="api-ticket-reassign"),
    path("notifications/", notifications.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/<int:pk>/read/", notifications.NotificationReadView.as_view(),
         name="api-notification-read"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other /api/ path is the API's JSON 404, with DEBUG on too (Django would answer
    # its HTML debug page there, which no API client can read). CSRF-exempt: it changes
    # nothing, and a POST with a browser's cookie must get the 404, not an HTML 403.
    re_path(r"", csrf_exempt(api_not_found), name="api-unknown"),
]
