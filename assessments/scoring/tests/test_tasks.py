"""Score services, tasks, the sweep and recompute_scores (eager tasks: SQLite or PostgreSQL)."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from assessments.models import Assessment, AssessmentStatus, Score, ScoreBasis
from assessments.scoring import services as scoring_services
from assessments.scoring import tasks
from assessments.scoring.tests.helpers import make_assessment, move_to, past, set_levels
from conftest import make_institution
from core import outbox
from core.models import OutboxEntry

S = AssessmentStatus
pytestmark = pytest.mark.django_db


def stored(assessment, basis):
    return Score.objects.get(assessment=assessment, basis=basis)


# --- score_compute -------------------------------------------------------------------------------


def test_score_compute_stores_exact_totals_and_is_idempotent(institution, period):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=3)
    set_levels(assessment, "self_level", {"1.1": 1})  # 12,5 × 1/4 = 3,125 instead of 9,375
    first = scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    again = scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    row = stored(assessment, ScoreBasis.SELF)
    assert Score.objects.filter(assessment=assessment).count() == 1
    # 300 − 6,25: an eighth survives storage exactly.
    assert first.total == again.total == row.total == D("293.75")
    assert row.category_name == "Baik" and row.category_code == "III"
    assert row.index == D("0.734375")  # exact: 293,75 / 400
    assert row.aspect_totals[0] == {"number": 1, "name": "Perencanaan Kebutuhan", "total": "23.75", "max": "40"}
    assert row.missing_count == 0 and row.is_final is False


def test_eighth_totals_survive_storage(institution, period):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=4)
    set_levels(assessment, "self_level", {"1.1": 3})  # 400 − 3,125
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    assert stored(assessment, ScoreBasis.SELF).total == D("396.875")


def test_unanswered_indicators_count_zero_and_are_counted_missing(institution, period):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level={"1.1": 4, "3.2": 2})
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    row = stored(assessment, ScoreBasis.SELF)
    assert row.total == D("22.5")
    assert row.missing_count == 31


def test_final_follows_the_assessment_status(institution, period):
    assessment = make_assessment(institution, period, status=S.IN_VERIFICATION, self_level=3, verified_level=2)
    # A caller saying "final" while verification is still open does not make it final.
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED, final=True)
    assert stored(assessment, ScoreBasis.VERIFIED).is_final is False
    # Finalised by the verifier, the result stays provisional until a decision includes it.
    move_to(assessment, S.VERIFIED)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED, final=True)
    assert stored(assessment, ScoreBasis.VERIFIED).is_final is False
    move_to(assessment, S.DECIDED)
    # A late provisional message after the decision keeps it final.
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED, final=False)
    row = stored(assessment, ScoreBasis.VERIFIED)
    assert row.is_final is True and row.total == D("200")
    # Self scores are never "final".
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF, final=True)
    assert stored(assessment, ScoreBasis.SELF).is_final is False


def test_an_older_computation_never_overwrites_a_newer_one(institution, period):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=3)
    newer = scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    future = timezone.now() + dt.timedelta(minutes=5)
    Score.objects.filter(pk=newer.pk).update(computed_at=future, total=D("1"))
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    row = stored(assessment, ScoreBasis.SELF)
    assert row.total == D("1") and row.computed_at == future


def test_unknown_basis_is_refused(assessment):
    with pytest.raises(ValueError):
        scoring_services.score_compute(assessment_id=assessment.pk, basis="guess")
    with pytest.raises(ValueError):
        scoring_services.score_queue(assessment=assessment, basis="guess")


# --- score_queue ---------------------------------------------------------------------------------


def test_score_queue_waits_for_the_commit(institution, period, django_capture_on_commit_callbacks):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=2)
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.SELF)
        assert not Score.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert stored(assessment, ScoreBasis.SELF).total == D("200")


def test_score_queue_runs_the_task_on_commit(institution, period, django_capture_on_commit_callbacks):
    assessment = make_assessment(institution, period, status=S.IN_VERIFICATION, self_level=4, verified_level=3)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.SELF)
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.VERIFIED)
    assert stored(assessment, ScoreBasis.SELF).total == D("400")
    assert stored(assessment, ScoreBasis.VERIFIED).total == D("300")


def test_broker_down_keeps_the_score_in_the_outbox_until_it_is_back(
    institution, period, monkeypatch, django_capture_on_commit_callbacks
):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=1)

    def broker_down(*args, **kwargs):
        raise KombuOperationalError("connection refused")

    monkeypatch.setattr(outbox.deliver, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.SELF)
    assert not Score.objects.exists()
    entry = OutboxEntry.objects.get(ref=f"assessment:{assessment.pk}")
    assert entry.sent_at is None and entry.done_at is None
    monkeypatch.undo()
    OutboxEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - dt.timedelta(minutes=1))
    assert outbox.outbox_resend() == 1  # the beat job, once the broker is back
    assert stored(assessment, ScoreBasis.SELF).total == D("100")
    assert outbox.outbox_resend() == 0


# --- tasks ---------------------------------------------------------------------------------------


def test_tasks_are_configured_for_at_least_once_delivery():
    for task in (tasks.score_compute_task, tasks.scores_sweep_stale, tasks.scores_recompute_period_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit
        assert OperationalError in task.autoretry_for
        assert Exception not in task.autoretry_for


def test_task_for_a_deleted_assessment_does_nothing():
    assert tasks.score_compute_task.delay(987654, ScoreBasis.SELF).get() is None
    assert not Score.objects.exists()


def test_task_retries_a_transient_error_then_succeeds(institution, period, monkeypatch):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=2)
    real = scoring_services.score_compute
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(scoring_services, "score_compute", flaky)
    # throw=False: let Celery's eager apply() re-run the retry instead of raising Retry.
    result = tasks.score_compute_task.apply(args=[assessment.pk, ScoreBasis.SELF], throw=False)
    assert D(result.get()) == D("200")
    assert len(calls) == 2


def test_task_does_not_retry_a_bug(institution, period, monkeypatch):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=2)
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise ValueError("a bug")

    monkeypatch.setattr(scoring_services, "score_compute", broken)
    with pytest.raises(ValueError):
        tasks.score_compute_task.delay(assessment.pk, ScoreBasis.SELF)
    assert len(calls) == 1


# --- the sweep -----------------------------------------------------------------------------------


def test_sweep_repairs_a_score_left_stale_by_a_skipped_task(institution, period):
    assessment = make_assessment(institution, period, status=S.IN_VERIFICATION, self_level=3, verified_level=3)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
    assert stored(assessment, ScoreBasis.VERIFIED).total == D("300")
    # The verifier lowers 3.2 (max 20) to 1; the score task is never run (lost message).
    set_levels(assessment, "verified_level", {"3.2": 1})
    assert stored(assessment, ScoreBasis.VERIFIED).total == D("300")
    assert scoring_services.scores_stale_ids() == [assessment.pk]
    tasks.scores_sweep_stale.delay().get()
    row = stored(assessment, ScoreBasis.VERIFIED)
    assert row.total == D("290")
    assert row.computed_at >= Assessment.objects.get(pk=assessment.pk).answers_changed_at
    assert scoring_services.scores_stale_ids() == []


def test_sweep_creates_missing_scores_and_leaves_drafts_alone(institution, other_institution, period):
    submitted = make_assessment(institution, period, status=S.SUBMITTED, self_level=2)
    draft = make_assessment(other_institution, period, status=S.DRAFT, self_level=4)
    third = make_assessment(make_institution("K903", "Badan Ketiga"), period, status=S.IN_VERIFICATION, self_level=4)
    set_levels(third, "verified_level", {"8.1": 2})
    written = scoring_services.scores_sweep_stale()
    assert written == 3
    assert stored(submitted, ScoreBasis.SELF).total == D("200")
    assert not Score.objects.filter(assessment=draft).exists()
    assert stored(third, ScoreBasis.SELF).total == D("400")
    verified = stored(third, ScoreBasis.VERIFIED)
    assert verified.total == D("3.75") and verified.missing_count == 32


def test_sweep_repairs_finality_after_a_lost_issue_message(institution, period):
    assessment = make_assessment(institution, period, status=S.IN_VERIFICATION, self_level=3, verified_level=3)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
    move_to(assessment, S.DECIDED)  # the score message of the decision is lost
    assert stored(assessment, ScoreBasis.VERIFIED).is_final is False
    scoring_services.scores_sweep_stale()
    assert stored(assessment, ScoreBasis.VERIFIED).is_final is True


def test_sweep_leaves_fresh_scores_untouched(institution, period):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=3)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    before = stored(assessment, ScoreBasis.SELF).computed_at
    assert scoring_services.scores_sweep_stale() == 0
    assert stored(assessment, ScoreBasis.SELF).computed_at == before


def test_sweep_respects_its_limit(period):
    for k in range(3):
        make_assessment(make_institution(f"L{k}", f"Lembaga {k}"), period, status=S.SUBMITTED, self_level=1)
    assert scoring_services.scores_sweep_stale(limit=2) == 2
    assert scoring_services.scores_sweep_stale(limit=2) == 1
    assert scoring_services.scores_sweep_stale(limit=2) == 0


# --- recompute_scores ----------------------------------------------------------------------------


def fill_period(period, count, offset=0):
    made = []
    for k in range(offset, offset + count):
        made.append(
            make_assessment(
                make_institution(f"R{k}", f"Pemda {k}"),
                period,
                status=S.VERIFIED,
                self_level=1 + k % 4,
                verified_level=1 + (k + 1) % 4,
            )
        )
    return made


def test_recompute_scores_command_rebuilds_a_whole_period(period, other_institution):
    made = fill_period(period, 4)
    draft = make_assessment(other_institution, period)
    Score.objects.create(
        assessment=made[0],
        basis=ScoreBasis.SELF,
        instrument=period.instrument,
        total=D("7"),
        index=0,
        category_code="X",
        category_name="wrong",
        computed_at=past(),
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("recompute_scores", "--period", str(period.pk), stdout=out, stderr=err)
    assert "8 scores recomputed for 5 assessments" in out.getvalue()
    assert Score.objects.count() == 8
    assert not Score.objects.filter(assessment=draft).exists()
    for k, assessment in enumerate(made):
        assert stored(assessment, ScoreBasis.SELF).total == 100 * (1 + k % 4)
        verified = stored(assessment, ScoreBasis.VERIFIED)
        assert verified.total == 100 * (1 + (k + 1) % 4) and verified.is_final is False  # provisional
    assert stored(made[0], ScoreBasis.SELF).category_name == "Buruk"


def test_recompute_scores_command_refuses_an_unknown_period(db):
    with pytest.raises(CommandError, match="no period with id 424242"):
        call_command("recompute_scores", "--period", "424242", stdout=io.StringIO(), stderr=io.StringIO())


def test_recompute_query_count_does_not_grow_with_assessments(period):
    fill_period(period, 2)
    with CaptureQueriesContext(connection) as small:
        scoring_services.scores_recompute_period(period=period)
    fill_period(period, 8, offset=2)
    with CaptureQueriesContext(connection) as large:
        count = scoring_services.scores_recompute_period(period=period)
    assert count.computed == 20 and count.written == 16
    # Per instrument: its structure, scale and components; per chunk: assessments, scores, answers.
    assert len(large.captured_queries) == len(small.captured_queries) <= 12


def test_recompute_period_task(period):
    fill_period(period, 2)
    assert tasks.scores_recompute_period_task.delay(period.pk).get() == 4
    assert tasks.scores_recompute_period_task.delay(999999).get() == 0


def test_recompute_rewrites_a_wrong_row_even_when_fresh_and_leaves_right_rows_alone(period):
    right, wrong = fill_period(period, 2)
    scoring_services.scores_recompute_period(period=period)
    untouched = stored(right, ScoreBasis.SELF).computed_at
    # A scoring bug stored a wrong total after the last answer change: not stale, but wrong.
    Score.objects.filter(assessment=wrong, basis=ScoreBasis.SELF).update(
        total=D("1"), computed_at=timezone.now() + dt.timedelta(minutes=1)
    )
    count = scoring_services.scores_recompute_period(period=period)
    assert count == (4, 1)
    assert stored(wrong, ScoreBasis.SELF).total == D("200")
    assert stored(right, ScoreBasis.SELF).computed_at == untouched


def test_recompute_scores_an_assessment_with_a_missing_answer_row(period):
    (assessment,) = fill_period(period, 1)  # self 1 everywhere, verified 2 everywhere
    assessment.answers.filter(indicator__code="1.1").delete()  # 12,5 points, no row at all
    scoring_services.scores_recompute_period(period=period)
    self_row, verified_row = stored(assessment, ScoreBasis.SELF), stored(assessment, ScoreBasis.VERIFIED)
    assert self_row.total == D("100") - D("3.125") and self_row.missing_count == 1
    assert verified_row.total == D("200") - D("6.25") and verified_row.missing_count == 1


def test_recompute_leaves_equal_rows_alone_and_only_restamps_stale_ones(period):
    made = fill_period(period, 3)
    scoring_services.scores_recompute_period(period=period)
    before = {(s.assessment_id, s.basis): s for s in Score.objects.all()}
    assert scoring_services.scores_recompute_period(period=period) == (6, 0)
    # Answers touched without a level change: same figures, but computed_at must move past the change.
    changed = timezone.now()
    Assessment.objects.filter(pk=made[0].pk).update(answers_changed_at=changed)
    assert scoring_services.scores_recompute_period(period=period) == (6, 2)
    for key, old in before.items():
        row = Score.objects.get(assessment_id=key[0], basis=key[1])
        assert (row.total, row.aspect_totals, row.category_code, row.is_final) == (
            old.total,
            old.aspect_totals,
            old.category_code,
            old.is_final,
        )
        assert (row.computed_at >= changed) is (key[0] == made[0].pk)
    assert scoring_services.scores_stale_ids() == []


def test_recompute_rewrites_a_row_whose_aspect_totals_were_tampered_with(period):
    (assessment,) = fill_period(period, 1)
    scoring_services.scores_recompute_period(period=period)
    row = stored(assessment, ScoreBasis.SELF)
    good = row.aspect_totals
    row.aspect_totals = [dict(good[0], total="0"), *good[1:]]
    row.save()
    assert scoring_services.scores_recompute_period(period=period).written == 1
    assert stored(assessment, ScoreBasis.SELF).aspect_totals == good
