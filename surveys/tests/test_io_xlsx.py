"""The questionnaire as .xlsx, and the admin's upload page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import client_for
from core.errors import AccessDenied, ValidationFailed
from surveys.io import (
    FILE_MAX_BYTES,
    questionnaire_document,
    questionnaire_export_json,
    questionnaire_export_xlsx,
    questionnaire_import_file,
)
from surveys.models import Questionnaire


def _workbook(questionnaire):
    return load_workbook(io.BytesIO(questionnaire_export_xlsx(questionnaire)))


def _bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_export_then_import_is_the_same_questionnaire(questionnaire, admin_user):
    before = questionnaire_document(questionnaire)
    workbook = _workbook(questionnaire)
    assert workbook.sheetnames == ["Questionnaire", "Scale", "Dimensions", "Items"]
    items = workbook["Items"]
    assert [c.value for c in items[1]] == ["dimension", "code", "statement", "statement_en", "reverse", "weight"]
    assert items.max_row == 21 and sum(1 for r in items.iter_rows(min_row=2, values_only=True) if r[4] is True) == 3
    assert workbook["Scale"]["C6"].value == "Strongly agree"
    again = questionnaire_import_file(data=_bytes(workbook), filename="q.xlsx", user=admin_user)
    assert questionnaire_document(again) == before
    # And JSON through the same entry point.
    third = questionnaire_import_file(data=questionnaire_export_json(again), filename="q.JSON", user=admin_user)
    assert questionnaire_document(third) == before and Questionnaire.objects.count() == 1


def test_xlsx_typed_by_hand_texts_for_booleans_and_numbers(questionnaire, admin_user):
    workbook = _workbook(questionnaire)
    items = workbook["Items"]
    items["E2"] = "ya"
    items["F2"] = "2"
    workbook["Questionnaire"]["B8"] = "12"  # min_respondents typed as text
    imported = questionnaire_import_file(data=_bytes(workbook), filename="q.xlsx", user=admin_user)
    first = imported.items.order_by("dimension__position", "position").first()
    assert first.reverse is True and str(first.weight.normalize()) == "2" and imported.min_respondents == 12


def test_every_xlsx_error_names_sheet_row_and_column_and_nothing_is_saved(questionnaire, admin_user):
    before = questionnaire_document(questionnaire)
    workbook = _workbook(questionnaire)
    workbook["Dimensions"]["D2"] = 0.5
    workbook["Items"]["B7"] = workbook["Items"]["B2"].value  # a duplicate item code
    workbook["Items"]["E4"] = "maybe"
    workbook["Items"]["A9"] = "D9"  # no such dimension
    workbook["Items"]["G1"] = "colour"
    workbook["Items"]["G3"] = "blue"
    workbook["Scale"]["A3"] = 7
    workbook["Questionnaire"]["B9"] = "many"
    with pytest.raises(ValidationFailed) as caught:
        questionnaire_import_file(data=_bytes(workbook), filename="q.xlsx", user=admin_user)
    errors = "\n".join(caught.value.errors)
    assert "nothing was saved" in caught.value.message
    assert "Sheet Items, row 7, field code: D1.1 appears twice" in errors
    assert "Sheet Items, row 4, field reverse: true or false is required" in errors
    assert "Sheet Items, row 9, field dimension: no dimension D9 on the sheet Dimensions" in errors
    assert "Sheet Items, row 3, field colour: unknown field" in errors
    assert "Sheet Scale, row 3, field point:" in errors
    assert "Sheet Questionnaire, row 9, field min_seconds: a whole number" in errors
    assert "the dimension weights add up to" in errors
    assert questionnaire_document(Questionnaire.objects.get()) == before


def test_missing_sheets_and_columns(questionnaire, admin_user):
    workbook = _workbook(questionnaire)
    del workbook["Scale"]
    workbook["Dimensions"]["D1"] = "bobot"
    with pytest.raises(ValidationFailed) as caught:
        questionnaire_import_file(data=_bytes(workbook), filename="q.xlsx", user=admin_user)
    errors = "\n".join(caught.value.errors)
    assert "Sheet Scale: missing" in errors and "Sheet Dimensions, row 1, field weight: column missing" in errors


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("q.txt", b"hello", "only .json and .xlsx files are accepted"),
        ("q.xlsx", b"PK\x03\x04 not a zip at all", "not a readable .xlsx workbook"),
        ("q.xlsx", b"", "not a readable .xlsx workbook"),
        ("q.json", b"{nope", "not valid JSON"),
        ("q.json", b"[" * 100_000, "not valid JSON"),
        ("q.json", b"x" * (FILE_MAX_BYTES + 1), "larger than 2 MB"),
    ],
)
def test_bad_files_are_refused_with_a_message(questionnaire, admin_user, name, data, message):
    before = questionnaire_document(questionnaire)
    with pytest.raises(ValidationFailed) as caught:
        questionnaire_import_file(data=data, filename=name, user=admin_user)
    assert message in caught.value.message
    assert questionnaire_document(Questionnaire.objects.get()) == before


def test_a_workbook_that_unpacks_to_a_huge_one_is_refused(questionnaire, admin_user):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (30 * 1024 * 1024))
    assert len(out.getvalue()) < FILE_MAX_BYTES
    with pytest.raises(ValidationFailed, match="larger than 20 MB"):
        questionnaire_import_file(data=out.getvalue(), filename="q.xlsx", user=admin_user)


def test_too_many_rows_are_refused(questionnaire, admin_user):
    workbook = _workbook(questionnaire)
    items = workbook["Items"]
    for n in range(1100):
        items.append(["D1", f"X{n}", "Pernyataan", "", False, 1])
    with pytest.raises(ValidationFailed) as caught:
        questionnaire_import_file(data=_bytes(workbook), filename="q.xlsx", user=admin_user)
    assert "Sheet Items: more than 1.000 rows" in "\n".join(caught.value.errors)


def test_only_an_admin_imports(questionnaire, lead):
    with pytest.raises(AccessDenied):
        questionnaire_import_file(data=questionnaire_export_xlsx(questionnaire), filename="q.xlsx", user=lead)


# -- the pages ------------------------------------------------------------------------------------


def _upload(client, component_id, name, data):
    return client.post(
        reverse("surveys:questionnaire_upload", args=[component_id]), {"file": SimpleUploadedFile(name, data)}
    )


def test_the_admin_downloads_and_uploads_a_questionnaire(questionnaire, admin_user):
    client = client_for(admin_user)
    listing = client.get(reverse("surveys:questionnaires")).content.decode()
    assert questionnaire.name in listing and questionnaire.component.instrument.code in listing
    url = reverse("surveys:questionnaire_upload", args=[questionnaire.component_id])
    page = client.get(url).content.decode()
    assert 'id="download-json"' in page and 'id="download-xlsx"' in page and 'id="upload-form"' in page
    xlsx = client.get(reverse("surveys:questionnaire_export_xlsx", args=[questionnaire.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    workbook["Questionnaire"]["B3"] = "Survei pegawai (revisi)"
    response = _upload(client, questionnaire.component_id, "revisi.xlsx", _bytes(workbook))
    assert response.status_code == 302
    assert Questionnaire.objects.get().name == "Survei pegawai (revisi)"
    assert "imported" in client.get(url).content.decode()


def test_the_upload_page_shows_every_error_and_changes_nothing(questionnaire, admin_user):
    client = client_for(admin_user)
    workbook = _workbook(questionnaire)
    workbook["Items"]["E4"] = "maybe"
    before = questionnaire_document(questionnaire)
    for name, data, text in (
        ("q.xlsx", _bytes(workbook), "Sheet Items, row 4, field reverse: true or false is required"),
        ("q.xlsx", b"garbage", "not a readable .xlsx workbook"),
        ("q.pdf", b"%PDF", "only .json and .xlsx files are accepted"),
        ("q.json", b"x" * (FILE_MAX_BYTES + 10), "larger than 2 MB"),
    ):
        response = _upload(client, questionnaire.component_id, name, data)
        assert response.status_code == 200 and text in response.content.decode(), name
    empty = client.post(reverse("surveys:questionnaire_upload", args=[questionnaire.component_id]), {})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    assert questionnaire_document(Questionnaire.objects.get()) == before


def test_a_file_of_another_component_is_refused_on_the_page(questionnaire, admin_user):
    from assessments.models import Component

    other = Component.objects.create(
        instrument=questionnaire.component.instrument, code="survey2", kind="survey", name="Survei 2", weight=0
    )
    response = _upload(client_for(admin_user), other.pk, "q.json", questionnaire_export_json(questionnaire))
    assert "not of this component" in response.content.decode()
    assert Questionnaire.objects.count() == 1


def test_a_questionnaire_in_use_is_not_replaced_from_the_page(survey, admin_user):
    questionnaire = survey.questionnaire
    client = client_for(admin_user)
    url = reverse("surveys:questionnaire_upload", args=[questionnaire.component_id])
    assert (
        'id="in-use"' in client.get(url).content.decode() and 'id="upload-form"' not in client.get(url).content.decode()
    )
    response = _upload(client, questionnaire.component_id, "q.xlsx", questionnaire_export_xlsx(questionnaire))
    assert "in use by a survey" in response.content.decode()
    assert Questionnaire.objects.get().pk == questionnaire.pk


@pytest.fixture
def everyone(admin_user, verifier, other_verifier, lead25, editor25, other_lead, questionnaire):
    return {
        "admin": admin_user,
        "verifier": verifier,
        "other verifier": other_verifier,
        "lead": lead25,
        "editor": editor25,
        "other lead": other_lead,
        "anonymous": None,
    }


@pytest.mark.parametrize("who", ["admin", "verifier", "other verifier", "lead", "editor", "other lead", "anonymous"])
def test_who_may_see_download_and_upload(everyone, who, questionnaire):
    user = everyone[who]
    client = client_for(user) if user else Client()
    before = questionnaire_document(questionnaire)
    admin_only = (
        reverse("surveys:questionnaires"),
        reverse("surveys:questionnaire_upload", args=[questionnaire.component_id]),
    )
    downloads = (
        reverse("surveys:questionnaire_export", args=[questionnaire.pk]),
        reverse("surveys:questionnaire_export_xlsx", args=[questionnaire.pk]),
    )
    for url in admin_only + downloads:
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "login" in response["Location"]
        elif who == "admin" or (url in downloads and "verifier" in who):
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url
    posted = _upload(client, questionnaire.component_id, "q.json", questionnaire_export_json(questionnaire))
    assert posted.status_code == {"admin": 302, "anonymous": 302}.get(who, 403)
    if who != "admin":
        assert Questionnaire.objects.get().pk == questionnaire.pk
    assert questionnaire_document(Questionnaire.objects.get()) == before


def test_an_unknown_or_non_survey_component_is_not_found(questionnaire, admin_user):
    from assessments.models import Component

    maturity = Component.objects.filter(instrument=questionnaire.component.instrument).exclude(kind="survey").first()
    client = client_for(admin_user)
    assert client.get(reverse("surveys:questionnaire_upload", args=[999999])).status_code == 404
    if maturity is not None:
        assert client.get(reverse("surveys:questionnaire_upload", args=[maturity.pk])).status_code == 404
