"""The letter's annex shows each component of a 19/2025 value apart (maturity, staff survey, bonus)."""

from decimal import Decimal

from assessments.models import Assessment, Score
from certificates import documents
from certificates.selectors import AnnexEntry, annex_part_labels, annex_rows
from institutions.models import Institution


def _entry(components, total="0.7975"):
    institution = Institution(code="X1", name="Pemerintah Kabupaten Contoh", kind="KABUPATEN")
    score = Score(total=Decimal(total), category_name="Menengah", components=components)
    return AnnexEntry(assessment=Assessment(institution=institution), score=score, charter=False)


COMPONENTS = [
    {"code": "maturity", "kind": "maturity", "name": "Kematangan", "value": "0.8", "weight": "0.75"},
    {"code": "survey", "kind": "survey", "name": "Survei pegawai", "value": "0.79", "weight": "0.25"},
    {"code": "bonus", "kind": "bonus", "name": "Nilai tambah", "value": None, "weight": "1"},
]


def test_a_multi_component_annex_has_a_column_per_component():
    entries = [_entry(COMPONENTS)]
    assert annex_part_labels(entries) == ("Kematangan", "Survei pegawai", "Nilai tambah")
    (row,) = annex_rows(entries, places=2)
    assert row.parts == ("0,80", "0,79", "—") and row.score == "0,79"
    html = documents.letter_html(
        documents.LetterData(
            issuer=documents.Issuer(
                body_name="B", body_short="B", address="", emblem="", verify_url="https://x/v/", signed=False
            ),
            signatory=documents.Signatory(office="T", name="S"),
            number="1",
            date="1 Desember 2026",
            place="Jakarta",
            period_name="P",
            rows=[row],
            part_labels=annex_part_labels(entries),
            result_label="NISM",
        )
    )
    assert "<th>Survei pegawai</th>" in html and '<td class="score">0,79</td>' in html


def test_a_single_component_annex_has_no_extra_columns():
    entries = [_entry([COMPONENTS[0]], total="320")]
    assert annex_part_labels(entries) == ()
    assert annex_rows(entries, places=2)[0].parts == ()
