"""The staff survey's national panel and its exports: figures, anonymity, permissions, bad input."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import translation
from openpyxl import load_workbook

from conftest import client_for, make_survey_period
from core import formatting
from core.models import Job
from core.testing import job_download
from dashboards.survey import survey_panel
from dashboards.tests.survey_helpers import add_responses, survey_landscape
from surveys.models import Response, Survey
from surveys.selectors import questionnaire_data

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "verifier", "other_verifier", "editor", "lead", "other_lead"]


@pytest.fixture(autouse=True)
def _fresh_questionnaire_cache():
    questionnaire_data.cache_clear()
    yield
    questionnaire_data.cache_clear()


@pytest.fixture
def landscape(institution, other_institution, verifier):
    period = make_survey_period("Penilaian Survei 2026")
    surveys = survey_landscape(period, institution)
    # `verifier` is assigned to the ministry's assessment only.
    surveys["ready"].assessment.verifiers.add(verifier)
    return {"period": period, **surveys}


@pytest.fixture
def people(users, other_verifier):
    return {**users, "other_verifier": other_verifier}


def _text(response) -> str:
    return response.content.decode()


def _mean(*surveys: Survey) -> Decimal:
    values = [s.result_value for s in surveys]
    assert all(v is not None for v in values)
    return sum((v for v in values if v is not None), Decimal(0)) / len(values)


def test_national_figures_count_states_and_average_the_ready_institutions(landscape, admin_user):
    panel = survey_panel(period=landscape["period"], user=admin_user)
    n = panel.national
    assert (n.institutions, n.opened, n.open, n.closed, n.ready, n.pending, n.not_opened) == (6, 4, 3, 1, 3, 1, 2)
    assert n.received == 12 + 15 + 5 + 12 and n.counted == n.received
    ready = [landscape["ready"], landscape["shortfall"], landscape["closed"]]
    assert n.valued == 3
    assert n.value == _mean(*ready)
    # Per dimension: the mean of the ready institutions' dimension values.
    for info, value in zip(panel.dimensions, n.dimensions, strict=True):
        expected = sum(Decimal(s.result_dimensions[info.code]) for s in ready) / 3
        assert value == expected
    # The kota has 5 responses: it is pending and left out of every mean.
    kota = next(r for r in panel.rows if r.code == "B963")
    assert kota.too_few and kota.value is None and all(v is None for v in kota.dimensions)
    kinds = {g.key: g for g in panel.kinds}
    assert kinds["KEMENTERIAN"].value == landscape["ready"].result_value
    assert kinds["KOTA"].value is None and kinds["KOTA"].pending == 1
    assert kinds["PROVINSI"].not_opened == 1
    assert sum(count for _l, _h, count in panel.bands) == 3


def test_the_page_shows_the_national_value_states_kinds_and_bands(landscape, admin_user):
    response = client_for(admin_user).get(f"/dashboard/survey/?period={landscape['period'].pk}")
    assert response.status_code == 200
    text = _text(response)
    ready = [landscape["ready"], landscape["shortfall"], landscape["closed"]]
    national = re.search(r'id="national-value">([^<]+)<', text).group(1)
    assert national == formatting.index(_mean(*ready))
    assert re.search(r'id="state-ready">3<', text) and re.search(r'id="state-not-opened">2<', text)
    assert re.search(r'id="state-open">3<', text) and re.search(r'id="state-closed">1<', text)
    assert "Mean of 3 institutions whose survey is ready." in text
    assert 'id="survey-kinds"' in text and 'id="survey-bands"' in text
    # The kota's value is hidden (5 respondents); every institution of the register is listed.
    kota = re.search(r'<tr data-institution="B963">.*?</tr>', text, re.S).group(0)
    assert "fewer than 10" in kota
    for code in ("K901", "K902", "P961", "B962", "B963", "L964"):
        assert f'data-institution="{code}"' in text


def test_filters_and_sort_of_the_list(landscape, admin_user):
    client = client_for(admin_user)
    base = f"/dashboard/survey/?period={landscape['period'].pk}"
    text = _text(client.get(base + "&state=ready"))
    listed = re.findall(r'data-institution="([^"]+)"', text)
    assert sorted(listed) == ["B962", "K901", "L964"]
    text = _text(client.get(base + "&state=not_opened&kind=PROVINSI"))
    assert re.findall(r'data-institution="([^"]+)"', text) == ["P961"]
    text = _text(client.get(base + f"&province={landscape['province'].pk}&sort=-counted"))
    assert re.findall(r'data-institution="([^"]+)"', text) == ["B962", "B963", "P961"]
    text = _text(client.get(base + "&sort=progress"))
    listed = re.findall(r'data-institution="([^"]+)"', text)
    assert listed[0] == "B963" and listed[-2:] == ["K902", "P961"]  # lowest progress first, no survey last


PAGE = {
    "admin": 200,
    "verifier": 200,
    "other_verifier": 200,
    "editor": 200,
    "lead": 200,
    "other_lead": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_page_permissions_and_what_each_role_sees(landscape, people, role):
    user = people[role]
    response = client_for(user).get(f"/dashboard/survey/?period={landscape['period'].pk}")
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == PAGE[role]
    text = _text(response)
    ready = [landscape["ready"], landscape["shortfall"], landscape["closed"]]
    # Everyone signed in with a role sees the national value.
    assert re.search(r'id="national-value">([^<]+)<', text).group(1) == formatting.index(_mean(*ready))
    listed = re.findall(r'data-institution="([^"]+)"', text)
    ministry_value = formatting.index(landscape["ready"].result_value)
    kabupaten_row = re.search(r'<tr data-institution="B962">.*?</tr>', text, re.S)
    if role in ("admin", "verifier", "other_verifier"):
        assert len(listed) == 6 and 'id="survey-kinds"' in text and 'id="survey-export-xlsx"' in text
        ministry_row = re.search(r'<tr data-institution="K901">.*?</tr>', text, re.S).group(0)
        if role == "other_verifier":
            assert "not shown to you" in ministry_row and ministry_value not in ministry_row
        else:
            assert ministry_value in ministry_row
        # The kabupaten is assigned to nobody: only the admin reads its value.
        assert ("not shown to you" in kabupaten_row.group(0)) is (role != "admin")
    else:
        own = {"editor": "K901", "lead": "K901", "other_lead": "K902"}[role]
        assert listed == [own]
        assert 'id="survey-kinds"' not in text and 'id="survey-states"' not in text
        assert 'id="survey-export-xlsx"' not in text and "Kabupaten Survei" not in text
        if own == "K901":
            assert ministry_value in re.search(r'<tr data-institution="K901">.*?</tr>', text, re.S).group(0)
        else:
            assert "Not opened" in text


def test_a_user_without_role_or_institution_is_refused(landscape):
    from accounts.models import Role
    from conftest import make_user

    lonely = make_user("lonely@test.local", Role.INSTITUTION)
    assert client_for(lonely).get("/dashboard/survey/").status_code == 403
    assert client_for(lonely).get("/exports/survey.csv").status_code == 403


EXPORT = {"admin": 302, "verifier": 302, "other_verifier": 302, "editor": 403, "lead": 403, "other_lead": 403}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("role", ROLES)
def test_export_permissions(landscape, people, role, fmt):
    response = client_for(people[role]).get(f"/exports/survey.{fmt}?period={landscape['period'].pk}")
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == EXPORT[role]
        assert response.status_code != 302 or response.url.startswith("/jobs/")
    assert Job.objects.exists() is (EXPORT.get(role) == 302)


@pytest.mark.parametrize(
    "query",
    ["period=abc", "period=999999", "kind=MARS", "state=asleep", "sort=secret", "province=zz", "province=123456"],
)
@pytest.mark.parametrize("url", ["/dashboard/survey/", "/exports/survey.csv"])
def test_bad_parameters_get_a_clear_message(landscape, admin_user, url, query):
    response = client_for(admin_user).get(f"{url}?{query}")
    assert response.status_code == 400
    assert "The filter was not understood." in _text(response)
    assert not Job.objects.exists()


def test_a_page_number_out_of_range_shows_the_last_page(landscape, admin_user):
    response = client_for(admin_user).get(f"/dashboard/survey/?period={landscape['period'].pk}&page=zz")
    assert response.status_code == 200


def test_a_period_without_survey_is_refused_and_none_is_explained(admin_user, period):
    # `period` runs the 40/2018 instrument: no staff survey.
    client = client_for(admin_user)
    assert client.get(f"/dashboard/survey/?period={period.pk}").status_code == 400
    response = client.get("/dashboard/survey/")
    assert response.status_code == 200 and 'id="no-survey-period"' in _text(response)
    assert client.get("/exports/survey.xlsx").status_code == 400


def _xlsx_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_xlsx_has_typed_cells_and_the_aggregates(landscape, admin_user):
    _page, content = job_download(client_for(admin_user), f"/exports/survey.xlsx?period={landscape['period'].pk}")
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert sheet["A1"].font.bold
    value_col = header.index("Survey value (0–1)")
    national = body[0]
    assert national[0] == "National" and national[6] == 6 and national[10] == 3
    ready = [landscape["ready"], landscape["shortfall"], landscape["closed"]]
    assert isinstance(national[value_col], float)
    assert abs(national[value_col] - float(_mean(*ready))) < 1e-9
    assert sheet.cell(row=2, column=value_col + 1).number_format == formatting.XLSX_WEIGHT_FORMAT
    institutions = {r[1]: r for r in body if r[0] == "Institution"}
    assert set(institutions) == {"K901", "K902", "P961", "B962", "B963", "L964"}
    assert institutions["B963"][value_col] is None and "fewer than 10" in institutions["B963"][-1]
    assert isinstance(institutions["K901"][14], int) and institutions["K901"][14] == 12
    bands = [r for r in body if r[0] == "Band of survey values"]
    assert len(bands) == 5 and sum(r[6] for r in bands) == 3


def test_csv_has_a_bom_and_machine_readable_values(landscape, admin_user):
    _page, content = job_download(client_for(admin_user), f"/exports/survey.csv?period={landscape['period'].pk}")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows[0]
    value_col = header.index("Survey value (0–1)")
    assert Decimal(rows[1][value_col]) > 0 and "," not in rows[1][value_col]
    kinds = [r for r in rows[1:] if r[0] == "Kind"]
    assert len(kinds) == 7


def test_csv_export_follows_the_list_filters(landscape, admin_user):
    url = f"/exports/survey.csv?period={landscape['period'].pk}&state=pending"
    rows = list(csv.reader(io.StringIO(job_download(client_for(admin_user), url)[1].decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:] if r[0] == "Institution"] == ["B963"]


def test_a_verifier_export_hides_values_of_unassigned_institutions(landscape, verifier):
    url = f"/exports/survey.xlsx?period={landscape['period'].pk}"
    rows = _xlsx_rows(job_download(client_for(verifier), url)[1])
    value_col = rows[0].index("Survey value (0–1)")
    institutions = {r[1]: r for r in rows[1:] if r[0] == "Institution"}
    assert institutions["K901"][value_col] is not None
    assert institutions["B962"][value_col] is None and institutions["B962"][-1] == "value not shown to you"


def test_exports_hold_no_response_level_data(landscape, admin_user):
    """Aggregates only: no item code, answer, nonce, day or unit of a response; the number of rows
    does not move when responses are added."""
    client = client_for(admin_user)
    url = f"/exports/survey.{{}}?period={landscape['period'].pk}"
    xlsx_before = _xlsx_rows(job_download(client, url.format("xlsx"))[1])
    csv_before = job_download(client, url.format("csv"))[1].decode("utf-8-sig")
    add_responses(landscape["ready"], 30, values=(1, 5))
    xlsx_after = _xlsx_rows(job_download(client, url.format("xlsx"))[1])
    csv_after = job_download(client, url.format("csv"))[1].decode("utf-8-sig")
    assert len(xlsx_before) == len(xlsx_after) == 1 + 1 + 7 + 5 + 6
    assert len(list(csv.reader(io.StringIO(csv_before)))) == len(list(csv.reader(io.StringIO(csv_after))))
    item_codes = {i.code for i in questionnaire_data(landscape["ready"].questionnaire_id).items}
    nonces = set(Response.objects.values_list("nonce", flat=True))
    days = {d.isoformat() for d in Response.objects.values_list("submitted_on", flat=True)}
    cells = {str(v) for row in xlsx_after for v in row if v is not None} | set(re.split(r"[,\r\n]", csv_after))
    assert not cells & item_codes
    assert not cells & nonces
    assert not any(day in cell for cell in cells for day in days)
    assert not any(code in csv_after for code in nonces)
    # No column per item or per response: the columns are the aggregates and one per dimension.
    header = xlsx_after[0]
    assert len(header) == 20 + len(questionnaire_data(landscape["ready"].questionnaire_id).dimensions)


def _page_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _export_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured, TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url)
    assert response.status_code == 302
    # The job's progress writes depend on the clock, not on the data.
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith('UPDATE "core_job"'))


@pytest.mark.parametrize("role", ["admin", "verifier", "lead"])
def test_constant_queries_as_responses_and_surveys_grow(landscape, people, role):
    from conftest import make_institution
    from dashboards.tests.survey_helpers import open_survey
    from institutions.models import InstitutionKind

    client = client_for(people[role])
    url = f"/dashboard/survey/?period={landscape['period'].pk}"
    _page_queries(client, url)  # the questionnaire is read once per process
    first = _page_queries(client, url)
    export_first = (
        _export_queries(client, url.replace("/dashboard/survey/", "/exports/survey.xlsx")) if role != "lead" else 0
    )
    add_responses(landscape["ready"], 200)
    add_responses(landscape["small"], 50)
    for i in range(4):
        other = make_institution(f"X97{i}", f"Kota Tambahan {i}", InstitutionKind.KOTA, province=landscape["province"])
        open_survey(other, landscape["period"], population=30, responses=25)
    assert Response.objects.count() > 300
    second = _page_queries(client, url)
    assert first == second
    if role != "lead":
        Job.objects.all().delete()
        assert _export_queries(client, url.replace("/dashboard/survey/", "/exports/survey.xlsx")) == export_first


def test_the_page_never_reads_responses(landscape, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(admin_user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/dashboard/survey/?period={landscape['period'].pk}").status_code == 200
    assert not any("surveys_response" in q["sql"] for q in captured.captured_queries)


def test_the_page_and_export_work_in_indonesian(landscape, admin_user, settings):
    settings.LANGUAGE_CODE = "id"
    client = client_for(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = client.get(f"/dashboard/survey/?period={landscape['period'].pk}")
    assert response.status_code == 200
    assert 'lang="id"' in _text(response)
    ready = [landscape["ready"], landscape["shortfall"], landscape["closed"]]
    with translation.override("id"):
        expected = formatting.index(_mean(*ready))
    assert re.search(r'id="national-value">([^<]+)<', _text(response)).group(1) == expected
    _page, content = job_download(client, f"/exports/survey.csv?period={landscape['period'].pk}")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 1 + 7 + 5 + 6
