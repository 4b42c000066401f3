from django.urls import path

from assessments.verification import views

app_name = "assessments_verification"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("clarifications/", views.clarification_list, name="clarifications"),
    path("clarifications/<int:pk>/resolve/", views.clarification_resolve, name="clarification_resolve"),
    path("assignment/", views.assignment, name="assignment"),
    path("workload/", views.workload, name="workload"),
    path("assignment/proposal/", views.assignment_proposal, name="assignment_proposal"),
    path("<int:pk>/", views.assessment_detail, name="assessment"),
    path("<int:pk>/start/", views.assessment_start, name="start"),
    path("<int:pk>/aspects/<int:number>/", views.aspect, name="aspect"),
    path("<int:pk>/aspects/<int:number>/recommendation/", views.recommendation_save, name="recommendation"),
    path("<int:pk>/answers/<int:answer_pk>/", views.answer_verify, name="answer_verify"),
    path("<int:pk>/answers/<int:answer_pk>/clarify/", views.clarification_ask, name="clarify"),
    path("<int:pk>/return/", views.assessment_return, name="return"),
    path("<int:pk>/finalise/", views.assessment_finalise, name="finalise"),
    path("<int:pk>/reopen/", views.assessment_reopen, name="reopen"),
    path("<int:pk>/changes/", views.assessment_changes, name="changes"),
    path("<int:pk>/history/", views.assessment_history, name="history"),
    path("<int:pk>/deadlines/", views.assessment_deadlines, name="deadlines"),
    path("<int:pk>/verifiers/", views.assessment_verifiers, name="assessment_verifiers"),
    path("<int:pk>/verifiers/<int:user_pk>/remove/", views.assessment_verifier_remove, name="verifier_remove"),
]
