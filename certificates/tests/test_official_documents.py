"""The documents as a civil servant reads them: Tata Naskah Dinas layout, the issuer stored on the
decision, electronic signatures checked by pyHanko's validator and by the public page, public
links from PUBLIC_BASE_URL, and the DICABUT mark."""

import io
import re
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from certificates import services
from certificates.models import Certificate
from certificates.testing import make_pkcs12
from certificates.tests.conftest import draft_decision, pdf_text, qr_urls
from conftest import client_for

pytestmark = pytest.mark.django_db


def en_client(user=None):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def issue(admin_user, period, capture, **fields):
    decision = draft_decision(admin_user, period)
    if fields:
        services.decision_update(
            decision=decision,
            user=admin_user,
            number=decision.number,
            date=decision.date,
            place=decision.place,
            signatory_name=decision.signatory_name,
            signatory_title=decision.signatory_title,
            **fields,
        )
    with capture(execute=True):
        services.decision_issue(decision=decision, user=admin_user)
    decision.refresh_from_db()
    return decision


# --- Keputusan -------------------------------------------------------------------------------


def test_letter_follows_the_tata_naskah_dinas(admin_user, period, verified_set, django_capture_on_commit_callbacks):
    decision = issue(
        admin_user,
        period,
        django_capture_on_commit_callbacks,
        signatory_nip="197001011995031001",
        copies_to="Presiden Republik Indonesia\nMenteri PANRB",
    )
    text = pdf_text(decision.letter.path)
    flat = re.sub(r"\s+", " ", text)
    # Kop, heading, invocation, office.
    assert flat.index("KOMISI APARATUR SIPIL NEGARA") < flat.index("KEPUTUSAN KETUA KOMISI APARATUR SIPIL NEGARA")
    assert "NOMOR 1/KEP.KASN/XI/2026" in flat and "TENTANG" in flat
    assert "DENGAN RAHMAT TUHAN YANG MAHA ESA" in flat
    assert "KETUA KOMISI APARATUR SIPIL NEGARA," in flat
    # Menimbang lettered, Mengingat numbered: the law in force first, never UU 5/2014.
    considering = flat[flat.index("Menimbang") : flat.index("Mengingat")]
    assert [m for m in ("a. bahwa", "b. bahwa", "c. bahwa") if m in considering] == ["a. bahwa", "b. bahwa", "c. bahwa"]
    basis = flat[flat.index("Mengingat") : flat.index("MEMUTUSKAN")]
    assert "1. Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara" in basis
    assert "2. Peraturan Menteri Pendayagunaan" in basis or "2. " in basis
    assert "Nomor 5 Tahun 2014" not in flat and "sebagaimana diubah" not in flat
    # Dictums, place and date, signatory with NIP, tembusan.
    decree = flat[flat.index("MEMUTUSKAN:") : flat.index("LAMPIRAN")]
    assert "Menetapkan : KEPUTUSAN KETUA KOMISI APARATUR SIPIL NEGARA TENTANG PENETAPAN HASIL" in decree
    assert all(ordinal in decree for ordinal in ("KESATU", "KEDUA", "KETIGA"))
    assert "Ditetapkan di Jakarta pada tanggal 22 November 2026" in decree
    assert "Prof. Dr. Uji Penandatangan NIP 197001011995031001" in decree
    assert "Tembusan: 1. Presiden Republik Indonesia; 2. Menteri PANRB." in decree
    # The annex is headed with the decision's reference and signed at its end.
    annex = flat[flat.index("LAMPIRAN") :]
    assert annex.startswith("LAMPIRAN KEPUTUSAN KETUA KOMISI APARATUR SIPIL NEGARA NOMOR : 1/KEP.KASN/XI/2026")
    assert "TANGGAL : 22 NOVEMBER 2026" in annex and "TENTANG : PENETAPAN HASIL PENILAIAN" in annex
    tail = annex[annex.index("Provinsi Uji Coba") :]
    assert "KETUA KOMISI APARATUR SIPIL NEGARA," in tail and "Prof. Dr. Uji Penandatangan" in tail
    pages = len(re.findall(r"Halaman \d+ dari (\d+)", text))
    last = re.findall(r"Halaman \d+ dari (\d+)", text)[-1]
    assert pages == int(last) >= 2


