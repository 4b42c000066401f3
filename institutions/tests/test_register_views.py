"""The register pages: who may use them, bad files, preview and apply, and history after a rename."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from certificates.tests.conftest import pdf_text
from conftest import client_for
from institutions import selectors
from institutions.models import Institution, RegisterChange, RegisterUpload
from institutions.register_file import MAX_BYTES, write_csv, write_xlsx
from institutions.services import period_coverage_snapshot

pytestmark = pytest.mark.django_db

HEADER = "code,name,short_name,kind,province_code,region,target_group,separately_assessed,predecessors\n"


def csv_file(text: str, name: str = "register.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client, file, effective_on: str = "2026-10-21"):
    return client.post("/institutions/register/", {"file": file, "effective_on": effective_on})


def renamed_register() -> str:
    records = selectors.register_export_records()
    for r in records:
        if r["code"] == "K901":
            r["name"] = "Kementerian Uji Coba Baru"
    return write_csv(records)


@pytest.mark.parametrize("role", ["anonymous", "verifier", "editor", "lead", "other_lead", "admin"])
def test_register_pages_are_for_admins_only(users, institution, role):
    client = client_for(users[role])
    stored = RegisterUpload.objects.create(
        rows=[], filename="x.csv", effective_on="2026-10-21", uploaded_by=users["admin"]
    )
    urls = [
        "/institutions/register/",
        "/institutions/register/export.csv",
        "/institutions/register/export.xlsx",
        f"/institutions/register/uploads/{stored.pk}/",
    ]
    for url in urls:
        response = client.get(url)
        if role == "admin":
            assert response.status_code == 200, url
        elif role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
    for url in ("/institutions/register/", f"/institutions/register/uploads/{stored.pk}/"):
        response = client.post(url, {})
        if role == "anonymous":
            assert response.status_code == 302
        elif role != "admin":
            assert response.status_code == 403
    assert not RegisterChange.objects.exists()


def test_export_writes_the_upload_columns(users, institution, other_institution):
    client = client_for(users["admin"])
    text = client.get("/institutions/register/export.csv").content.decode()
    assert text.startswith(HEADER) and "K901,Kementerian Uji Coba" in text
    book = load_workbook(io.BytesIO(client.get("/institutions/register/export.xlsx").content))
    assert [c.value for c in book.active[1]][:3] == ["code", "name", "short_name"]
    assert client.get("/institutions/register/export.pdf").status_code == 404


@pytest.mark.parametrize(
    "file, message",
    [
        (csv_file("kode,nama\nK1,X\n"), "lacks the column"),
        (csv_file(HEADER + "K1,,X,KEMENTERIAN,,I,KL,1,\n"), "name is empty"),
        (csv_file(HEADER + "K1,Nama,X,PLANET,,I,KL,1,\n"), "unknown kind"),
        (csv_file(HEADER + "K1,Nama,X,KEMENTERIAN,,I,KL,mungkin,\n"), "separately_assessed"),
        (csv_file(HEADER + "K1,A,,KEMENTERIAN,,I,,,\nK1,B,,KEMENTERIAN,,I,,,\n"), "appears twice"),
        (csv_file(HEADER + "K1,A,,KEMENTERIAN,,I,,,NOPE\n"), "not an active institution"),
        (csv_file(HEADER), "no rows"),
        (SimpleUploadedFile("r.csv", b"\xff\xfe\x00garbage"), "not UTF-8"),
        (SimpleUploadedFile("r.xlsx", b"PK\x03\x04 not really a workbook"), "could not be read"),
        (SimpleUploadedFile("r.pdf", b"%PDF-1.4"), ".csv or .xlsx"),
        (SimpleUploadedFile("r.csv", b"a" * (MAX_BYTES + 10)), "larger than"),
    ],
)
def test_bad_files_get_a_message_and_change_nothing(users, institution, file, message):
    before = list(Institution.objects.values())
    response = upload(client_for(users["admin"]), file)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Institution.objects.values()) == before
    assert not RegisterUpload.objects.exists()


def test_xlsx_upload_previews_like_csv(users, institution):
    records = selectors.register_export_records()
    records[0]["name"] = "Kementerian Dari Excel"
    response = upload(client_for(users["admin"]), SimpleUploadedFile("r.xlsx", write_xlsx(records)))
    assert response.status_code == 302
    page = client_for(users["admin"]).get(response["Location"]).content.decode()
    assert "Kementerian Dari Excel" in page and 'data-change="renamed"' in page


def test_wrong_sheet_contents_are_refused(users, institution):
    book = Workbook()
    book.active.append(["kode", "nama"])
    out = io.BytesIO()
    book.save(out)
    response = upload(client_for(users["admin"]), SimpleUploadedFile("r.xlsx", out.getvalue()))
    assert response.status_code == 400 and "lacks the column" in response.content.decode()


def test_preview_then_apply_once(users, institution, other_institution):
    client = client_for(users["admin"])
    response = upload(client, csv_file(renamed_register()))
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert 'data-change="renamed"' in page and "Kementerian Uji Coba Baru" in page
    assert Institution.objects.get(code="K901").name == "Kementerian Uji Coba"  # nothing written yet
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    response = client.post(preview_url, {"fingerprint": fingerprint}, follow=True)
    assert "Register changed" in response.content.decode()
    assert Institution.objects.get(code="K901").name == "Kementerian Uji Coba Baru"
    change = RegisterChange.objects.get(kind="renamed")
    assert change.actor == users["admin"] and str(change.effective_on) == "2026-10-21"
    assert change.before["name"] == "Kementerian Uji Coba"
    # A second apply of the same file, or a stale preview, is refused with a message.
    response = client.post(preview_url, {"fingerprint": fingerprint}, follow=True)
    assert "already been applied" in response.content.decode()
    assert RegisterChange.objects.count() == 1
    response = client.post(preview_url, {"fingerprint": "short"}, follow=True)
    assert response.status_code == 200


def test_stale_preview_is_refused(users, institution):
    client = client_for(users["admin"])
    preview_url = upload(client, csv_file(renamed_register()))["Location"]
    page = client.get(preview_url).content.decode()
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    Institution.objects.filter(code="K901").update(short_name="Diubah")
    response = client.post(preview_url, {"fingerprint": fingerprint}, follow=True)
    assert "changed after this preview" in response.content.decode()
    assert Institution.objects.get(code="K901").name == "Kementerian Uji Coba"


def test_renamed_institution_keeps_its_old_name_on_issued_documents_and_profile(
    users, institution, period, verified_set, issued_decision, django_capture_on_commit_callbacks
):
    """Done when: the past results of a renamed institution still show the name they had."""
    from certificates import services as certificate_services

    # The period's register as it opened (as period_save records it); the decision is issued.
    period_coverage_snapshot(period=period)
    client = client_for(users["admin"])
    preview_url = upload(client, csv_file(renamed_register()))["Location"]
    page = client.get(preview_url).content.decode()
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    client.post(preview_url, {"fingerprint": fingerprint})
    institution.refresh_from_db()
    assert institution.name == "Kementerian Uji Coba Baru"
    # Re-rendering the issued letter and charter prints the name of the period.
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.letter_render(decision_id=issued_decision.pk, force=True)
        certificate = issued_decision.certificates.get(institution=institution)
        certificate_services.charter_render(certificate_id=certificate.pk, force=True)
    issued_decision.refresh_from_db()
    letter = pdf_text(issued_decision.letter.path)
    assert "Kementerian Uji Coba" in letter and "Kementerian Uji Coba Baru" not in letter
    certificate.refresh_from_db()
    charter = pdf_text(certificate.pdf.path)
    assert "Kementerian Uji Coba" in charter and "Baru" not in charter
    # The profile: today's name on top, the name of the time in the history, and the rename.
    page = client.get(f"/institutions-profile/{institution.pk}/").content.decode()
    assert '<h1 class="h3">Kementerian Uji Coba Baru</h1>' in page
    history = page[page.index('id="history-table"') :]
    assert '<td class="small">Kementerian Uji Coba</td>' in history
    assert 'id="lineage"' in page
    # The public verification page names the charter's holder as issued.
    verify = client.get(f"/v/{certificate.serial}/").content.decode()
    assert "Kementerian Uji Coba Baru" not in verify and "Kementerian Uji Coba" in verify


def test_register_pages_query_count_is_constant(users, institution, django_assert_max_num_queries):
    from conftest import make_institution

    client = client_for(users["admin"])
    preview_url = upload(client, csv_file(renamed_register()))["Location"]
    for n in range(40):
        make_institution(f"X{n:03}", f"Lembaga {n}")
    with django_assert_max_num_queries(12):
        assert client.get("/institutions/register/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(preview_url).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/institutions/register/export.csv").status_code == 200


def test_register_page_in_indonesian(users, institution):
    client = client_for(users["admin"])
    client.cookies["django_language"] = "id"
    page = client.get("/institutions/register/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Unggah register yang diubah" in page


def test_xlsx_codes_typed_as_numbers_keep_their_digits(users, institution):
    from institutions.register_file import read_xlsx

    book = Workbook()
    book.active.append(["code", "name", "kind", "province_code"])
    book.active.append([32, "Pemerintah Provinsi Jawa Barat", "PROVINSI", None])
    book.active.append([32.10, "Pemerintah Kabupaten Majalengka", "KABUPATEN", 32])
    out = io.BytesIO()
    book.save(out)
    rows = read_xlsx(out.getvalue())
    assert [(r.code, r.province_code) for r in rows] == [("32", ""), ("32.10", "32")]
