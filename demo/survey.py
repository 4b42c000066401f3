"""The demo's staff survey: the running (19/2025) period takes answers, and the demo regency's
survey is open with a few responses, so its public link works in `make run`."""

import datetime as dt
import random

from django.db.models import F
from django.utils import timezone

from assessments.models import Period
from assessments.periods.services import assessment_get_or_create
from institutions.models import Institution
from surveys import services
from surveys.models import Response, Survey, SurveyUnit, SurveyWindow
from surveys.reference import reference_questionnaire_ensure
from surveys.selectors import questionnaire_data

DEMO_SURVEY_CODE = "32.07"
DEMO_SURVEY_UNITS = [("Sekretariat Daerah", 120), ("Dinas Pendidikan", 150), ("Badan Kepegawaian dan PSDM", 50)]
DEMO_RESPONSES = 24


def demo_survey_ensure(*, period: Period) -> Survey | None:
    """Survey dates on the period (a week ago to three weeks ahead) and the regency's open survey
    with DEMO_RESPONSES responses (rows written directly, as demo data; one straight-lined and one
    too fast, for the verifier's quality page). Idempotent."""
    questionnaire = reference_questionnaire_ensure()
    if questionnaire.component.instrument_id != period.instrument_id:
        return None
    today = timezone.localdate()
    if not SurveyWindow.objects.filter(period=period).exists():
        services.survey_window_set(
            period=period, opens_on=today - dt.timedelta(days=7), closes_on=today + dt.timedelta(days=21), user=None
        )
    institution = Institution.objects.filter(code=DEMO_SURVEY_CODE).first()
    if institution is None:
        return None
    assessment = assessment_get_or_create(institution=institution, period=period)
    survey = Survey.objects.filter(assessment=assessment).first()
    if survey is not None:
        return survey
    survey = services.survey_open(
        assessment=assessment, user=None, population=sum(p for _n, p in DEMO_SURVEY_UNITS), units=DEMO_SURVEY_UNITS
    )
    items = questionnaire_data(questionnaire.pk).items
    units = list(SurveyUnit.objects.filter(survey=survey))
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    rows = []
    for n in range(DEMO_RESPONSES):
        if n == 0:
            answers = {i.code: 4 for i in items}
        else:
            answers = {i.code: (rng.choice((1, 2, 2, 3)) if i.reverse else rng.choice((3, 4, 4, 5))) for i in items}
        rows.append(
            Response(
                survey=survey,
                unit=units[n % len(units)],
                answers=answers,
                submitted_on=today,
                duration_seconds=30 if n == 1 else 240 + n,
                nonce=f"demo-{survey.pk}-{n}",
                straight_lined=n == 0,
                too_fast=n == 1,
            )
        )
    Response.objects.bulk_create(rows)
    Survey.objects.filter(pk=survey.pk).update(responses_count=len(rows), flagged_count=2)
    for unit in units:
        SurveyUnit.objects.filter(pk=unit.pk).update(
            responses_count=F("responses_count") + sum(1 for r in rows if r.unit_id == unit.pk)
        )
    services.survey_result_queue_now(survey=survey)
    return survey
