from django.urls import path

from assessments.scoring import views as views_scores

app_name = "assessments_scores"

urlpatterns = [
    path("", views_scores.score_list, name="list"),
    path("<int:assessment_id>/", views_scores.comparison, name="comparison"),
    path("<int:assessment_id>/simulator/", views_scores.simulator, name="simulator"),
    path("period/<int:period_id>/components/", views_scores.component_values, name="component_values"),
]
