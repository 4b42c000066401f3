from django.urls import path

from assessments.objections import views

app_name = "assessments_objections"

urlpatterns = [
    path("", views.objections_open, name="open"),
    path("<int:pk>/", views.assessment_objections, name="assessment"),
    path("<int:pk>/file/", views.objection_file, name="file"),
    path("<int:pk>/answer/<int:objection_pk>/", views.objection_answer, name="answer"),
]
