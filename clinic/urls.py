from django.contrib import admin
from django.urls import include, path

from clinic.health import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("api/", include("clinic.api.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("clinic.accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("audit/", include("clinic.audit.urls")),
    path("", include("clinic.web_urls")),
]

# Under /api/ Django's own error pages answer in the API's JSON error shape.
handler400 = "clinic.api.errors.api_bad_request"
handler403 = "clinic.api.errors.api_permission_denied"
handler404 = "clinic.api.errors.api_not_found"
handler500 = "clinic.api.errors.api_server_error"
