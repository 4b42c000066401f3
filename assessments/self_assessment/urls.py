from django.urls import path

from assessments.self_assessment import views as views_self

app_name = "assessments_self"

urlpatterns = [
    path("", views_self.institution_home, name="home"),
    path("<int:pk>/aspect/<int:number>/", views_self.aspect_page, name="aspect"),
    path("<int:pk>/indicator/<int:indicator_pk>/", views_self.answer_save, name="answer_save"),
    path("<int:pk>/indicator/<int:indicator_pk>/history/", views_self.answer_history, name="answer_history"),
    path("<int:pk>/indicator/<int:indicator_pk>/evidence/", views_self.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/delete/", views_self.evidence_remove, name="evidence_delete"),
    path("clarification/<int:pk>/reply/", views_self.clarification_reply, name="clarification_reply"),
    path("<int:pk>/submit/", views_self.submit_page, name="submit"),
    path("<int:pk>/carry-over/", views_self.carry_over, name="carry_over"),
    path("extensions/", views_self.extension_list, name="extensions"),
]