def test_uploaded_emblem_is_stored_on_the_decision(
    admin_user, period, verified_set, django_capture_on_commit_callbacks, settings, tmp_path
):
    from PIL import Image

    emblem = tmp_path / "lambang.png"
    Image.new("RGB", (64, 64), (200, 20, 20)).save(emblem)
    settings.OVERSIGHT_EMBLEM_PATH = str(emblem)
    decision = issue(admin_user, period, django_capture_on_commit_callbacks)
    assert decision.body_emblem.startswith("data:image/png;base64,")
    import subprocess

    listing = subprocess.run(["pdfimages", "-list", decision.letter.path], capture_output=True, text=True, check=True)  # noqa: S607
    assert re.search(r"\b64\s+64\s+rgb\b", listing.stdout)  # the uploaded picture, not the default SVG


def test_a_kasn_decision_stays_kasn_after_the_body_changes(
    admin_user, period, verified_set, django_capture_on_commit_callbacks, settings
):
    decision = issue(admin_user, period, django_capture_on_commit_callbacks)
    assert (decision.body_name, decision.body_short) == ("Komisi Aparatur Sipil Negara", "KASN")
    settings.OVERSIGHT_BODY_NAME = "Badan Kepegawaian Negara"
    settings.OVERSIGHT_BODY_SHORT = "BKN"
    certificate = decision.certificates.get(institution__code="K901")
    assert services.letter_render(decision_id=decision.pk, force=True) == "ready"
    assert services.charter_render(certificate_id=certificate.pk, force=True) == "ready"
    decision.refresh_from_db()
    certificate.refresh_from_db()
    for path in (decision.letter.path, certificate.pdf.path):
        text = pdf_text(path)
        assert "KOMISI APARATUR SIPIL NEGARA" in text and "BADAN KEPEGAWAIAN" not in text
    page = en_client().get(reverse("certificates:verify", args=[certificate.serial])).content.decode()
    status = page[page.index('id="verify-status"') :]
    status = status[: status.index("</div>")]
    assert "issued by Komisi Aparatur Sipil Negara" in status and "Badan Kepegawaian" not in status


# --- electronic signature --------------------------------------------------------------------


@pytest.fixture
def signing_certificate(settings, tmp_path):
    from certificates import signing

    path, ca = make_pkcs12(tmp_path)
    settings.DOCUMENT_SIGNING_PKCS12 = str(path)
    settings.DOCUMENT_SIGNING_PASSWORD = "rahasia"
    signing._signer.cache_clear()
    yield ca
    signing._signer.cache_clear()


def pyhanko_status(path: str, ca):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    with open(path, "rb") as handle:
        reader = PdfFileReader(handle)
        assert len(reader.embedded_signatures) == 1
        return validate_pdf_signature(
            reader.embedded_signatures[0], ValidationContext(trust_roots=[root], allow_fetching=False)
        )


def test_issued_letter_and_charters_are_signed_and_validate(
    admin_user, period, verified_set, django_capture_on_commit_callbacks, signing_certificate
):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    decision = issue(admin_user, period, django_capture_on_commit_callbacks)
    assert decision.letter_signed
    documents = [decision.letter.path] + [c.pdf.path for c in decision.certificates.all()]
    for path in documents:
        status = pyhanko_status(path, signing_certificate)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        assert status.signing_cert.subject.native["common_name"] == "Ketua Komisi Uji"
        flat = re.sub(r"\s+", " ", pdf_text(path))
        assert "ditandatangani secara elektronik menggunakan sertifikat elektronik" in flat
        assert f"{settings.PUBLIC_BASE_URL}/v/" in flat
        assert "TIDAK DITANDATANGANI" not in flat


