"""Deadline reminders with the clock moved: exactly which digests go out on which day."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from assessments.models import Assessment, Clarification, Objection, ReminderDigest
from assessments.reminders import deadline_extend, reminders_send
from assessments.self_assessment import services as self_services
from assessments.verification import services as verification
from core.errors import AccessDenied, ValidationFailed

# Thursday 3 December 2026, 07.00 in Jakarta.
START = dt.datetime(2026, 12, 3, 0, 0, tzinfo=dt.UTC)


def _at(day: int) -> dt.datetime:
    return START.replace(day=day)


@pytest.fixture
def deadlines(verification_started, verifier, lead):
    answers = list(verification_started.answers.select_related("assessment__period", "indicator").order_by("pk"))
    with time_machine.travel(START, tick=False):
        clarification = verification.clarification_ask(
            answer=answers[0], user=verifier, question="Mohon SK terbaru", due_date=dt.date(2026, 12, 10)
        )
    objection = Objection.objects.create(
        answer=answers[1], reason="Level terlalu rendah", filed_by=lead, due_date=dt.date(2026, 12, 14)
    )
    return {"clarification": clarification, "objection": objection, "assessment": verification_started}


def _day(day: int, capture) -> dict[str, str]:
    """Run the daily job on 2026-12-<day>; who got a digest, and its subject."""
    mail.outbox.clear()
    with time_machine.travel(_at(day), tick=False), capture(execute=True):
        reminders_send()
    return {m.to[0]: str(m.subject) for m in mail.outbox}


def test_which_mails_go_out_on_which_day(deadlines, lead, editor, verifier, django_capture_on_commit_callbacks):
    institution = {lead.email, editor.email}
    sent = {day: _day(day, django_capture_on_commit_callbacks) for day in range(4, 16)}
    # The clarification (due 10 December) from two days before; the objection (due 14 December) too.
    assert {day for day, mails in sent.items() if lead.email in mails} == set(range(8, 16))
    assert {day for day, mails in sent.items() if verifier.email in mails} == {12, 13, 14, 15}
    assert all(set(sent[day]) == institution for day in (8, 9, 10, 11))
    assert sent[9][lead.email] == "Pengingat: batas waktu yang mendekat"
    assert sent[11][lead.email] == "Pengingat: 1 hal melewati batas waktu"
    assert sent[15][verifier.email] == "Pengingat: 1 hal melewati batas waktu"
    assert set(sent[4]) == set()
    # Once a day per person: a second run the same day sends nothing.
    assert _day(15, django_capture_on_commit_callbacks) == {}
    assert ReminderDigest.objects.filter(day=dt.date(2026, 12, 15)).count() == 3


def test_a_digest_lists_every_item_and_an_answer_stops_the_chase(
    deadlines, lead, verifier, django_capture_on_commit_callbacks
):
    Objection.objects.filter(pk=deadlines["objection"].pk).update(due_date=dt.date(2026, 12, 10))
    mail.outbox.clear()
    with time_machine.travel(_at(9), tick=False), django_capture_on_commit_callbacks(execute=True):
        reminders_send()
    body = next(m.body for m in mail.outbox if m.to == [verifier.email])
    assert "Sanggahan atas indikator" in body and "10 Desember 2026" in body
    clarification = Clarification.objects.select_related("answer__assessment").get()
    self_services.clarification_reply(
        clarification=clarification, user=lead, reply="SK terlampir", version=clarification.version
    )
    assert lead.email not in _day(11, django_capture_on_commit_callbacks)


def test_extensions_move_each_kind_of_deadline(
    deadlines, admin_user, verifier, lead, django_capture_on_commit_callbacks
):
    with pytest.raises(AccessDenied):
        deadline_extend(target=deadlines["clarification"], until=dt.date(2026, 12, 20), reason="x", user=verifier)
    with time_machine.travel(START, tick=False):
        with pytest.raises(ValidationFailed, match="reason"):
            deadline_extend(target=deadlines["clarification"], until=dt.date(2026, 12, 20), reason=" ", user=admin_user)
        deadline_extend(target=deadlines["clarification"], until=dt.date(2026, 12, 20), reason="Cuti", user=admin_user)
        deadline_extend(target=deadlines["objection"], until=dt.date(2026, 12, 21), reason="Cuti", user=admin_user)
        with pytest.raises(ValidationFailed, match="returned for revision"):
            deadline_extend(target=deadlines["assessment"], until=dt.date(2026, 12, 21), reason="x", user=admin_user)
    assert Clarification.objects.get().due_date == dt.date(2026, 12, 20)
    # Nothing is chased before two days ahead of the new dates.
    assert _day(15, django_capture_on_commit_callbacks) == {}


def test_returning_sets_the_revision_deadline_and_it_is_chased(
    verification_started, verifier, lead, period, django_capture_on_commit_callbacks
):
    answer = verification_started.answers.order_by("pk").first()
    with time_machine.travel(START, tick=False), django_capture_on_commit_callbacks(execute=True):
        verification.assessment_return(assessment=verification_started, user=verifier, flags={answer.pk: "Belum ttd"})
    returned = Assessment.objects.get(pk=verification_started.pk)
    assert returned.revision_due == dt.date(2026, 12, 17)  # ten working days from Thursday 3 December
    assert lead.email not in _day(14, django_capture_on_commit_callbacks)
    assert lead.email in _day(15, django_capture_on_commit_callbacks)


# --- the admin's deadlines page ---------------------------------------------------------------


def _deadlines_url(assessment) -> str:
    return f"/verification/{assessment.pk}/deadlines/"


def test_the_deadlines_page_lists_what_the_assessment_waits_on_and_moves_a_date(deadlines, admin_user):
    from auditlog.models import LogEntry

    from conftest import client_for

    with time_machine.travel(_at(12), tick=False):
        client = client_for(admin_user)  # signed in on that day (a staff session idles out after 30 minutes)
        page = client.get(_deadlines_url(deadlines["assessment"])).content.decode()
        assert 'id="deadlines"' in page, page[page.find("<main") :][:1500]
        rows = page[page.index('id="deadlines"') :]
        # Earliest first; the clarification (due 10 December) is overdue on the 12th, the objection is not.
        assert rows.index("Clarification on indicator") < rows.index("Objection on indicator")
        assert rows.count("overdue</span>") == 1
        assert "10 December 2026" in rows and "14 December 2026" in rows
        response = client.post(
            _deadlines_url(deadlines["assessment"]),
            {
                "kind": "objection",
                "target": deadlines["objection"].pk,
                "until": "2026-12-18",
                "reason": "Verifikator cuti",
            },
            follow=True,
        )
    assert "Due date moved to 18 December 2026." in response.content.decode()
    assert Objection.objects.get().due_date == dt.date(2026, 12, 18)
    entry = LogEntry.objects.filter(additional_data__event="deadline_extended").get()
    assert entry.actor == admin_user and entry.additional_data["reason"] == "Verifikator cuti"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"until": "2026-12-01", "reason": "Cuti"}, "cannot end in the past"),
        ({"until": "2026-12-20", "reason": ""}, "This field is required"),
        ({"until": "31/02/2027", "reason": "Cuti"}, "Enter a valid date"),
        ({"until": "2026-12-20", "reason": "x" * 2001}, "at most"),
    ],
)
def test_a_bad_extension_is_refused_plainly_and_changes_nothing(deadlines, admin_user, data, message):
    from conftest import client_for

    with time_machine.travel(START, tick=False):
        response = client_for(admin_user).post(
            _deadlines_url(deadlines["assessment"]),
            {"kind": "clarification", "target": deadlines["clarification"].pk, **data},
        )
    assert response.status_code == 400 and message in response.content.decode()
    assert Clarification.objects.get().due_date == dt.date(2026, 12, 10)


def test_a_deadline_of_another_assessment_cannot_be_moved_through_this_one(deadlines, admin_user, other_lead, period):
    from assessments.periods.services import assessment_get_or_create
    from conftest import client_for

    other = assessment_get_or_create(institution=other_lead.membership.institution, period=period)
    with time_machine.travel(START, tick=False):
        response = client_for(admin_user).post(
            _deadlines_url(other),
            {"kind": "clarification", "target": deadlines["clarification"].pk, "until": "2026-12-20", "reason": "x"},
        )
    assert response.status_code == 400 and "no longer open" in response.content.decode()
    assert Clarification.objects.get().due_date == dt.date(2026, 12, 10)


def test_only_the_admin_moves_dates(deadlines, verifier, lead):
    from conftest import client_for

    assert client_for(verifier).get(_deadlines_url(deadlines["assessment"])).status_code == 403
    assert client_for(lead).get(_deadlines_url(deadlines["assessment"])).status_code in (403, 404)


def test_the_deadlines_page_in_indonesian(deadlines, admin_user, indonesian):
    from conftest import client_for

    with time_machine.travel(_at(12), tick=False):
        page = client_for(admin_user).get(_deadlines_url(deadlines["assessment"])).content.decode()
    assert "Batas waktu" in page and "10 Desember 2026" in page and "terlambat" in page
