"""The Indonesian catalogues speak the glossary (docs/glossary.md): where an English message
names a glossary concept, its Indonesian text uses the chosen term, never a listed variant."""

import re
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest

from meritsys.tests.test_i18n import CATALOGUES, ROOT

GLOSSARY = ROOT / "docs" / "glossary.md"


@dataclass
class Term:
    indonesian: list[str]
    english: list[str]
    variants: list[str]


def _cells(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("·") if part.strip()]


def glossary_terms(text: str) -> list[Term]:
    """The rows of the "Terms" table."""
    section = text.split("## Terms", 1)[1].split("\n## ", 1)[0]
    terms = []
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("|---") or line.startswith("| Indonesian"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 4, line
        terms.append(Term(_cells(cells[0]), _cells(cells[1]), _cells(cells[3])))
    return terms


def _word(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)


def offences(terms: list[Term], msgid: str, msgstr: str) -> list[str]:
    """Variants of a concept the English text names, found in its Indonesian text."""
    found = []
    for term in terms:
        if not term.variants or not any(e.lower() in msgid.lower() for e in term.english):
            continue
        rest = msgstr
        for chosen in sorted(term.indonesian, key=len, reverse=True):
            rest = _word(chosen).sub(" ", rest)
        found += [f"{v!r} (glossary: {' · '.join(term.indonesian)})" for v in term.variants if _word(v).search(rest)]
    return found


def test_the_glossary_has_every_concept_the_issue_named():
    terms = glossary_terms(GLOSSARY.read_text())
    chosen = {t for term in terms for t in term.indonesian}
    assert len(terms) >= 40
    for term in ("level", "ajukan", "nilai verifikasi", "nilai mandiri", "difinalkan", "belum dijawab"):
        assert term in chosen
    for term in ("penanggung jawab", "admin pengawas", "bukti dukung", "minimal Baik"):
        assert term in chosen


def test_the_check_catches_a_variant_and_lets_the_chosen_term_through():
    terms = glossary_terms(GLOSSARY.read_text())
    assert offences(terms, "Check and submit", "Periksa dan kirim")
    assert offences(terms, "not evidenced", "tidak ada bukti")
    assert offences(terms, "Verified score", "Nilai hasil verifikasi")
    assert offences(terms, "Choose a level", "Pilih tingkat")
    assert not offences(terms, "Check and submit", "Periksa dan ajukan")
    assert not offences(terms, "Evidence", "Bukti dukung")
    # "kirim" stays for sending things that are not a submission.
    assert not offences(terms, "Send link", "Kirim tautan")


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_uses_the_glossary_terms(path: Path):
    terms = glossary_terms(GLOSSARY.read_text())
    problems = []
    for entry in polib.pofile(str(path)).translated_entries():
        texts = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            texts = [(entry.msgid_plural, s) for s in entry.msgstr_plural.values()]
        for msgid, msgstr in texts:
            problems += [f"{msgid[:60]!r} → {msgstr[:60]!r}: {o}" for o in offences(terms, msgid, msgstr)]
    assert not problems, "\n".join(problems)
