"""A real Celery worker on Redis scores an assessment: submit → scored → verified change → rescored.

Needs REDIS_URL and PostgreSQL (the worker is another process and must see committed rows);
skips locally without them and fails in CI (MERITSYS_REQUIRE_SERVICES=1).
"""

import time
from decimal import Decimal as D

import pytest
from django.db import transaction

from assessments.domain.workflow import transition_apply
from assessments.models import Answer, Assessment, Score, ScoreBasis
from assessments.models import AssessmentStatus as S
from assessments.scoring import services as scoring_services
from assessments.scoring import tasks
from assessments.scoring.tests.helpers import set_levels
from meritsys.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(check, worker, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.log()}")


def score_total(assessment, basis):
    row = Score.objects.filter(assessment=assessment, basis=basis).first()
    return row.total if row else None


def test_worker_scores_submit_then_rescores_a_verified_change(celery_worker_process, assessment, lead, verifier):
    worker = celery_worker_process
    assert app.conf.task_always_eager is False

    # Submit: self levels, the transition and the score request in one transaction.
    with transaction.atomic():
        set_levels(assessment, "self_level", 3)
        transition_apply(assessment=assessment, to=S.SUBMITTED, user=lead)
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.SELF)
    wait_for(lambda: score_total(assessment, ScoreBasis.SELF) == D("300"), worker, "the self score")
    assert "assessments.scoring.tasks.score_compute_task" in worker.log()

    # Verification: every level confirmed at 3 → a provisional verified score.
    with transaction.atomic():
        transition_apply(assessment=assessment, to=S.IN_VERIFICATION, user=verifier)
        set_levels(assessment, "verified_level", 3)
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.VERIFIED)
    wait_for(lambda: score_total(assessment, ScoreBasis.VERIFIED) == D("300"), worker, "the verified score")

    # The verifier lowers 3.2 (max 20) to 1 → 290, rescored by the worker.
    with transaction.atomic():
        answer = Answer.objects.select_for_update().get(assessment=assessment, indicator__code="3.2")
        answer.verified_level = 1
        answer.save(update_fields=["verified_level"])
        assessment.answers_changed_at = answer.updated_at
        assessment.save(update_fields=["answers_changed_at"])
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.VERIFIED)
    wait_for(lambda: score_total(assessment, ScoreBasis.VERIFIED) == D("290"), worker, "the rescored verified score")
    row = Score.objects.get(assessment=assessment, basis=ScoreBasis.VERIFIED)
    assert row.category_name == "Baik" and row.is_final is False

    # Finalise: the verified score is still provisional; an issued decision (here its status) makes
    # the worker's next computation final (assessments.domain.standing).
    with transaction.atomic():
        transition_apply(assessment=assessment, to=S.VERIFIED, user=verifier)
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.VERIFIED, final=True)
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(status=S.DECIDED)
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.VERIFIED, final=True)
    wait_for(
        lambda: Score.objects.filter(assessment=assessment, basis=ScoreBasis.VERIFIED, is_final=True).exists(),
        worker,
        "the final verified score",
    )


def test_worker_sweep_repairs_a_skipped_task(celery_worker_process, assessment, lead):
    worker = celery_worker_process
    with transaction.atomic():
        set_levels(assessment, "self_level", 2)
        transition_apply(assessment=assessment, to=S.SUBMITTED, user=lead)
        scoring_services.score_queue(assessment=assessment, basis=ScoreBasis.SELF)
    wait_for(lambda: score_total(assessment, ScoreBasis.SELF) == D("200"), worker, "the self score")

    # The answers change but no task is queued (a lost message): the score is stale.
    set_levels(assessment, "self_level", {"1.2": 4})  # 15 × (4 − 2) / 4 = +7,5
    time.sleep(0.5)
    assert score_total(assessment, ScoreBasis.SELF) == D("200")

    tasks.scores_sweep_stale.delay()
    wait_for(lambda: score_total(assessment, ScoreBasis.SELF) == D("207.5"), worker, "the sweep's repair")
    assert "assessments.scoring.tasks.scores_sweep_stale" in worker.log()
