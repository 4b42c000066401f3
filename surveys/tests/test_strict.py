"""Strict mode: single-use codes (issue, print, answer, anonymity, refusals, concurrency)."""

import csv
import io
import threading

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for, make_member
from institutions.models import MembershipRole
from surveys import codes, services
from surveys.models import CodeBatch, Response, Survey, SurveyCode, SurveyUnit
from surveys.selectors import code_rows
from surveys.tests.conftest import aged_token, answers_for


@pytest.fixture
def strict_survey(assessment25, lead25):
    return services.survey_open(assessment=assessment25, user=lead25, population=12, strict=True)


def plain_codes(survey: Survey) -> list[str]:
    return [row[2] for row in code_rows(survey)]


def post_answer(client, survey, code, **extra):
    data = {"form_token": aged_token(survey), "kode": code, **answers_for(survey.questionnaire), **extra}
    return client.post(reverse("surveys:answer", args=[survey.public_id]), data)


# -- the codes themselves ------------------------------------------------------------------------


def test_codes_are_distinct_typable_and_checked():
    key = "k" * 64
    made = [codes.code_at(key, i) for i in range(20_000)]
    assert len(set(made)) == len(made)
    assert all(len(c) == 8 and set(c) <= set(codes.ALPHABET) for c in made)
    assert not set("01OIL") & set("".join(made))
    # Another key, another sequence.
    assert codes.code_at("other", 0) != made[0]
    code = made[7]
    typed = f" {codes.grouped(code).lower()} "
    assert codes.normalize(typed) == code and codes.checks(key, code)
    assert codes.normalize("ABC") is None and codes.normalize("0OIL-0OIL") is None
    # A typo in one character is caught by the check characters (almost always).
    typos = [code[:i] + next(a for a in codes.ALPHABET if a != code[i]) + code[i + 1 :] for i in range(8)]
    assert sum(codes.checks(key, t) for t in typos) <= 1


# -- opening, issuing, printing ------------------------------------------------------------------


