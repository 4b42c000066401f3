"""Errors a person meets on an Indonesian page are Indonesian: the instrument import's and the
staff account form's (both were English on Indonesian pages). Needs the compiled catalogues
(`make test` compiles them first)."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.instrument.io import instrument_import
from conftest import client_for
from core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_instrument_import_errors_are_indonesian(admin_user):
    document = {"code": "", "name": "Uji", "max_score": "400", "bands": [], "aspects": []}
    with translation.override("id"), pytest.raises(ValidationFailed) as info:
        instrument_import(data=json.dumps(document).encode(), filename="uji.json", user=admin_user)
    text = " ".join([info.value.message, *info.value.errors])
    assert "tidak ada yang diimpor" in info.value.message
    # Sheet names and field keys ("Bands", "code") are the file's own words and stay as they are.
    assert "kolom code: wajib diisi" in text and "paling sedikit satu kategori wajib ada" in text, text
    # The old field name is refused in Indonesian too, never silently dropped.
    assert "kolom max_score: kolom tidak dikenal" in text, text
    assert "required" not in text and "field" not in text, text
    with translation.override("id"), pytest.raises(ValidationFailed) as info:
        instrument_import(data=b"{}", filename="uji.txt", user=admin_user)
    assert "hanya berkas .json dan .xlsx" in info.value.message


def test_account_already_exists_is_indonesian(admin_user, institution, editor):
    client = client_for(admin_user)
    client.cookies["django_language"] = "id"
    response = client.post(
        reverse("institutions:detail", args=[institution.pk]),
        {"full_name": "Budi", "email": editor.email, "nip": "", "role": "editor"},
    )
    assert response.status_code == 200
    assert f"Akun dengan e-mail {editor.email} sudah ada." in response.content.decode()
