from django.urls import path

from clinic.accounts import views

urlpatterns = [
    path("break-glass/", views.break_glass, name="break-glass"),
    path("otp/", views.otp_verify, name="otp-verify"),
    path("second-factor/", views.mfa_setup, name="mfa-setup"),
    path("staff/", views.staff_security, name="staff-security"),
    path("staff/<int:pk>/second-factor/reset/", views.staff_mfa_reset, name="staff-mfa-reset"),
    path("staff/<int:pk>/sign-out/", views.staff_sign_out, name="staff-sign-out"),
]
