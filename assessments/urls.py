from django.urls import path, re_path

from assessments.instrument import views as instrument_views
from assessments.periods import views as period_views
from assessments.self_assessment import views_evidence

app_name = "assessments"

urlpatterns = [
    path("instruments/", instrument_views.instrument_list, name="instrument_list"),
    path("instruments/import/", instrument_views.instrument_import, name="instrument_import"),
    path("instruments/<int:pk>/", instrument_views.instrument_detail, name="instrument_detail"),
    path("instruments/<int:pk>/publish/", instrument_views.instrument_publish, name="instrument_publish"),
    re_path(
        r"^instruments/(?P<pk>[0-9]+)/export\.(?P<fmt>json|xlsx)$",
        instrument_views.instrument_export,
        name="instrument_export",
    ),
    path("evidence/<int:pk>/", views_evidence.evidence_download, name="evidence_download"),
    path("periods/", period_views.period_list, name="period_list"),
    path("periods/new/", period_views.period_edit, name="period_create"),
    path("periods/<int:pk>/edit/", period_views.period_edit, name="period_edit"),
]
