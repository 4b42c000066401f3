"""The transactional outbox: recorded with the action, delivered once, never lost (issue 14)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from conftest import client_for
from core import outbox
from core.models import OutboxEntry, SideEffectKind
from core.tasks import email_send

pytestmark = pytest.mark.django_db


def _add_mail(subject="Halo"):
    return outbox.outbox_add(
        kind=SideEffectKind.EMAIL, task=email_send.name, args=[subject, "Isi", ["a@example.go.id"]], ref="test"
    )


def _age(entry, seconds=60):
    OutboxEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_committed_action_sends_its_mail_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry = _add_mail()
    assert [m.subject for m in mail.outbox] == ["Halo"]
    entry.refresh_from_db()
    assert entry.done_at is not None and entry.send_count == 1 and entry.run_count == 1
    # A duplicate message (broker redelivery, a resend racing the first) runs nothing.
    assert outbox.deliver.delay(entry.pk).get() == "skipped"
    assert outbox.outbox_resend() == 0
    assert len(mail.outbox) == 1


def test_a_rolled_back_action_records_and_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _add_mail()
        raise RuntimeError("the action failed")
    assert not OutboxEntry.objects.exists()
    assert mail.outbox == []


def test_broker_down_keeps_the_entry_and_the_resend_delivers_it_once(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(outbox.deliver, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry = _add_mail()  # the request that caused it does not fail
    entry.refresh_from_db()
    assert entry.sent_at is None and entry.done_at is None and mail.outbox == []
    _age(entry)
    assert outbox.outbox_resend() == 0  # still down: nothing handed over, nothing lost
    monkeypatch.undo()
    assert outbox.outbox_resend() == 1
    assert outbox.outbox_resend() == 0
    assert len(mail.outbox) == 1


def test_an_entry_held_by_a_dead_worker_is_run_again_and_a_live_one_is_not():
    entry = _add_mail()  # not committed through on_commit: as if the worker took it and died
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        sent_at=now, claimed_at=now, claimed_until=now + dt.timedelta(seconds=60)
    )
    assert outbox.deliver.delay(entry.pk).get() == "skipped"  # the live claim is respected
    assert [e.pk for e in outbox.outbox_due()] == []
    OutboxEntry.objects.filter(pk=entry.pk).update(claimed_until=now - dt.timedelta(seconds=1))
    assert [e.pk for e in outbox.outbox_due()] == [entry.pk]
    assert outbox.outbox_resend() == 1
    assert len(mail.outbox) == 1


def test_each_side_effect_runs_under_its_own_task_s_time_limits(monkeypatch):
    from certificates.tasks import charter_render_task

    sent = {}
    monkeypatch.setattr(outbox.deliver, "apply_async", lambda args, **options: sent.update(options))
    assert outbox.outbox_publish(entry_id=1, queue="pdf", task=charter_render_task.name)
    assert (sent["soft_time_limit"], sent["time_limit"]) == (30, 45)
    # The claim outlives the hard limit: a slow render is never taken for a dead worker's.
    assert outbox._lease_seconds(charter_render_task.name) == 45 + outbox.CLAIM_MARGIN_SECONDS


def test_an_entry_that_never_finishes_is_given_up_after_its_runs():
    entry = _add_mail()
    OutboxEntry.objects.filter(pk=entry.pk).update(run_count=outbox.MAX_RUNS)
    assert outbox.deliver.apply(args=(entry.pk,)).get() == "failed"
    entry.refresh_from_db()
    assert entry.failed_at is not None and "Gave up" in entry.last_error and mail.outbox == []


def test_a_transient_failure_is_released_for_another_try_and_a_bug_is_given_up(monkeypatch):
    entry = _add_mail()
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(email_send, "run", flaky)
    monkeypatch.setattr(outbox.deliver, "max_retries", 0)
    with pytest.raises(OperationalError):
        outbox.deliver.apply(args=(entry.pk,), throw=True)
    entry.refresh_from_db()
    assert entry.failed_at is None and entry.claimed_until is None and "server closed" in entry.last_error

    def bug(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(email_send, "run", bug)
    assert outbox.deliver.apply(args=(entry.pk,)).get() == "failed"
    entry.refresh_from_db()
    assert entry.failed_at is not None and "a bug" in entry.last_error
    assert outbox.outbox_due() == []  # a failed entry is shown to the admin, not resent forever


def test_workflow_mails_scores_and_documents_go_through_the_outbox():
    from assessments.notifications import notify_submitted
    from assessments.scoring.tasks import score_compute_task
    from certificates.tasks import charter_render_task

    for task in (notify_submitted, score_compute_task, charter_render_task, email_send):
        assert task.name in outbox.deliver.app.tasks


# --- the admin page ------------------------------------------------------------------------------


def test_admin_sees_pending_side_effects_with_their_age(admin_user, django_assert_max_num_queries):
    waiting = _add_mail("Menunggu")
    _age(waiting, seconds=600)
    failed = _add_mail("Gagal")
    OutboxEntry.objects.filter(pk=failed.pk).update(failed_at=timezone.now(), last_error="ValueError: a bug")
    done = _add_mail("Selesai")
    OutboxEntry.objects.filter(pk=done.pk).update(done_at=timezone.now())
    client = client_for(admin_user)
    url = reverse("audit:side_effects")
    client.get(url)  # warm the session and navigation caches
    with django_assert_max_num_queries(12):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "waiting for the broker" in body and "ValueError: a bug" in body and "failed" in body
    assert ">10<" in body  # ten minutes old
    rows = body.split('id="side-effects"')[1].count("<tr>") - 1
    assert rows == 2  # the done one is not listed


def test_the_side_effects_page_query_count_does_not_grow_with_rows(admin_user, django_assert_max_num_queries):
    client = client_for(admin_user)
    url = reverse("audit:side_effects")
    for _ in range(3):
        _add_mail()
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(30):
        _add_mail()
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.parametrize("role", ["verifier", "editor", "lead", "other_lead"])
def test_only_admins_see_the_side_effects_page(role, users):
    response = client_for(users[role]).get(reverse("audit:side_effects"))
    assert response.status_code in (403, 404)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("audit:side_effects"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_done_entries_are_deleted_after_two_weeks_and_pending_ones_never():
    old_done, recent_done, old_pending = _add_mail(), _add_mail(), _add_mail()
    long_ago = timezone.now() - dt.timedelta(days=outbox.KEEP_DONE_DAYS + 1)
    OutboxEntry.objects.filter(pk=old_done.pk).update(done_at=long_ago)
    OutboxEntry.objects.filter(pk=recent_done.pk).update(done_at=timezone.now())
    OutboxEntry.objects.filter(pk=old_pending.pk).update(created_at=long_ago, sent_at=long_ago)
    outbox.outbox_resend()
    assert set(OutboxEntry.objects.values_list("pk", flat=True)) == {recent_done.pk, old_pending.pk}
