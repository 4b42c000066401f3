"""Transition log entries the code writes are data, worded in the reader's language; the data
migration turns the old English/Indonesian texts into that data."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from assessments.models import AssessmentStatus, TransitionLog

pytestmark = pytest.mark.django_db

migration = importlib.import_module("assessments.migrations.0004_transitionlog_details")


def _log(assessment, to: str, reason: str = "", details: dict | None = None) -> TransitionLog:
    return TransitionLog.objects.create(
        assessment=assessment, from_status="submitted", to_status=to, reason=reason, details=details or {}
    )


def test_return_and_decision_entries_read_in_each_language(assessment):
    returned = _log(assessment, AssessmentStatus.REVISION, "Mohon perbaiki.", {"event": "returned", "codes": ["1.2"]})
    decided = _log(assessment, AssessmentStatus.DECIDED, details={"event": "decided", "number": "1/KEP/2026"})
    assert returned.summary == "Flagged for revision: 1.2 · Mohon perbaiki."
    assert decided.summary == "Decision 1/KEP/2026"
    with translation.override("id"):
        assert returned.summary == "Ditandai untuk perbaikan: 1.2 · Mohon perbaiki."
        assert decided.summary == "Keputusan 1/KEP/2026"


def test_the_migration_turns_old_texts_into_data(assessment):
    resubmitted = _log(
        assessment, AssessmentStatus.SUBMITTED, "Resubmitted: 1.2: level -→3, +rencana.pdf, -simpeg.png, note"
    )
    returned = _log(assessment, AssessmentStatus.REVISION, "Ditandai untuk perbaikan: 1.2, 3.1")
    typed = _log(assessment, AssessmentStatus.REVISION, "Tolong lengkapi bukti dukung.")
    migration.reasons_to_details(apps, None)
    for row in (resubmitted, returned, typed):
        row.refresh_from_db()
    assert resubmitted.reason == "" and resubmitted.details["changes"] == [
        {"code": "1.2", "field": "level", "old": "", "new": "3"},
        {"code": "1.2", "field": "evidence_added", "old": "", "new": "rencana.pdf"},
        {"code": "1.2", "field": "evidence_removed", "old": "simpeg.png", "new": ""},
        {"code": "1.2", "field": "note", "old": "", "new": ""},
    ]
    assert returned.details == {"event": "returned", "codes": ["1.2", "3.1"]} and returned.reason == ""
    assert typed.details == {} and typed.reason == "Tolong lengkapi bukti dukung."
    with translation.override("id"):
        assert resubmitted.summary == (
            "Diajukan ulang dengan perubahan: 1.2: level — → 3, bukti dukung ditambahkan: rencana.pdf, "
            "bukti dukung dihapus: simpeg.png, catatan"
        )
