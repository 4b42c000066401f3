from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("surveys/", views.survey_list, name="list"),
    path("surveys/assessment/<int:assessment_id>/", views.manage, name="manage"),
    path("surveys/assessment/<int:assessment_id>/qr.svg", views.qr, name="qr"),
    path("surveys/assessment/<int:assessment_id>/poster.pdf", views.poster, name="poster"),
    path("surveys/assessment/<int:assessment_id>/codes.<str:fmt>", views.codes_export, name="codes_export"),
    path("surveys/assessment/<int:assessment_id>/slips/<int:pk>.pdf", views.slips, name="slips"),
    path("surveys/assessment/<int:assessment_id>/quality/", views.quality, name="quality"),
    path("surveys/period/<int:period_id>/window/", views.window, name="window"),
    path("surveys/questionnaire/<int:pk>/export.json", views.questionnaire_export, name="questionnaire_export"),
    path(
        "surveys/questionnaire/<int:pk>/export.xlsx",
        views.questionnaire_export,
        {"fmt": "xlsx"},
        name="questionnaire_export_xlsx",
    ),
    path("surveys/questionnaires/", views.questionnaires, name="questionnaires"),
    path("surveys/questionnaires/<int:pk>/", views.questionnaire_upload, name="questionnaire_upload"),
    path("s/<str:public_id>/", views.answer, name="answer"),
    path("s/<str:public_id>/thanks/", views.thanks, name="thanks"),
]
