import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from assessments.models import ComponentValue, Score
from assessments.scoring.components import component_value_set
from core.errors import AccessDenied, InvalidTransition, NotFound, ValidationFailed
from surveys import services
from surveys.models import Response, Survey, SurveyEvent, SurveyStatus
from surveys.tests.conftest import aged_token, answers_for, submit


def test_only_the_lead_opens_and_the_sample_follows_slovin(assessment25, lead25, editor25):
    with pytest.raises(AccessDenied):
        services.survey_open(assessment=assessment25, user=editor25, population=1000)
    survey = services.survey_open(
        assessment=assessment25, user=lead25, population=1000, units=[("Biro Umum", 400), ("Biro SDM", 600)]
    )
    assert survey.sample_target == 286
    assert [(u.name, u.population) for u in survey.units.all()] == [("Biro Umum", 400), ("Biro SDM", 600)]
    assert len(survey.public_id) >= 16 and len(survey.salt) == 64
    with pytest.raises(InvalidTransition):
        services.survey_open(assessment=assessment25, user=lead25, population=1000)


def test_units_must_add_up(assessment25, lead25):
    with pytest.raises(ValidationFailed, match="add up to"):
        services.survey_open(assessment=assessment25, user=lead25, population=1000, units=[("A", 10)])
    assert not Survey.objects.exists()


def test_a_response_is_stored_anonymously_and_counted(survey):
    response = submit(survey, address="203.0.113.99", agent="SecretAgent/1.0")
    survey.refresh_from_db()
    assert survey.responses_count == 1 and survey.flagged_count == 0
    assert response.submitted_on == timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(r)::text FROM surveys_response r")
        (row,) = cursor.fetchone()
    assert "203.0.113.99" not in row and "SecretAgent" not in row
    field_names = {f.name for f in Response._meta.get_fields()}
    assert not field_names & {"ip", "address", "user_agent", "user", "name", "submitted_at", "created_at"}


def test_replay_forgery_and_bad_values_store_nothing(survey):
    token = aged_token(survey)
    submit(survey, token=token)
    with pytest.raises(services.Replayed):
        submit(survey, token=token)
    with pytest.raises(services.BadForm):
        submit(survey, token=token[:-3] + "abc")
    with pytest.raises(services.BadForm):
        submit(survey, token="not-a-token")
    raw = answers_for(survey.questionnaire)
    raw[next(iter(raw))] = "9"
    with pytest.raises(ValidationFailed, match="runs from 1 to 5"):
        submit(survey, raw=raw)
    raw[next(iter(raw))] = "-1"
    with pytest.raises(ValidationFailed):
        submit(survey, raw=raw)
    raw.pop(next(iter(raw)))
    with pytest.raises(ValidationFailed, match="1 statement"):
        submit(survey, raw=raw)
    with pytest.raises(ValidationFailed, match="unit"):
        submit(survey, unit="999999")
    assert Response.objects.count() == 1
    survey.refresh_from_db()
    assert survey.responses_count == 1


def test_a_form_of_another_survey_is_refused(survey, period25, lead25):
    from assessments.periods.services import assessment_get_or_create
    from conftest import make_institution, make_member
    from institutions.models import MembershipRole

    other = make_institution("K952", "Kementerian Lain Survei")
    other_lead = make_member(other, MembershipRole.LEAD, "lead2@survey.local")
    other_survey = services.survey_open(
        assessment=assessment_get_or_create(institution=other, period=period25), user=other_lead, population=50
    )
    with pytest.raises(services.BadForm):
        submit(survey, token=aged_token(other_survey))
    assert not Response.objects.exists()


def test_closed_or_unknown_survey(survey, period25):
    with pytest.raises(NotFound):
        services.response_submit(public_id="nope", token="", raw_answers={}, unit="", address="x", user_agent="y")
    window = period25.survey_window
    window.opens_on = window.closes_on = timezone.localdate() - dt.timedelta(days=3)
    window.save()
    with pytest.raises(services.SurveyClosed):
        submit(survey)
    assert not Response.objects.exists()


def test_flags_too_fast_straight_lined_duplicate(survey):
    fast = submit(survey, seconds=5, address="10.0.0.1")
    flat = submit(survey, values=(3,), address="10.0.0.2")
    first = submit(survey, address="10.0.0.3", agent="Same")
    again = submit(survey, address="10.0.0.3", agent="Same")
    assert (fast.too_fast, fast.straight_lined, fast.duplicate) == (True, False, False)
    assert (flat.too_fast, flat.straight_lined, flat.duplicate) == (False, True, False)
    assert not first.duplicate and again.duplicate
    survey.refresh_from_db()
    assert survey.flagged_count == 3


def test_closing_drops_the_salt_and_every_hash(survey, lead25):
    submit(survey)
    services.survey_close(survey=survey, user=lead25)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED and survey.salt == ""
    assert not Response.objects.exclude(device_hash="").exists()
    with pytest.raises(services.SurveyClosed):
        submit(survey)


def test_closing_is_due_after_the_window(survey, period25):
    assert services.surveys_close_due(today=period25.survey_window.closes_on) == 0
    assert services.surveys_close_due(today=period25.survey_window.closes_on + dt.timedelta(days=1)) == 1


def _survey_component(survey):
    return survey.questionnaire.component


def test_the_value_stays_pending_until_the_sample_is_met(survey):
    # Population 12 → sample 12 (Slovin), minimum of respondents 10.
    for n in range(11):
        submit(survey, address=f"10.1.0.{n}")
    services.survey_result_compute(survey_id=survey.pk)
    assert not ComponentValue.objects.filter(assessment=survey.assessment).exists()
    submit(survey, address="10.1.0.99")
    services.survey_result_compute(survey_id=survey.pk)
    value = ComponentValue.objects.get(assessment=survey.assessment, component=_survey_component(survey))
    # Answers cycle 4, 2, 5, 3 over items in order; hand-computed below from the reference file.
    assert value.value == survey.__class__.objects.get(pk=survey.pk).result_value
    assert Decimal(0) < value.value < Decimal(1)


