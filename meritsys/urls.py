from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from core.views import healthz, healthz_ready, healthz_session, job_download, job_page
from dashboards.home import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("healthz/live", healthz, name="healthz_live"),
    path("healthz/ready", healthz_ready, name="healthz_ready"),
    path("healthz/session", healthz_session, name="healthz_session"),
    path("jobs/<int:pk>/", job_page, name="job"),
    path("jobs/<int:pk>/download", job_download, name="job_download"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("institutions/", include("institutions.urls")),
    path("", include("assessments.urls")),
    path("self/", include("assessments.self_assessment.urls")),
    path("verification/", include("assessments.verification.urls")),
    path("scores/", include("assessments.scoring.urls")),
    path("", include("surveys.urls")),
    path("objections/", include("assessments.objections.urls")),
    path("", include("certificates.urls")),
    path("", include("dashboards.urls")),
    path("audit/", include("audit.urls")),
    path("api/v1/", include("api.urls")),
    path("api-keys/", include("api.urls_keys")),
    # One sign-in for everything: Django admin's own login form would skip the app's throttles
    # (the second factor is enforced on every page either way).
    path(
        "django-admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
        name="django-admin-login",
    ),
    path("django-admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler500 = "core.views.server_error"
