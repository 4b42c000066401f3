import csv
import io

import pytest
from django.utils.text import slugify
from openpyxl import load_workbook

from assessments.models import AssessmentStatus, Period, Score, ScoreBasis
from conftest import client_for
from core.models import Job
from core.testing import job_download
from dashboards.tests.helpers import build_register
from demo.national import seed_national
from institutions.models import Institution, InstitutionKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(admin_user):
    # seed_national gives every institution it seeds a result; six of the register get none,
    # as institutions that have not finished a period.
    institutions = build_register(40)
    seed_national(periods=2, institutions=institutions[:34])
    latest = Period.objects.order_by("-self_assessment_opens").first()
    finals = Score.objects.filter(
        basis=ScoreBasis.VERIFIED,
        assessment__period=latest,
        assessment__status__in=[AssessmentStatus.VERIFIED, AssessmentStatus.DECIDED],
    )
    return {"period": latest, "finals": finals, "client": client_for(admin_user)}


def test_xlsx_reads_back_with_typed_numbers(data):
    page, content = job_download(data["client"], f"/exports/results.xlsx?period={data['period'].pk}")
    assert f"hasil-{slugify(data['period'].name)}.xlsx" in page.content.decode()
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    # One row per institution of the register; those with a final result carry numbers.
    assert len(body) == Institution.objects.filter(active=True).count() == 40
    with_results = [r for r in body if r[10] is not None]
    assert len(with_results) == data["finals"].count() < len(body)
    for row in body[len(with_results) :]:
        assert row[10] is None and all(v is None for v in row[13:])
    assert len(header) == 13 + 8  # fixed columns and one per aspect
    assert header[2] == "Instansi" or header[2] == "Institution"
    assert any("Perencanaan Kebutuhan" in h for h in header)
    assert sheet["A1"].font.bold
    totals = {s.assessment.institution.code: s.total for s in data["finals"].select_related("assessment__institution")}
    for row in with_results:
        assert isinstance(row[0], int)
        assert isinstance(row[10], int | float) and isinstance(row[9], int | float) and isinstance(row[11], float)
        assert all(isinstance(v, int | float) for v in row[13:])
        assert abs(row[10] - float(totals[row[1]])) < 1e-9
        assert abs(sum(row[13:]) - row[10]) < 0.02
    assert sheet.cell(row=2, column=11).number_format == "#,##0.00"


def test_csv_has_a_bom_and_the_same_rows(data):
    _page, content = job_download(data["client"], f"/exports/results.csv?period={data['period'].pk}")
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) - 1 == Institution.objects.filter(active=True).count()
    assert sum(1 for r in rows[1:] if r[10]) == data["finals"].count()
    assert len(rows[0]) == 21
    float(rows[1][10])  # dot decimals: parses as a number


def test_filters_apply_to_exports(data):
    period = data["period"]
    _page, content = job_download(
        data["client"], f"/exports/results.csv?period={period.pk}&kind={InstitutionKind.KABUPATEN}&category=III"
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    expected = (
        data["finals"].filter(assessment__institution__kind=InstitutionKind.KABUPATEN, category_code="III").count()
    )
    assert len(rows) == expected


def test_bad_filter_is_refused_with_a_message(data):
    response = data["client"].get("/exports/results.xlsx?period=nope")
    assert response.status_code == 400
    assert not Job.objects.exists()
    response = data["client"].get(f"/exports/results.xlsx?period={data['period'].pk}&kind=MARS")
    assert response.status_code == 400
    assert "MARS" in response.content.decode() or "pilihan" in response.content.decode().lower()


def test_export_with_no_period_is_refused(admin_user):
    response = client_for(admin_user).get("/exports/results.csv")
    assert response.status_code == 400


def test_a_name_that_looks_like_a_formula_is_exported_as_text(data):
    Institution.objects.filter(active=True).order_by("code").update(name='=HYPERLINK("http://x","klik")')
    client, period = data["client"], data["period"]
    sheet = load_workbook(io.BytesIO(job_download(client, f"/exports/results.xlsx?period={period.pk}")[1])).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names and all(name.startswith("'=HYPERLINK") for name in names)
    text = job_download(client, f"/exports/results.csv?period={period.pk}")[1].decode("utf-8-sig")
    assert all(row[2].startswith("'=") for row in list(csv.reader(io.StringIO(text)))[1:])


def test_a_19_2025_period_exports_its_index_and_exact_aspect_weights(admin_user):
    """The headings name the instrument's value, the aspects carry their six-decimal weights,
    and the values keep their exactness (0,91625 is written as such, cut to two in the CSV)."""
    from demo.seed import demo_period_ensure, seed_demo

    seed_demo()
    period = demo_period_ensure()
    assert period.instrument.result_label == "Indeks Sistem Merit (NISM)"
    client = client_for(admin_user)
    text = job_download(client, f"/exports/results.csv?period={period.pk}")[1].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[9:11] == ["Indeks Sistem Merit (NISM), self-assessment", "Indeks Sistem Merit (NISM), verified"]
    assert any(h.endswith("(weight 0,125)") for h in header) and any(h.endswith("(weight 0,15)") for h in header)
    sumbar = next(r for r in rows[1:] if r[1] == "13")
    assert sumbar[10] == "0.91" and sumbar[12] == "Tinggi"
    sheet = load_workbook(io.BytesIO(job_download(client, f"/exports/results.xlsx?period={period.pk}")[1])).active
    values = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert abs(values["13"][10] - 0.91625) < 1e-9
    assert sheet.cell(row=1, column=14).value.startswith("Aspect 1")
    assert sheet.cell(row=2, column=14).number_format == "#,##0.0#####"
