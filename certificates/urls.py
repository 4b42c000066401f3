from django.urls import path, re_path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/select/", views.decision_select, name="decision_select"),
    path("decisions/<int:pk>/issue/", views.decision_issue, name="decision_issue"),
    path("decisions/<int:pk>/delete/", views.decision_delete, name="decision_delete"),
    path("decisions/<int:pk>/progress/", views.decision_progress, name="decision_progress"),
    path("decisions/<int:pk>/retry/", views.documents_retry, name="documents_retry"),
    path("decisions/<int:pk>/letter.pdf", views.letter_download, name="letter_download"),
    path("decisions/<int:pk>/charters.zip", views.charters_zip, name="charters_zip"),
    path("charters/<int:pk>/charter.pdf", views.charter_download, name="charter_download"),
    path("assessments/<int:pk>/report.pdf", views.report_download, name="report_download"),
    path("charters/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("charters/<int:pk>/reinstate/", views.certificate_reinstate, name="certificate_reinstate"),
    # Public verification: short URLs, printed on the charter and carried by its QR code.
    path("v/", views.verify_lookup, name="verify_lookup"),
    path("v/file/", views.verify_file, name="verify_file"),
    re_path(r"^v/(?P<serial>[0-9A-Za-z-]{1,40})/$", views.verify, name="verify"),
]
