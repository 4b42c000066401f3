"""Integration: a real Celery worker on the `pdf` queue renders an issued decision's documents."""

import time

import pytest

from certificates import services
from certificates.models import RenderStatus
from certificates.tests.conftest import draft_decision, pdf_text


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_renders_the_letter_and_charters(celery_worker_process, settings, admin_user, period, verified_set):
    celery_worker_process.use_storage(settings)
    decision = draft_decision(admin_user, period, "77/WORKER/2026")
    services.decision_issue(decision=decision, user=admin_user)  # commits: the tasks go to Redis
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        decision.refresh_from_db()
        statuses = set(decision.certificates.values_list("render_status", flat=True))
        if decision.letter_status == RenderStatus.READY and statuses == {RenderStatus.READY}:
            break
        time.sleep(0.3)
    assert decision.letter_status == RenderStatus.READY, decision.letter_error
    assert statuses == {RenderStatus.READY}
    assert "77/WORKER/2026" in pdf_text(decision.letter.path)
    for certificate in decision.certificates.all():
        assert certificate.serial in pdf_text(certificate.pdf.path)
    log = celery_worker_process.log()
    assert "core.outbox.deliver" in log and "succeeded" in log  # rendered by the worker, through the outbox
