from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from api.problems import not_found
from api.views import assessments as a
from api.views import open_data as od
from api.views import oversight as o

app_name = "api"

urlpatterns = [
    # The schema and its documentation are public: no key needed to read how to call the API.
    path(
        "schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]), name="schema"
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", authentication_classes=[], permission_classes=[AllowAny]
        ),
        name="docs",
    ),
    path("assessments/", a.AssessmentList.as_view(), name="assessments"),
    path("assessments/<int:pk>/", a.AssessmentDetail.as_view(), name="assessment"),
    path("assessments/<int:pk>/instrument/", a.InstrumentView.as_view(), name="instrument"),
    path("assessments/<int:pk>/answers/", a.AnswerList.as_view(), name="answers"),
    path("assessments/<int:pk>/answers/<str:code>/", a.AnswerDetail.as_view(), name="answer"),
    path("assessments/<int:pk>/answers/<str:code>/evidence/", a.EvidenceUpload.as_view(), name="evidence_upload"),
    path("assessments/<int:pk>/clarifications/", a.ClarificationList.as_view(), name="clarifications"),
    path("assessments/<int:pk>/scores/", a.ScoresView.as_view(), name="scores"),
    path("assessments/<int:pk>/submit/", a.SubmitView.as_view(), name="submit"),
    path("evidence/<int:pk>/", a.EvidenceDelete.as_view(), name="evidence"),
    path("clarifications/<int:pk>/reply/", a.ClarificationReply.as_view(), name="clarification_reply"),
    path("institutions/", o.InstitutionList.as_view(), name="institutions"),
    path("periods/", o.PeriodList.as_view(), name="periods"),
    path("decisions/", o.DecisionList.as_view(), name="decisions"),
    path("certificates/", o.CertificateList.as_view(), name="certificates"),
    path("open/results/", od.OpenPeriods.as_view(), name="open_periods"),
    path("open/results/<int:pk>/", od.OpenResults.as_view(), name="open_results"),
    path("open/results/<int:pk>/csv/", od.OpenResultsCsv.as_view(), name="open_results_csv"),
    # Anything else under /api/v1/ is a problem document too, never the HTML 404 page.
    re_path(r"^[\s\S]*$", not_found, name="not_found"),
]
