from django.urls import path, re_path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.national_dashboard, name="national"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("dashboard/results/", views.results_list, name="results"),
    path("dashboard/targets/", views.targets_edit, name="targets"),
    path("dashboard/survey/", views.survey_panel, name="survey"),
    re_path(r"^exports/survey\.(?P<fmt>xlsx|csv)$", views.survey_export, name="survey_export"),
    re_path(r"^exports/results\.(?P<fmt>xlsx|csv)$", views.results_export, name="export"),
    path("institutions-profile/mine/", views.my_profile, name="my_profile"),
    path("institutions-profile/<int:pk>/", views.institution_profile, name="profile"),
    path("results/", views.public_results, name="public_results"),
]
