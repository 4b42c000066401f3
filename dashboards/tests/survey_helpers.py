"""Staff surveys in every state on a 19/2025 period (conftest.make_survey_period), for the survey
panel's tests."""

import secrets

from django.db.models import F
from django.utils import timezone

from assessments.models import Period
from assessments.periods.services import assessment_get_or_create
from conftest import make_institution
from institutions.models import Institution, InstitutionKind
from surveys import services
from surveys.models import Response, Survey
from surveys.selectors import questionnaire_data


def add_responses(survey: Survey, n: int, values: tuple[int, ...] = (4, 2, 5, 3)) -> None:
    """`n` counted responses (stored as the answering page stores them), then the result recomputed."""
    codes = [i.code for i in questionnaire_data(survey.questionnaire_id).items]
    Response.objects.bulk_create(
        Response(
            survey=survey,
            answers={code: values[k % len(values)] for k, code in enumerate(codes)},
            submitted_on=timezone.localdate(),
            duration_seconds=300,
            nonce=secrets.token_hex(16),
        )
        for _ in range(n)
    )
    Survey.objects.filter(pk=survey.pk).update(responses_count=F("responses_count") + n)
    services.survey_result_compute(survey_id=survey.pk)


def open_survey(
    institution: Institution, period: Period, *, population: int, responses: int, values: tuple[int, ...] = (4, 2, 5, 3)
) -> Survey:
    assessment = assessment_get_or_create(institution=institution, period=period)
    survey = services.survey_open(assessment=assessment, user=None, population=population)
    if responses:
        add_responses(survey, responses, values)
    survey.refresh_from_db()
    return survey


def survey_landscape(period: Period, ministry: Institution) -> dict[str, Survey | Institution]:
    """`ministry` ready (sample met), a kabupaten ready by an accepted shortfall, a kota pending
    with 5 responses (under the minimum of 10), an LPNK closed and ready, a province not opened."""
    province = make_institution("P961", "Provinsi Survei", InstitutionKind.PROVINSI)
    kabupaten = make_institution("B962", "Kabupaten Survei", InstitutionKind.KABUPATEN, province=province)
    kota = make_institution("B963", "Kota Survei", InstitutionKind.KOTA, province=province)
    lpnk = make_institution("L964", "Badan Survei", InstitutionKind.LPNK)
    ready = open_survey(ministry, period, population=12, responses=12, values=(5, 4))
    shortfall = open_survey(kabupaten, period, population=40, responses=15, values=(3, 2))
    Survey.objects.filter(pk=shortfall.pk).update(shortfall_reason="Staf sedang dinas luar")
    services.survey_result_compute(survey_id=shortfall.pk)
    small = open_survey(kota, period, population=100, responses=5, values=(2, 3))
    closed = open_survey(lpnk, period, population=12, responses=12, values=(4, 4, 4, 3))
    services.survey_close(survey=closed, user=None)
    for s in (ready, shortfall, small, closed):
        s.refresh_from_db()
    return {
        "ready": ready,
        "shortfall": shortfall,
        "small": small,
        "closed": closed,
        "province": province,
        "kabupaten": kabupaten,
        "kota": kota,
        "lpnk": lpnk,
    }
