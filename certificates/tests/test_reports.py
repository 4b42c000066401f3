"""The result report (Laporan Hasil Penilaian): its content read back with pdftotext in both
regimes, the previous-period change, the draft mark, who may download it, the links to it, and the
survey part on a 19/2025 charter."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentStatus, Period
from certificates import services
from certificates.tests.conftest import draft_decision, make_verified, pdf_text
from conftest import client_for, make_institution, make_member, make_survey_period, make_user, recommendations_write
from institutions.models import MembershipRole

pytestmark = pytest.mark.django_db


def _report_text(client, assessment, tmp_path) -> str:
    response = client.get(reverse("certificates:report_download", args=[assessment.pk]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / f"report-{assessment.pk}.pdf"
    path.write_bytes(response.content)
    return pdf_text(path)


def make_scored(institution, period, level, *, verifier=None, compute=True):
    """A verified assessment with its self score computed too (the report shows both)."""
    from assessments.scoring.services import score_compute

    assessment = make_verified(institution, period, level, verifier=verifier, compute=compute)
    score_compute(assessment_id=assessment.pk, basis="self")
    return assessment


def _issue(admin_user, period, number, capture):
    decision = draft_decision(admin_user, period, number=number)
    with capture(execute=True):
        services.decision_issue(decision=decision, user=admin_user)
    decision.refresh_from_db()
    return decision


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- regime 1 (40/2018) -------------------------------------------------------------------------


@pytest.fixture
def decided(admin_user, period, institution, verifier, django_capture_on_commit_callbacks):
    """Kementerian Uji Coba decided at Baik with a strong first aspect, recommendations written."""
    assessment = make_scored(institution, period, lambda i: 4 if i < 3 else 3, verifier=verifier)
    assessment.verifiers.add(verifier)
    recommendations_write(assessment, verifier)
    _issue(admin_user, period, "5/KEP.KASN/XI/2026", django_capture_on_commit_callbacks)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DECIDED
    return assessment


def test_regime_1_report_reads_back_header_summary_aspects_strengths_and_recommendations(
    decided, lead, tmp_path, settings
):
    settings.OVERSIGHT_BODY_NAME = "Badan Lain Sesudah Keputusan"  # the decision's snapshot wins
    text = _report_text(client_for(lead), decided, tmp_path)
    flat = _squash(text)
    assert "LAPORAN HASIL PENILAIAN" in text
    assert "KOMISI APARATUR SIPIL NEGARA" in text.upper() and "BADAN LAIN" not in text.upper()
    assert "Kementerian Uji Coba" in text and "Penilaian Uji" in text
    assert "Nomor 5/KEP.KASN/XI/2026 tanggal 22 November 2026" in flat
    assert "DRAF" not in text and "belum final" not in flat
    assert "Status hasil : final" in flat
    score = decided.scores.get(basis="verified")
    from core import formatting

    value = formatting.score(score.total, 2)
    assert f"Nilai {value} dari maksimum 400" in flat
    assert f"Kategori {score.category_name}" in flat
    assert "Indeks" not in flat.split("Perubahan")[0]  # one component: no index line, no parts
    assert "Belum ada hasil final sebelumnya" in flat
    # One row per aspect: number, name, self, verified, gap, maximum.
    section = text[text.index("2. Nilai per Aspek") : text.index("3. Kekuatan")]
    rows = [line for line in section.splitlines() if re.match(r"\s*\d+\s+\S", line)]
    assert len(rows) == len(score.aspect_totals) == 8
    first = re.split(r"\s{2,}", rows[0].strip())
    aspect = score.aspect_totals[0]
    assert first[0] == "1" and first[-1] == formatting.weight(aspect["max"])
    assert formatting.score(aspect["total"], 2) in first
    assert "Selisih = nilai verifikasi − nilai mandiri." in flat
    # Strengths: the rule is written, and only aspects at or above 75 % are listed, best first.
    assert "sekurang-kurangnya 75% dari nilai maksimumnya" in flat
    strengths = text[text.index("3. Kekuatan") : text.index("4. Rekomendasi Perbaikan")]
    listed = [line for line in strengths.splitlines() if re.match(r"\s*\d+\s+\S", line)]
    shares = [re.search(r"([\d.,]+)%\s*$", line).group(1) for line in listed]
    assert listed and all(float(s.replace(",", ".")) >= 75 for s in shares)
    assert shares == sorted(shares, key=lambda s: -float(s.replace(",", ".")))
    recs = text[text.index("4. Rekomendasi Perbaikan") :]
    assert _squash(recs).count("Perkuat bukti dukung dan konsistensi pelaksanaan aspek") == 8
    assert "Hasil Survei Pegawai" not in text
    assert re.search(r"Halaman 1 dari \d", text)


def test_previous_final_result_gives_the_change(
    admin_user, institution, verifier, period, lead, tmp_path, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    earlier = Period.objects.create(
        name="Penilaian Lama",
        instrument=period.instrument,
        self_assessment_opens=today - dt.timedelta(days=400),
        self_assessment_closes=today - dt.timedelta(days=380),
        verification_closes=today - dt.timedelta(days=340),
    )
    make_scored(institution, earlier, 3, verifier=verifier)  # 300: Baik
    _issue(admin_user, earlier, "1/KEP/2025", django_capture_on_commit_callbacks)
    current = make_scored(institution, period, 4, verifier=verifier)  # 400: Sangat Baik
    flat = _squash(_report_text(client_for(admin_user), current, tmp_path))
    assert "Penilaian Lama: Nilai 300,00, kategori Baik; perubahan +100,00 (kategori Baik menjadi Sangat Baik)." in flat
    # The earlier period's own report has no earlier result.
    older = earlier.assessments.get(institution=institution)
    assert "Belum ada hasil final sebelumnya" in _squash(_report_text(client_for(lead), older, tmp_path))


def test_previous_result_on_another_instrument_compares_the_index(
    admin_user, institution, verifier, period, period25, tmp_path, django_capture_on_commit_callbacks
):
    from assessments.models import Component, ComponentValue
    from assessments.scoring.services import score_compute

    today = timezone.localdate()
    Period.objects.filter(pk=period.pk).update(self_assessment_opens=today - dt.timedelta(days=400))
    period.refresh_from_db()
    make_scored(institution, period, 3, verifier=verifier)  # 40/2018: 300 of 400, index 0,75
    _issue(admin_user, period, "1/KEP/2025", django_capture_on_commit_callbacks)
    current = make_scored(institution, period25, 5, verifier=verifier, compute=False)
    component = Component.objects.get(instrument=period25.instrument, kind="survey")
    ComponentValue.objects.create(assessment=current, component=component, value="0.6")
    score_compute(assessment_id=current.pk, basis="verified")  # 0,75 + 0,15 = 0,90
    flat = _squash(_report_text(client_for(admin_user), current, tmp_path))
    assert (
        "Penilaian Uji: Nilai 300,00, kategori Baik; perubahan indeks +0,15 "
        "(instrumen berbeda: dibandingkan dengan indeks (nilai dibagi maksimum))." in flat
    )


def test_draft_report_carries_the_mark_and_the_settings_body(admin_user, institution, verifier, period, tmp_path):
    assessment = make_scored(institution, period, 3, verifier=verifier)
    text = _report_text(client_for(admin_user), assessment, tmp_path)
    flat = _squash(text)
    assert "DRAF · BELUM FINAL" in text
    assert "Keputusan : belum ditetapkan" in flat
    assert "hasil verifikasi (sementara)" in flat


# --- permissions --------------------------------------------------------------------------------


@pytest.fixture
def report_roles(users, verifier, other_verifier, institution):
    users = dict(users)
    users["assigned_verifier"] = users.pop("verifier")
    users["other_verifier"] = other_verifier
    return users


BEFORE = {
    "anonymous": 302,
    "admin": 200,
    "assigned_verifier": 200,
    "other_verifier": 404,
    "editor": 403,
    "lead": 403,
    "other_lead": 404,
}
AFTER = {**BEFORE, "editor": 200, "lead": 200}


@pytest.mark.parametrize("role", sorted(BEFORE))
def test_permission_before_and_after_the_decision(
    role, report_roles, admin_user, institution, verifier, period, django_capture_on_commit_callbacks
):
    assessment = make_scored(institution, period, 3, verifier=verifier)
    assessment.verifiers.add(verifier)
    url = reverse("certificates:report_download", args=[assessment.pk])
    client = client_for(report_roles[role])
    response = client.get(url)
    assert response.status_code == BEFORE[role]
    if BEFORE[role] == 403:
        assert b"once the decision on its result is issued" in response.content
    if role == "anonymous":
        assert "/login" in response["Location"] or "login" in response["Location"]
    _issue(admin_user, period, "9/KEP/2026", django_capture_on_commit_callbacks)
    response = client.get(url)
    assert response.status_code == AFTER[role]
    if AFTER[role] == 200:
        assert response.content.startswith(b"%PDF-")


def test_no_report_before_the_verification_is_finalised_and_bad_ids(admin_user, assessment):
    client = client_for(admin_user)
    response = client.get(reverse("certificates:report_download", args=[assessment.pk]))
    assert response.status_code == 404
    assert b"once the verifier has finalised" in response.content
    assert client.get(reverse("certificates:report_download", args=[999999])).status_code == 404
    assert client.post(reverse("certificates:report_download", args=[assessment.pk])).status_code == 405


def test_links_where_results_are_read(
    admin_user, institution, verifier, lead, period, django_capture_on_commit_callbacks
):
    assessment = make_scored(institution, period, 3, verifier=verifier)
    assessment.verifiers.add(verifier)
    url = reverse("certificates:report_download", args=[assessment.pk])
    scores_page = reverse("assessments_scores:comparison", args=[assessment.pk])
    verification_page = reverse("assessments_verification:assessment", args=[assessment.pk])
    assert url not in client_for(lead).get(scores_page).content.decode()
    assert url in client_for(verifier).get(verification_page).content.decode()
    decision = draft_decision(admin_user, period, number="3/KEP/2026")
    detail = reverse("certificates:decision_detail", args=[decision.pk])
    assert url in client_for(admin_user).get(detail).content.decode()  # the draft's annex
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=decision, user=admin_user)
    assert url in client_for(lead).get(scores_page).content.decode()
    assert url in client_for(admin_user).get(detail).content.decode()  # the members table


# --- regime 2 (19/2025) -------------------------------------------------------------------------


@pytest.fixture
def period25(db):
    from surveys.selectors import questionnaire_data

    questionnaire_data.cache_clear()
    yield make_survey_period()
    questionnaire_data.cache_clear()


def _survey_with(assessment, lead, responses: int, population: int):
    from surveys import services as survey_services
    from surveys.tests.conftest import submit

    survey = survey_services.survey_open(assessment=assessment, user=lead, population=population)
    for n in range(responses):
        submit(survey, address=f"198.51.100.{n + 1}", agent=f"Phone {n}")
    survey_services.survey_result_compute(survey_id=survey.pk)
    survey.refresh_from_db()
    return survey


def test_regime_2_report_shows_index_parts_and_survey_dimensions(
    admin_user, period25, verifier, tmp_path, django_capture_on_commit_callbacks
):
    from assessments.periods.services import assessment_get_or_create
    from surveys.selectors import questionnaire_data

    inst = make_institution("K961", "Kementerian Survei Lengkap")
    lead = make_member(inst, MembershipRole.LEAD, "lead@k961.local")
    assessment = assessment_get_or_create(institution=inst, period=period25)
    survey = _survey_with(assessment, lead, responses=10, population=10)
    assert survey.result_counted == 10
    assessment = make_scored(inst, period25, 5, verifier=verifier)  # maturity 1: Tinggi, a charter
    recommendations_write(assessment, verifier)
    score = assessment.scores.get(basis="verified")
    assert score.pending_count == 0 and len(score.components) == 3
    decision = _issue(admin_user, period25, "25/KEP/2026", django_capture_on_commit_callbacks)
    flat = _squash(_report_text(client_for(lead), assessment, tmp_path))
    from core import formatting

    assert "Indeks Sistem Merit (NISM) " + formatting.score(score.total, 2) + " dari maksimum 1" in flat
    assert "Indeks " + formatting.index(score.index) in flat
    # Each component apart, with its weight.
    assert "Kematangan penerapan (penilaian mandiri terverifikasi) 75%" in flat
    survey_part = next(c for c in score.components if c["kind"] == "survey")
    assert "Survei pegawai 25% " + formatting.score(survey_part["value"], 2) in flat
    # Survey dimensions, each with its value (ten respondents: the minimum is reached).
    assert "5. Hasil Survei Pegawai" in flat and "Responden terhitung: 10." in flat
    data = questionnaire_data(survey.questionnaire_id)
    for dimension in data.dimensions:
        value = formatting.index(survey.result_dimensions[dimension.code])
        assert f"{dimension.name} {value}" in flat
    # The charter (if the band earns one) carries the survey part next to the value.
    certificate = decision.certificates.get(assessment=assessment)
    charter = _squash(pdf_text(certificate.pdf.path))
    assert "Kematangan penerapan 1,00 (bobot 75%) · Survei pegawai " in charter
    assert "Survei pegawai " + formatting.score(survey_part["value"], 2) + " (bobot 25%)" in charter
    assert "terverifikasi" not in charter  # the parenthetical note stays off the charter


def test_regime_2_report_hides_dimensions_below_the_minimum(admin_user, period25, verifier, tmp_path):
    from assessments.models import Component, ComponentValue
    from assessments.periods.services import assessment_get_or_create
    from assessments.scoring.services import score_compute

    inst = make_institution("K962", "Kementerian Survei Kecil")
    lead = make_member(inst, MembershipRole.LEAD, "lead@k962.local")
    assessment = assessment_get_or_create(institution=inst, period=period25)
    survey = _survey_with(assessment, lead, responses=3, population=40)
    assert survey.result_counted == 3 and survey.result_dimensions  # computed, yet not to be shown
    assessment = make_scored(inst, period25, 3, verifier=verifier, compute=False)
    component = Component.objects.get(instrument=period25.instrument, kind="survey")
    ComponentValue.objects.update_or_create(assessment=assessment, component=component, defaults={"value": "0.6"})
    score_compute(assessment_id=assessment.pk, basis="verified")
    text = _report_text(client_for(admin_user), assessment, tmp_path)
    flat = _squash(text)
    assert "DRAF · BELUM FINAL" in text
    assert "Responden terhitung kurang dari 10: hasil per dimensi tidak ditampilkan" in flat
    section = flat[flat.index("5. Hasil Survei Pegawai") :]
    assert "Responden terhitung: 3" not in section
    assert not re.search(r"\d,\d\d", section)  # no figure at all under the minimum


def test_regime_2_report_of_a_survey_run_elsewhere(admin_user, period25, verifier, tmp_path):
    from assessments.models import Component, ComponentValue
    from assessments.scoring.services import score_compute

    inst = make_institution("K963", "Kementerian Survei Luar")
    assessment = make_scored(inst, period25, 3, verifier=verifier, compute=False)
    component = Component.objects.get(instrument=period25.instrument, kind="survey")
    ComponentValue.objects.create(assessment=assessment, component=component, value="0.7")
    score_compute(assessment_id=assessment.pk, basis="verified")
    flat = _squash(_report_text(client_for(admin_user), assessment, tmp_path))
    assert "dilaksanakan di luar meritsys" in flat
    assert "Survei pegawai 25% 0,70" in flat


def test_regime_1_charter_has_no_parts_line(decided, admin_user):
    certificate = decided.certificates.get()
    text = _squash(pdf_text(certificate.pdf.path))
    assert "bobot" not in text and "Kematangan" not in text


def test_charter_parts_line_for_a_regime_2_charter_reads_back(tmp_path):
    """Rendered from plain data (no database): the line and the one landscape page survive."""
    from pypdf import PdfReader

    from certificates import documents

    data = documents.CharterData(
        issuer=documents.Issuer(
            body_name="Komisi Aparatur Sipil Negara",
            body_short="KASN",
            address="",
            emblem=documents.emblem_data_uri(None),
            verify_url="https://x.example/v/",
            signed=False,
        ),
        signatory=documents.Signatory(office="Ketua Komisi Aparatur Sipil Negara", name="Penanda Tangan"),
        institution="Pemerintah Kabupaten Contoh Panjang Sekali Namanya di Provinsi Percobaan",
        category="Maju",
        score="0,86",
        decision_number="1/KEP/2026",
        decision_date="1 Desember 2026",
        place="Jakarta",
        period_name="Penilaian 2026 Semester II",
        serial="7K3QH9XW2M",
        verify_url="https://x.example/v/7K3QH9XW2M/",
        result_label="Indeks Sistem Merit (NISM)",
        parts=(
            documents.ValuePart(name="Kematangan penerapan", value="0,88", weight="75%"),
            documents.ValuePart(name="Survei pegawai", value="0,80", weight="25%"),
        ),
    )
    path = tmp_path / "charter.pdf"
    path.write_bytes(documents.charter_pdf(data))
    assert len(PdfReader(path).pages) == 1
    text = _squash(pdf_text(path))
    assert "dengan Indeks Sistem Merit (NISM) 0,86" in text
    assert "Kematangan penerapan 0,88 (bobot 75%) · Survei pegawai 0,80 (bobot 25%)" in text


def test_unassigned_verifier_sees_no_link_and_institution_other_sees_nothing(
    institution, verifier, other_verifier, period
):
    assessment = make_scored(institution, period, 3, verifier=verifier)
    outsider = make_user("outsider@test.local")
    url = reverse("certificates:report_download", args=[assessment.pk])
    assert client_for(other_verifier).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
