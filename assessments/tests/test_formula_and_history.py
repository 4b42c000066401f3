"""Instrument exports carry no live formula; the answer history pages instead of cutting off."""

import io
import json

import pytest
from openpyxl import load_workbook

from assessments.instrument.io import instrument_document, instrument_export_xlsx, instrument_import
from assessments.models import AnswerHistory
from conftest import client_for

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","klik")'


def test_instrument_xlsx_has_no_formula_and_round_trips(instrument):
    doc = instrument_document(instrument)
    doc["code"] = "FORMULA-1"
    doc["name"] = FORMULA
    for aspect in doc["aspects"]:
        for indicator in aspect["indicators"]:
            indicator["statement"] = FORMULA
            indicator["guidance"] = "+62 21 " + indicator["guidance"]
    imported = instrument_import(data=json.dumps(doc).encode(), filename="f.json", user=None)
    data = instrument_export_xlsx(imported)
    workbook = load_workbook(io.BytesIO(data))
    formulas = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    statements = [row[3] for row in workbook["Indicators"].iter_rows(min_row=2, values_only=True)]
    assert statements and all(s == "'" + FORMULA for s in statements)
    for row in workbook["Instrument"].iter_rows(min_row=2):
        if row[0].value == "code":
            row[1].value = "FORMULA-2"
    out = io.BytesIO()
    workbook.save(out)
    copy = instrument_import(data=out.getvalue(), filename="f.xlsx", user=None)
    assert copy.name == FORMULA
    assert {i.statement for i in copy.aspects.first().indicators.all()} == {FORMULA}


def test_answer_history_pages_through_every_change(verification_started, verifier):
    answer = verification_started.answers.order_by("pk").first()
    AnswerHistory.objects.bulk_create(
        AnswerHistory(answer=answer, user=verifier, field="self_note", old_value=str(n), new_value=f"catatan-{n:04d}")
        for n in range(603)
    )
    client = client_for(verifier)
    url = f"/verification/{verification_started.pk}/history/"
    first = client.get(url).content.decode()
    assert "Page 1 of" in first
    pages = int(first.split("Page 1 of ")[1].split("<")[0].strip())
    last = client.get(url, {"page": pages}).content.decode()
    assert "catatan-0000" in last
    assert client.get(url, {"page": "abc"}).status_code == 200
