"""The PDFs read back: the letter's annex, the charter's text and its QR code."""

import re

import pytest
from django.conf import settings

from certificates.tests.conftest import pdf_text, qr_urls
from conftest import make_institution
from institutions.models import InstitutionKind

pytestmark = pytest.mark.django_db


def test_letter_annex_has_one_row_per_included_institution_with_its_category(issued_decision):
    text = pdf_text(issued_decision.letter.path)
    assert "NOMOR 1/KEP.KASN/XI/2026" in text
    assert "22 November 2026" in text
    annex = text[text.index("LAMPIRAN") :]
    rows = [line for line in annex.splitlines() if re.match(r"\s*\d+\s+\S", line)]
    assert len(rows) == 3
    expected = [
        ("Kementerian Lain", "Kementerian", "300,00", "Baik"),
        ("Kementerian Uji Coba", "Kementerian", "400,00", "Sangat Baik"),
        ("Provinsi Uji Coba", "Pemerintah Provinsi", "200,00", "Kurang"),
    ]
    for number, (row, (name, kind, score, category)) in enumerate(zip(rows, expected, strict=True), start=1):
        cells = re.split(r"\s{2,}", row.strip())
        assert cells == [str(number), name, kind, score, category]


def test_charter_names_institution_category_score_and_serial(issued_decision):
    certificate = issued_decision.certificates.get(institution__code="K901")
    text = pdf_text(certificate.pdf.path)
    assert "PIAGAM PENGHARGAAN" in text
    assert "Kementerian Uji Coba" in text
    assert "SANGAT BAIK" in text
    assert "400,00" in text
    assert certificate.serial in text
    assert "1/KEP.KASN/XI/2026" in text and "22 November 2026" in text
    assert "Prof. Dr. Uji Penandatangan" in text


def test_charter_qr_leads_to_the_verification_page(issued_decision, tmp_path):
    certificate = issued_decision.certificates.get(institution__code="K902")
    urls = qr_urls(certificate.pdf.path, tmp_path)
    assert urls == [f"{settings.PUBLIC_BASE_URL}/v/{certificate.serial}/"]


def test_charter_and_letter_are_one_a4_page_each_with_the_shipped_font(issued_decision):
    from pypdf import PdfReader

    certificate = issued_decision.certificates.first()
    charter = PdfReader(certificate.pdf.path)
    assert len(charter.pages) == 1
    width, height = (round(float(v) * 25.4 / 72) for v in charter.pages[0].mediabox.upper_right)
    assert (width, height) == (297, 210)  # A4 landscape
    fonts = {
        str(font["/BaseFont"])
        for page in charter.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    # Only the shipped family ("Doc Serif" in the stylesheet), subset (the "ABCDEF+" prefix).
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+Doc-Serif(-Bold)?", f) for f in fonts)
    letter = PdfReader(issued_decision.letter.path)
    width, height = (round(float(v) * 25.4 / 72) for v in letter.pages[0].mediabox.upper_right)
    assert (width, height) == (210, 297)


def test_annex_orders_by_kind_then_name(admin_user, period, django_capture_on_commit_callbacks):
    from certificates import services
    from certificates.tests.conftest import draft_decision, make_verified

    province = make_institution("92", "Aceh Uji", InstitutionKind.PROVINSI)
    kota = make_institution("92.71", "Kota Alfa", InstitutionKind.KOTA, province=province)
    ministry_b = make_institution("K950", "Kementerian Beta")
    ministry_a = make_institution("K951", "Kementerian Alfa")
    for inst in (kota, province, ministry_b, ministry_a):
        make_verified(inst, period, 3)
    decision = draft_decision(admin_user, period)
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=decision, user=admin_user)
    decision.refresh_from_db()
    text = pdf_text(decision.letter.path)
    annex = text[text.index("LAMPIRAN") :]
    order = [m for m in ("Kementerian Alfa", "Kementerian Beta", "Aceh Uji", "Kota Alfa") if m in annex]
    positions = [annex.index(name) for name in order]
    assert len(order) == 4 and positions == sorted(positions)
