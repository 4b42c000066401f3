from django.urls import path, re_path

from assessments import views_admin, views_evidence

app_name = "assessments"

urlpatterns = [
    path("instruments/", views_admin.instrument_list, name="instrument_list"),
    path("instruments/import/", views_admin.instrument_import, name="instrument_import"),
    path("instruments/<int:pk>/", views_admin.instrument_detail, name="instrument_detail"),
    path("instruments/<int:pk>/publish/", views_admin.instrument_publish, name="instrument_publish"),
    re_path(
        r"^instruments/(?P<pk>[0-9]+)/export\.(?P<fmt>json|xlsx)$",
        views_admin.instrument_export,
        name="instrument_export",
    ),
    path("evidence/<int:pk>/", views_evidence.evidence_download, name="evidence_download"),
    path("periods/", views_admin.period_list, name="period_list"),
    path("periods/new/", views_admin.period_edit, name="period_create"),
    path("periods/<int:pk>/edit/", views_admin.period_edit, name="period_edit"),
]
