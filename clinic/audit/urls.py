from django.urls import path

from clinic.audit import views

urlpatterns = [
    path("", views.audit_page, name="audit"),
]