def test_value_hand_computed(survey, django_capture_on_commit_callbacks):
    # Everyone answers 4 everywhere but a 2 on each reverse item would be straight-lined; use
    # 4 on normal items and 2 on reverse ones: every item scores 0,75, so the value is 0,75.
    reverse = set(survey.questionnaire.items.filter(reverse=True).values_list("code", flat=True))
    raw = {code: ("2" if code in reverse else "4") for code in answers_for(survey.questionnaire)}
    for n in range(12):
        submit(survey, raw=dict(raw), address=f"10.2.0.{n}")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.survey_result_compute(survey_id=survey.pk) == Decimal("0.75")
    assert ComponentValue.objects.get(assessment=survey.assessment).value == Decimal("0.75")
    score = Score.objects.get(assessment=survey.assessment, basis="self")
    survey_part = next(c for c in score.components if c["kind"] == "survey")
    assert Decimal(survey_part["value"]) == Decimal("0.75")
    assert Decimal(survey_part["contribution"]) == Decimal("0.1875")


def test_shortfall_accepted_by_the_admin_with_a_reason(survey, admin_user, lead25, django_capture_on_commit_callbacks):
    for n in range(10):
        submit(survey, address=f"10.3.0.{n}")
    with pytest.raises(AccessDenied):
        services.shortfall_accept(survey=survey, user=lead25, reason="x")
    with pytest.raises(ValidationFailed):
        services.shortfall_accept(survey=survey, user=admin_user, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.shortfall_accept(survey=survey, user=admin_user, reason="Banyak pegawai cuti bersama")
    assert ComponentValue.objects.filter(assessment=survey.assessment).exists()
    event = SurveyEvent.objects.get(survey=survey, kind="shortfall")
    assert event.reason == "Banyak pegawai cuti bersama" and event.actor == admin_user


def test_the_verifier_excludes_flagged_responses_with_a_reason(
    survey, verifier, other_verifier, django_capture_on_commit_callbacks
):
    survey.assessment.verifiers.add(verifier)
    for n in range(12):
        submit(survey, address=f"10.4.0.{n}")
    submit(survey, values=(5,), address="10.4.9.9")
    with pytest.raises(AccessDenied):
        services.responses_exclude(survey=survey, user=other_verifier, flags=["straight_lined"], reason="r")
    with django_capture_on_commit_callbacks(execute=True):
        count = services.responses_exclude(
            survey=survey, user=verifier, flags=["straight_lined"], reason="Jawaban seragam"
        )
    assert count == 1
    survey.refresh_from_db()
    assert survey.excluded_count == 1 and survey.counted == 12 and survey.result_counted == 12
    assert SurveyEvent.objects.get(kind="excluded").reason == "Jawaban seragam"
    with pytest.raises(ValidationFailed, match="No counted response"):
        services.responses_exclude(survey=survey, user=verifier, flags=["straight_lined"], reason="again")


def test_hand_entry_is_refused_once_the_survey_runs_here(survey, admin_user):
    with pytest.raises(InvalidTransition, match="runs its staff survey in meritsys"):
        component_value_set(
            assessment=survey.assessment, component_code="survey", raw_value="0,8", note="", user=admin_user
        )
    # The bonus is still entered by hand.
    component_value_set(
        assessment=survey.assessment, component_code="bonus", raw_value="0,01", note="", user=admin_user
    )


def test_opening_replaces_a_hand_entered_value(assessment25, lead25, admin_user):
    component_value_set(assessment=assessment25, component_code="survey", raw_value="0,8", note="", user=admin_user)
    services.survey_open(assessment=assessment25, user=lead25, population=12)
    assert not ComponentValue.objects.filter(assessment=assessment25, component__code="survey").exists()


def test_database_totals_match_the_answers_and_skip_excluded(survey):
    from surveys.aggregate import totals_by_survey
    from surveys.domain import Totals

    submit(survey, values=(1, 5), address="10.6.0.1")
    submit(survey, values=(2, 3, 4), address="10.6.0.2")
    excluded = submit(survey, values=(5,), address="10.6.0.3")
    Response.objects.filter(pk=excluded.pk).update(excluded=True)
    expected = Totals.empty()
    for answers in Response.objects.filter(excluded=False).values_list("answers", flat=True):
        expected.add(answers)
    got = totals_by_survey([survey.pk])[survey.pk]
    assert (got.sums, got.counts, got.responses) == (expected.sums, expected.counts, 2)
    assert totals_by_survey()[survey.pk].sums == expected.sums


def test_the_lead_is_reminded_once_when_the_close_date_nears_below_target(
    survey, period25, editor25, django_capture_on_commit_callbacks, mailoutbox
):
    closes = period25.survey_window.closes_on
    assert services.survey_reminders_queue(today=closes - dt.timedelta(days=4)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.survey_reminders_queue(today=closes - dt.timedelta(days=3)) == 1
    assert [m.to for m in mailoutbox] == [["lead@survey.local"]]
    assert "Kementerian Survei" in mailoutbox[0].subject
    assert "0 dari sampel minimum 12" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert services.survey_reminders_queue(today=closes - dt.timedelta(days=2)) == 0
    assert len(mailoutbox) == 1


def test_no_reminder_once_the_sample_is_met(survey, period25):
    for n in range(12):
        submit(survey, address=f"10.7.0.{n}")
    assert services.survey_reminders_queue(today=period25.survey_window.closes_on) == 0
