"""Server-rendered pages (API.md "Pages"); each app keeps its own views in ``views.py``."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from clinic import views
from plans import views as plans
from referrals import notification_pages
from referrals import views as referrals
from sessions import views as sessions

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico on pages that name none (the Django admin's).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("session/keepalive/", views.keepalive, name="keepalive"),
    path("patients/search/", views.patient_search, name="patient-search"),
    path("patients/<int:pk>/", views.patient_detail, name="patient-detail"),
    path("plans/new/", plans.plan_new, name="plan-new"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/amend/", plans.plan_amend_view, name="plan-amend"),
    path("plans/<int:pk>/amend/preview/", plans.plan_amend_preview, name="plan-amend-preview"),
    path("plans/<int:pk>/print/", plans.plan_print, name="plan-print"),
    path("plans/<int:pk>/sessions/new/", sessions.session_new, name="session-new"),
    path("plans/<int:pk>/tickets/new/", referrals.ticket_new, name="ticket-new"),
    path("notifications/", notification_pages.notification_list, name="notification-list"),
    path("notifications/read/", notification_pages.notification_read_all,
         name="notification-read-all"),
    path("notifications/<int:pk>/read/", notification_pages.notification_read,
         name="notification-read"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/addenda/", sessions.session_addendum_new, name="session-addendum"),
    path("sessions/<int:pk>/void/", sessions.session_void_view, name="session-void"),
    path("tickets/", referrals.ticket_list, name="ticket-list"),
    path("tickets/<int:pk>/", referrals.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/approve/", referrals.ticket_approve_view, name="ticket-approve"),
    path("tickets/<int:pk>/decline/", referrals.ticket_decline_view, name="ticket-decline"),
    path("tickets/<int:pk>/withdraw/", referrals.ticket_withdraw_view, name="ticket-withdraw"),
    path("tickets/<int:pk>/reassign/", referrals.ticket_reassign_view, name="ticket-reassign"),
]
