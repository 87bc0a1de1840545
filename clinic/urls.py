from django.contrib import admin
from django.urls import include, path

from clinic.health import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("api/", include("clinic.api.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("clinic.web_urls")),
]
