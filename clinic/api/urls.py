"""Every API route (API.md "Resources"). Each app's views live in its own ``api.py``."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from clinic.api import views as clinic_views
from plans import api as plans
from sessions import api as sessions

urlpatterns = [
    path("auth/token/", clinic_views.TokenView.as_view(), name="api-token"),
    path("me/", clinic_views.MeView.as_view(), name="api-me"),
    path("patients/", clinic_views.PatientListCreateView.as_view(), name="api-patients"),
    path("patients/<int:pk>/", clinic_views.PatientDetailView.as_view(), name="api-patient"),
    path("plans/", plans.PlanListCreateView.as_view(), name="api-plans"),
    path("plans/<int:pk>/", plans.PlanDetailView.as_view(), name="api-plan"),
    path("plans/<int:pk>/versions/", plans.PlanVersionListView.as_view(),
         name="api-plan-versions"),
    path("plans/<int:pk>/amend/", plans.PlanAmendView.as_view(), name="api-plan-amend"),
    path("plans/<int:pk>/status/", plans.PlanStatusView.as_view(), name="api-plan-status"),
    path("sessions/", sessions.SessionListCreateView.as_view(), name="api-sessions"),
    path("sessions/<int:pk>/", sessions.SessionDetailView.as_view(), name="api-session"),
    path("sessions/<int:pk>/void/", sessions.SessionVoidView.as_view(), name="api-session-void"),
    path("sessions/<int:pk>/addenda/", sessions.SessionAddendumView.as_view(),
         name="api-session-addenda"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
