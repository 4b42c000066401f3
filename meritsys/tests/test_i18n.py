"""Indonesian is the first language: every catalogue entry is translated (msgids are English,
so English is complete by construction)."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "institutions", "assessments", "certificates", "dashboards", "audit"]
CATALOGUES = [
    p for p in [ROOT / "locale", *(ROOT / app / "locale" for app in APPS)] if (p / "id/LC_MESSAGES/django.po").exists()
]
CATALOGUES = [p / "id/LC_MESSAGES/django.po" for p in CATALOGUES]


def test_there_are_catalogues_for_the_project_and_apps():
    names = {p.relative_to(ROOT).parts[0] for p in CATALOGUES}
    assert {"locale", "accounts", "institutions", "assessments"} <= names


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_indonesian_catalogue_is_complete(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    # Placeholders must survive translation.
    for entry in po.translated_entries():
        for token in ("%(", "{"):
            if token in entry.msgid and not entry.msgid_plural:
                assert entry.msgid.count(token) == entry.msgstr.count(token), entry.msgid