def test_without_a_certificate_documents_say_they_are_not_signed(
    admin_user, period, verified_set, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    decision = issue(admin_user, period, django_capture_on_commit_callbacks)
    assert not decision.letter_signed
    for path in [decision.letter.path, decision.certificates.first().pdf.path]:
        assert "TIDAK DITANDATANGANI SECARA ELEKTRONIK" in pdf_text(path)
        assert "/Sig" not in str(PdfReader(path).trailer["/Root"].get("/AcroForm", {}))


def test_public_page_checks_an_uploaded_copy(
    admin_user, period, verified_set, django_capture_on_commit_callbacks, signing_certificate
):
    decision = issue(admin_user, period, django_capture_on_commit_callbacks)
    certificate = decision.certificates.get(institution__code="K901")
    url = reverse("certificates:verify_file")

    def upload(data: bytes, name: str = "piagam.pdf") -> str:
        file = io.BytesIO(data)
        file.name = name
        return en_client().post(url, {"file": file}).content.decode()

    original = Path(certificate.pdf.path).read_bytes()
    page = upload(original)
    assert "This file is the one we issued." in page and certificate.serial in page
    assert "The electronic signature is valid." in page and "Ketua Komisi Uji" in page

    letter = Path(decision.letter.path).read_bytes()
    page = upload(letter, "keputusan.pdf")
    assert "This file is the one we issued." in page and "1/KEP.KASN/XI/2026" in page

    # One byte of the signed content changed: neither the same file nor an intact signature.
    position = original.index(b"/MediaBox")
    altered = original[:position] + b"/MediaBoX" + original[position + 9 :]
    page = upload(altered)
    assert "This file is not one we issued, or it was altered." in page
    assert "The electronic signature is not valid." in page

    # Something appended after signing (an incremental update): the file differs, the signature
    # no longer covers the whole file.
    page = upload(original + b"\n% added later\n")
    assert "This file is not one we issued, or it was altered." in page
    assert "The electronic signature is valid." not in page

    response = en_client().post(url, {"file": io.BytesIO(b"not a pdf")})
    assert response.status_code == 400
    assert "This is not a PDF file." in response.content.decode() or "submitted" in response.content.decode()


# --- public links ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_charter_qr_opens_the_page_on_the_port_the_app_serves(
    live_server, admin_user, period, verified_set, django_capture_on_commit_callbacks, settings, tmp_path
):
    assert not live_server.url.endswith(":8000")
    settings.PUBLIC_BASE_URL = live_server.url
    decision = issue(admin_user, period, django_capture_on_commit_callbacks)
    certificate = decision.certificates.get(institution__code="K901")
    [url] = qr_urls(certificate.pdf.path, tmp_path)
    assert url == f"{live_server.url}/v/{certificate.serial}/"
    request = urllib.request.Request(url, headers={"Accept-Language": "en", "Cookie": "django_language=en"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        page = response.read().decode()
    assert "Kementerian Uji Coba" in page and certificate.serial in page and "Valid" in page


def test_make_run_passes_the_address_it_serves_on():
    import subprocess

    dry = subprocess.run(
        ["make", "-n", "run", "HOST=127.0.0.1:8123"],  # noqa: S607
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PUBLIC_BASE_URL": ""},
    ).stdout
    line = next(line for line in dry.splitlines() if "runserver" in line)
    assert 'PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:8123}"' in line
    assert line.rstrip().endswith("runserver 127.0.0.1:8123")


def test_production_refuses_to_start_without_a_public_base_url():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    env.update(DJANGO_PRODUCTION="1", SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="meritsys.settings")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "PUBLIC_BASE_URL" in result.stderr


# --- revocation ------------------------------------------------------------------------------


def test_revoked_charter_carries_dicabut_and_reinstatement_removes_it(
    admin_user, issued_decision, django_capture_on_commit_callbacks
):
    certificate = issued_decision.certificates.get(institution__code="K902")
    before = pdf_text(certificate.pdf.path)
    assert "DICABUT" not in before
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=certificate, user=admin_user, reason="Data tidak benar")
    certificate.refresh_from_db()
    revoked = re.sub(r"\s+", " ", pdf_text(certificate.pdf.path))
    assert "DICABUT" in revoked and certificate.serial in revoked
    from core import formatting

    assert f"pada tanggal {formatting.date(certificate.revoked_at, language='id')}" in revoked
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_reinstate(certificate=certificate, user=admin_user, reason="Data sudah dikoreksi")
    certificate.refresh_from_db()
    assert "DICABUT" not in pdf_text(certificate.pdf.path)
    page = en_client().get(reverse("certificates:verify", args=[certificate.serial])).content.decode()
    assert "reinstated on" in page and "Data sudah dikoreksi" in page
    assert Certificate.objects.get(pk=certificate.pk).serial == certificate.serial
