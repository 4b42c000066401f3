import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import ComponentValue
from conftest import client_for
from surveys.models import Response, Survey
from surveys.tests.conftest import aged_token, answers_for, submit


def test_the_public_page_needs_no_login_and_states_the_rules(survey):
    response = Client().get(reverse("surveys:answer", args=[survey.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your answers are anonymous" in html and "at least 10 people have answered" in html
    assert html.count('type="radio"') == 20 * 5
    assert "Strongly agree" in html and "I am proud to work in this institution." in html


def test_the_public_page_in_indonesian(survey, indonesian):
    html = Client().get(reverse("surveys:answer", args=[survey.public_id])).content.decode()
    assert "Sangat setuju" in html and "Saya bangga bekerja di instansi ini." in html
    assert "Jawaban Anda anonim" in html and "Kirim jawaban saya" in html


def test_answering_and_the_thank_you(survey):
    client = Client()
    url = reverse("surveys:answer", args=[survey.public_id])
    token = aged_token(survey)
    response = client.post(url, {"form_token": token, **answers_for(survey.questionnaire)})
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    assert "Thank you" in client.get(response["Location"]).content.decode()
    # The same form again (a double tap, a replay): thanked, not stored twice.
    again = client.post(url, {"form_token": token, **answers_for(survey.questionnaire)})
    assert again.status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"D1.1": "7"}, 400, "An answer runs from 1 to 5"),
        ({"D1.1": "x"}, 400, "An answer runs from 1 to 5"),
        ({"D1.1": ""}, 400, "1 statement(s) still need an answer"),
        ({"form_token": "forged"}, 400, "This form was not issued by this survey"),
        ({"unit": "12345"}, 400, "Choose your unit from the list"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(survey, change, status, message):
    data = {"form_token": aged_token(survey), **answers_for(survey.questionnaire), **change}
    response = Client().post(reverse("surveys:answer", args=[survey.public_id]), data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not Response.objects.exists()
    # The answers given stay chosen on the page.
    assert "checked" in response.content.decode()


def test_unknown_and_closed_surveys(survey, period25):
    response = Client().get("/s/does-not-exist/")
    assert response.status_code == 404 and "There is no survey at this address" in response.content.decode()
    period25.survey_window.delete()
    response = Client().post(reverse("surveys:answer", args=[survey.public_id]), answers_for(survey.questionnaire))
    assert response.status_code == 410 and "not taking answers" in response.content.decode()
    assert not Response.objects.exists()


def test_closing_is_seen_at_once_and_a_stale_cached_copy_stores_nothing(survey, lead25):
    import copy

    from django.core.cache import cache

    from surveys import services
    from surveys.selectors import survey_by_public_id

    url = reverse("surveys:answer", args=[survey.public_id])
    assert Client().get(url).status_code == 200  # the survey is now in the shared cache
    open_copy = copy.deepcopy(survey_by_public_id(survey.public_id))
    services.survey_close(survey=survey, user=lead25)
    response = Client().post(url, {"form_token": aged_token(survey), **answers_for(survey.questionnaire)})
    assert response.status_code == 410 and "not taking answers" in response.content.decode()
    # Even a copy that still says "open" (another process read it just before the close) cannot
    # store or count a response: the counting write checks the status in the database.
    cache.set(f"survey:public:{survey.public_id}", open_copy, 60)
    response = Client().post(url, {"form_token": aged_token(survey), **answers_for(survey.questionnaire)})
    assert response.status_code == 410 and "not taking answers" in response.content.decode()
    assert not Response.objects.exists()
    assert Survey.objects.get(pk=survey.pk).responses_count == 0


def test_moving_the_window_is_seen_at_once(survey, period25, admin_user):
    import datetime as dt

    url = reverse("surveys:answer", args=[survey.public_id])
    assert Client().get(url).status_code == 200  # cached while the window is open
    window = period25.survey_window
    client_for(admin_user).post(
        reverse("surveys:window", args=[period25.pk]),
        {
            "opens_on": str(window.opens_on - dt.timedelta(days=10)),
            "closes_on": str(window.opens_on - dt.timedelta(days=1)),
        },
    )
    response = Client().post(url, {"form_token": aged_token(survey), **answers_for(survey.questionnaire)})
    assert response.status_code == 410
    assert not Response.objects.exists()


def test_a_flood_from_one_address_is_stopped(survey, settings):
    from django.core.cache import cache

    cache.clear()
    settings.SURVEY_SUBMISSIONS_PER_ADDRESS_HOUR = 2
    client = Client(REMOTE_ADDR="192.0.2.50")
    url = reverse("surveys:answer", args=[survey.public_id])
    codes = [
        client.post(url, {"form_token": aged_token(survey), **answers_for(survey.questionnaire)}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Response.objects.count() == 2
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.51").post(
        url, {"form_token": aged_token(survey), **answers_for(survey.questionnaire)}
    )
    assert other.status_code == 302
    cache.clear()


def test_answers_go_on_when_redis_is_down(survey, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    # With a working cache a limit of 1 would refuse the second answer from this address.
    settings.SURVEY_SUBMISSIONS_PER_ADDRESS_HOUR = 1
    url = reverse("surveys:answer", args=[survey.public_id])
    client = Client(REMOTE_ADDR="192.0.2.77")
    for _ in range(3):
        response = client.post(url, {"form_token": aged_token(survey), **answers_for(survey.questionnaire)})
        assert response.status_code == 302
    assert Response.objects.count() == 3


def test_the_lead_opens_the_survey_and_sees_link_qr_and_slovin(assessment25, lead25):
    client = client_for(lead25)
    url = reverse("surveys:manage", args=[assessment25.pk])
    page = client.get(url).content.decode()
    assert "n = N / (1 + N × e²)" in page and "5%" in page
    bad = client.post(url, {"action": "open", "population": "0"})
    assert bad.status_code == 200 and not Survey.objects.exists()
    client.post(url, {"action": "open", "population": "1000", "units": "Biro Umum; 400\nBiro SDM; 600"})
    survey = Survey.objects.get()
    page = client.get(url).content.decode()
    assert survey.public_id in page and "0 counted responses of a minimum sample of 286" in page
    qr = client.get(reverse("surveys:qr", args=[assessment25.pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


def test_the_editor_sees_but_cannot_open(assessment25, editor25):
    client = client_for(editor25)
    url = reverse("surveys:manage", args=[assessment25.pk])
    assert "The institution's lead opens the survey." in client.get(url).content.decode()
    assert client.post(url, {"action": "open", "population": "50"}).status_code == 404
    assert not Survey.objects.exists()


def test_progress_hides_small_units_and_its_query_count_does_not_grow(assessment25, lead25, django_assert_num_queries):
    from surveys import services

    survey = services.survey_open(
        assessment=assessment25, user=lead25, population=100, units=[("Biro A", 60), ("Biro B", 40)]
    )
    unit_a = survey.units.get(name="Biro A")
    client = client_for(lead25)
    url = reverse("surveys:manage", args=[assessment25.pk])
    client.get(url)
    for n in range(3):
        submit(survey, address=f"10.9.0.{n}", unit=str(unit_a.pk))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert "fewer than 10" in page
    for n in range(3, 40):
        submit(survey, address=f"10.9.0.{n}", unit=str(unit_a.pk))
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "40 counted responses of a minimum sample of 80" in page
    assert re.search(r"Biro A</th><td>40</td>", page)


def test_the_verifier_excludes_a_flagged_response_on_the_page(survey, verifier, django_capture_on_commit_callbacks):
    survey.assessment.verifiers.add(verifier)
    for n in range(12):
        submit(survey, address=f"10.5.0.{n}")
    submit(survey, values=(1,), address="10.5.9.9")
    client = client_for(verifier)
    url = reverse("surveys:quality", args=[survey.assessment_id])
    page = client.get(url).content.decode()
    assert 'data-flag="straight_lined">1<' in page
    refused = client.post(url, {"action": "exclude", "flags": ["straight_lined"], "reason": ""})
    assert refused.status_code == 200 and not Response.objects.filter(excluded=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "exclude", "flags": ["straight_lined"], "reason": "Semua jawaban sama"})
    page = client.get(url).content.decode()
    assert 'data-flag="excluded">1<' in page and "Semua jawaban sama" in page
    assert ComponentValue.objects.filter(assessment=survey.assessment, component__code="survey").exists()
    # The score page shows the survey part apart from maturity.
    owner = client_for(survey.assessment.survey.opened_by)
    scores = owner.get(reverse("assessments_scores:comparison", args=[survey.assessment_id])).content.decode()
    assert 'data-component="survey"' in scores


def test_the_admin_sets_the_window(period25, admin_user):
    client = client_for(admin_user)
    url = reverse("surveys:window", args=[period25.pk])
    response = client.post(url, {"opens_on": "2026-12-10", "closes_on": "2026-12-01"})
    assert response.status_code == 200 and "must open on or before" in response.content.decode()
    client.post(url, {"opens_on": "2026-12-01", "closes_on": "2026-12-20"})
    period25.survey_window.refresh_from_db()
    assert str(period25.survey_window.closes_on) == "2026-12-20"


def test_the_list_shows_the_institutions_survey(survey, lead25):
    submit(survey)
    page = client_for(lead25).get(reverse("surveys:list")).content.decode()
    assert "Kementerian Survei" in page and ">1</td>" in page


def test_the_a4_poster_carries_the_link_and_the_rules(
    assessment25, lead25, django_capture_on_commit_callbacks, tmp_path
):
    from meritsys.tests.journey_support import pdf_text
    from surveys.selectors import public_url

    client = client_for(lead25)
    url = reverse("surveys:manage", args=[assessment25.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "open", "population": "250"})
    survey = Survey.objects.get()
    assert 'id="poster-link"' in client.get(url).content.decode()
    response = client.get(reverse("surveys:poster", args=[assessment25.pk]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "poster.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = " ".join(pdf_text(path).split())
    assert "Survei pegawai" in text and "Kementerian Survei" in text
    assert public_url(survey) in text.replace(" ", "") or survey.public_id in text
    assert "Jawaban Anda anonim" in text