def test_the_lead_opens_in_strict_mode_with_codes_per_unit_and_prints_them(
    assessment25, lead25, django_capture_on_commit_callbacks, tmp_path
):
    from meritsys.tests.journey_support import pdf_text

    client = client_for(lead25)
    url = reverse("surveys:manage", args=[assessment25.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "open", "population": "15", "units": "Biro Umum; 11\nBiro SDM; 4", "strict": "on"}
        )
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert survey.strict and survey.codes_issued == 15 and SurveyCode.objects.count() == 15
    assert dict(SurveyUnit.objects.values_list("name", "codes_issued")) == {"Biro Umum": 11, "Biro SDM": 4}
    page = client.get(url).content.decode()
    assert "15 codes issued, 0 used." in page and page.count('class="slips-link"') == 2
    # Nothing but digests is stored: no code appears in the table.
    listed = plain_codes(survey)
    digests = set(SurveyCode.objects.values_list("digest", flat=True))
    assert len(listed) == 15 and not {c.replace("-", "") for c in listed} & digests
    # The list, CSV and xlsx.
    body = client.get(reverse("surveys:codes_export", args=[assessment25.pk, "csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["batch", "unit", "code", "link"] and len(rows) == 16
    assert {r[1] for r in rows[1:]} == {"Biro Umum", "Biro SDM"} and rows[1][3].endswith("?kode=" + rows[1][2])
    from openpyxl import load_workbook

    xlsx = client.get(reverse("surveys:codes_export", args=[assessment25.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 16 and sheet.cell(2, 3).value == rows[1][2]
    # The printable slips of the first unit: its 11 codes, the link, the instruction in Indonesian.
    batch = CodeBatch.objects.get(unit__name="Biro Umum")
    pdf = client.get(reverse("surveys:slips", args=[assessment25.pk, batch.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "slips.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    text = pdf_text(path)
    flat = " ".join(text.split())
    for code in [r[2] for r in rows[1:] if r[1] == "Biro Umum"]:
        assert code in text
    assert "Survei pegawai" in flat and "Kementerian Survei" in flat and "Biro Umum" in flat
    assert survey.public_id in text.replace(" ", "").replace("\n", "")
    # Issuing more later, for one unit.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "issue", "count": "3", "unit": str(batch.unit_id)})
    survey.refresh_from_db()
    assert survey.codes_issued == 18 and len(set(plain_codes(survey))) == 18
    refused = client.post(url, {"action": "issue", "count": "0", "unit": str(batch.unit_id)})
    assert refused.status_code == 200 and Survey.objects.get().codes_issued == 18
    too_many = client.post(url, {"action": "issue", "count": "999999", "unit": str(batch.unit_id)})
    assert too_many.status_code == 200 and Survey.objects.get().codes_issued == 18
    no_unit = client.post(url, {"action": "issue", "count": "3"})
    assert no_unit.status_code == 200 and Survey.objects.get().codes_issued == 18


def test_a_large_issue_is_printed_in_batches_of_a_thousand(assessment25, lead25):
    survey = services.survey_open(assessment=assessment25, user=lead25, population=2500, strict=True)
    batches = list(survey.code_batches.values_list("first_index", "count"))
    assert batches == [(0, 1000), (1000, 1000), (2000, 500)]
    assert SurveyCode.objects.count() == 2500 and len(set(plain_codes(survey))) == 2500


def test_strict_mode_refuses_more_codes_than_an_issue_holds(assessment25, lead25):
    client = client_for(lead25)
    url = reverse("surveys:manage", args=[assessment25.pk])
    page = client.post(url, {"action": "open", "population": "6000", "strict": "on"}).content.decode()
    assert "Codes are issued from 1 to 5.000 at a time" in page and not Survey.objects.exists()


def test_issuing_codes_to_an_open_mode_survey_is_refused(survey, lead25):
    response = client_for(lead25).post(
        reverse("surveys:manage", args=[survey.assessment_id]), {"action": "issue", "count": "5"}, follow=True
    )
    assert "This survey does not use single-use codes." in response.content.decode()
    assert not SurveyCode.objects.exists()


# -- answering -----------------------------------------------------------------------------------


def test_the_whole_flow_code_first_then_answers(strict_survey):
    client = Client()
    url = reverse("surveys:answer", args=[strict_survey.public_id])
    first = client.get(url).content.decode()
    assert 'id="code-form"' in first and "Your code (on your slip)" in first and 'type="radio"' not in first
    code = plain_codes(strict_survey)[3]
    page = client.get(url, {"kode": code.lower()}).content.decode()
    assert 'type="radio"' in page and f'value="{code}"' in page
    response = post_answer(client, strict_survey, code)
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    strict_survey.refresh_from_db()
    assert strict_survey.responses_count == 1 and strict_survey.codes_used == 1
    assert SurveyCode.objects.count() == 11
    # The same code again: refused, nothing stored.
    again = post_answer(Client(), strict_survey, code)
    assert again.status_code == 400 and "This code was already used" in again.content.decode()
    assert Response.objects.count() == 1
    page = Client().get(url, {"kode": code}).content.decode()
    assert "This code was already used" in page and 'type="radio"' not in page


def test_a_double_tap_with_a_code_is_thanked_and_stored_once(strict_survey):
    client = Client()
    data = {"form_token": aged_token(strict_survey), "kode": plain_codes(strict_survey)[0]}
    data.update(answers_for(strict_survey.questionnaire))
    url = reverse("surveys:answer", args=[strict_survey.public_id])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("", 400, "Enter the code from your slip"),
        ("ABC", 400, "A code has 8 letters and digits"),
        ("0000-0000", 400, "A code has 8 letters and digits"),
        ("2222-2222", 400, "This is not a code of this survey"),
        ("<script>alert(1)</script>", 400, "A code has 8 letters and digits"),
    ],
)
def test_bad_codes_get_a_clear_message_and_store_nothing(strict_survey, code, status, message):
    response = post_answer(Client(), strict_survey, code)
    assert response.status_code == status and message in response.content.decode()
    assert "checked" in response.content.decode()  # the answers stay chosen
    assert not Response.objects.exists() and SurveyCode.objects.count() == 12
    if code:
        page = Client().get(reverse("surveys:answer", args=[strict_survey.public_id]), {"kode": code})
        assert page.status_code == status and message in page.content.decode()


def test_a_code_of_another_survey_is_refused(strict_survey, period25, lead25):
    from assessments.periods.services import assessment_get_or_create
    from conftest import make_institution

    other = make_institution("K952", "Badan Lain")
    other_lead = make_member(other, MembershipRole.LEAD, "lead@lain.local")
    other_survey = services.survey_open(
        assessment=assessment_get_or_create(institution=other, period=period25),
        user=other_lead,
        population=5,
        strict=True,
    )
    response = post_answer(Client(), strict_survey, plain_codes(other_survey)[0])
    assert response.status_code == 400 and "not a code of this survey" in response.content.decode()
    assert not Response.objects.exists()


def test_the_code_page_in_indonesian_is_served_without_error(strict_survey, indonesian):
    page = Client().get(reverse("surveys:answer", args=[strict_survey.public_id]), {"kode": "ABC"})
    assert (
        page.status_code == 400
        and "Survei pegawai" in page.content.decode()
        and 'role="alert"' in page.content.decode()
    )


def test_wrong_codes_are_rate_limited_per_address(strict_survey, settings):
    settings.SURVEY_CODE_GUESSES_PER_ADDRESS_HOUR = 2
    guesser = Client(REMOTE_ADDR="192.0.2.90")
    url = reverse("surveys:answer", args=[strict_survey.public_id])
    assert guesser.get(url, {"kode": "2222-2222"}).status_code == 400
    assert post_answer(guesser, strict_survey, "3333-3333").status_code == 400
    # Over the limit: even a good code waits, and nothing is stored.
    good = plain_codes(strict_survey)[0]
    blocked = guesser.get(url, {"kode": good})
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.content.decode()
    assert post_answer(guesser, strict_survey, good).status_code == 429
    assert not Response.objects.exists()
    # Good codes do not count; another address is not affected.
    assert post_answer(Client(REMOTE_ADDR="192.0.2.91"), strict_survey, good).status_code == 302


def test_the_code_gives_the_unit(assessment25, lead25):
    survey = services.survey_open(
        assessment=assessment25, user=lead25, population=30, units=[("Biro A", 20), ("Biro B", 10)], strict=True
    )
    rows = code_rows(survey)
    code_b = next(r[2] for r in rows if r[1] == "Biro B")
    page = Client().get(reverse("surveys:answer", args=[survey.public_id]), {"kode": code_b}).content.decode()
    assert 'name="unit"' not in page
    # A unit sent with the answers is ignored: the slip says which unit.
    unit_a = SurveyUnit.objects.get(name="Biro A")
    assert post_answer(Client(), survey, code_b, unit=str(unit_a.pk)).status_code == 302
    assert Response.objects.get().unit.name == "Biro B"
    assert SurveyUnit.objects.get(name="Biro B").codes_used == 1
    assert SurveyUnit.objects.get(name="Biro B").responses_count == 1


# -- anonymity -----------------------------------------------------------------------------------


def test_nothing_stored_ties_a_code_to_a_response(strict_survey, lead25):
    code = plain_codes(strict_survey)[5]
    normalized = code.replace("-", "")
    digest = codes.digest(strict_survey.code_key, normalized)
    assert SurveyCode.objects.filter(digest=digest).exists()
    assert post_answer(Client(), strict_survey, code).status_code == 302
    # The code's row is gone with its use; nothing else records which code was used.
    assert not SurveyCode.objects.filter(digest=digest).exists()
    stored = str(model_to_dict(Response.objects.get())).upper()
    assert normalized not in stored and code not in stored and digest.upper() not in stored
    # No relation between codes and responses, either way.
    assert not [f for f in Response._meta.get_fields() if getattr(f, "related_model", None) in (SurveyCode, CodeBatch)]
    assert not [f for f in SurveyCode._meta.get_fields() if getattr(f, "related_model", None) is Response]
    assert not [f for f in CodeBatch._meta.get_fields() if getattr(f, "related_model", None) is Response]
    # Closing drops the key, every unused code and the printed slips.
    services.survey_close(survey=strict_survey, user=lead25)
    strict_survey.refresh_from_db()
    assert strict_survey.code_key == "" and not SurveyCode.objects.exists()
    assert code_rows(strict_survey) == [] and strict_survey.codes_used == 1


# -- the endpoint's cost -------------------------------------------------------------------------


def _post_queries(survey, code=""):
    url = reverse("surveys:answer", args=[survey.public_id])
    data = {"form_token": aged_token(survey), **answers_for(survey.questionnaire)}
    if code:
        data["kode"] = code
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(url, data)
    assert response.status_code == 302
    return [q["sql"] for q in queries.captured_queries]


def test_query_counts_open_mode_unchanged_strict_one_more(survey, assessment25, lead25, period25):
    from assessments.periods.services import assessment_get_or_create
    from conftest import make_institution

    _post_queries(survey)  # warm the questionnaire's and the survey's caches
    open_mode = _post_queries(survey)
    # duplicate check; BEGIN (a savepoint here); INSERT; counter UPDATE; COMMIT (the survey
    # itself comes from the shared cache)
    assert len(open_mode) == 5
    other = make_institution("K953", "Badan Ketat")
    other_lead = make_member(other, MembershipRole.LEAD, "lead@ketat.local")
    strict = services.survey_open(
        assessment=assessment_get_or_create(institution=other, period=period25),
        user=other_lead,
        population=5,
        strict=True,
    )
    assert Client().get(reverse("surveys:answer", args=[strict.public_id])).status_code == 200  # cached now
    strict_mode = _post_queries(strict, plain_codes(strict)[0])
    assert len(strict_mode) == 6
    assert [q for q in strict_mode if q.startswith("DELETE")] and not [q for q in open_mode if "surveycode" in q]


# -- one code, two concurrent answers (PostgreSQL) ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_answers_with_one_code_store_one(assessment25, lead25):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    survey = services.survey_open(assessment=assessment25, user=lead25, population=3, strict=True)
    code = plain_codes(survey)[0]
    tokens = [aged_token(survey) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(token: str) -> None:
        try:
            barrier.wait()
            services.response_submit(
                public_id=survey.public_id,
                token=token,
                raw_answers=answers_for(survey.questionnaire),
                unit="",
                address="198.51.100.9",
                user_agent="Phone",
                code=code,
            )
            outcomes.append("stored")
        except services.CodeRefused as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["stored", "This code was already used. Each code can be used only once."])
    survey.refresh_from_db()
    assert Response.objects.count() == 1 and survey.responses_count == 1 and survey.codes_used == 1
    assert SurveyCode.objects.filter(survey=survey).count() == 2


# -- permissions ---------------------------------------------------------------------------------


@pytest.fixture
def roles(admin_user, verifier, other_verifier, lead25, editor25, other_lead, other_institution, strict_survey):
    strict_survey.assessment.verifiers.add(verifier)
    other_editor = make_member(other_institution, MembershipRole.EDITOR, "ed@other.local")
    return {
        "admin": admin_user,
        "verifier assigned": verifier,
        "verifier not assigned": other_verifier,
        "lead": lead25,
        "editor": editor25,
        "other lead": other_lead,
        "other editor": other_editor,
        "anonymous": None,
    }


@pytest.mark.parametrize(
    "who",
    [
        "admin",
        "verifier assigned",
        "verifier not assigned",
        "lead",
        "editor",
        "other lead",
        "other editor",
        "anonymous",
    ],
)
def test_only_the_lead_downloads_prints_and_issues_codes(roles, who, strict_survey, django_capture_on_commit_callbacks):
    services.survey_slips_render(batch_id=strict_survey.code_batches.get().pk)
    batch = strict_survey.code_batches.get()
    user = roles[who]
    client = client_for(user) if user else Client()
    pk = strict_survey.assessment_id
    allowed = who == "lead"
    for url in (
        reverse("surveys:codes_export", args=[pk, "csv"]),
        reverse("surveys:codes_export", args=[pk, "xlsx"]),
        reverse("surveys:slips", args=[pk, batch.pk]),
    ):
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "login" in response["Location"]
        else:
            assert response.status_code == (200 if allowed else 404), url
    manage = reverse("surveys:manage", args=[pk])
    response = client.post(manage, {"action": "issue", "count": "2"})
    strict_survey.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and strict_survey.codes_issued == 14
    else:
        assert response.status_code in (302, 404) and strict_survey.codes_issued == 12
        if user is None:
            assert "login" in response["Location"]
        else:
            assert response.status_code == 404
    # The manage page shows the code links to the lead only (others who see it, see counts).
    if user is not None and who in ("admin", "verifier assigned", "editor", "lead"):
        page = client.get(manage).content.decode()
        assert "codes issued" in page
        assert ('id="codes-csv"' in page) == allowed


def test_a_wrong_format_and_a_closed_survey_have_no_codes(strict_survey, lead25):
    client = client_for(lead25)
    assert client.get(reverse("surveys:codes_export", args=[strict_survey.assessment_id, "pdf"])).status_code == 404
    services.survey_close(survey=strict_survey, user=lead25)
    assert client.get(reverse("surveys:codes_export", args=[strict_survey.assessment_id, "csv"])).status_code == 404
