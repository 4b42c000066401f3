"""Fault suite (issues 14, 22): Redis, the broker, a worker, PostgreSQL connections and the file
store's connection fail under a real stack.

It starts its own gunicorn (two: one straight to PostgreSQL, one through a proxy it can cut), a Celery
worker with an embedded beat, and TCP proxies in front of Redis (cache and broker apart) and
PostgreSQL. People act through HTTP as they would in a browser. Figures are printed (run with -s)
and reported in docs/operations.md. Marked `faults` (and `worker`: `make test-fast` skips it).
"""

import datetime as dt
import json
import re
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import Answer, AssessmentStatus, Clarification, Evidence, ReviewState, Score, ScoreBasis
from assessments.periods.services import assessment_get_or_create
from assessments.self_assessment.tests.support import fill_all, pdf_bytes
from certificates.models import Certificate, Decision, RenderStatus
from certificates.tests.conftest import draft_decision, make_verified
from conftest import PASSWORD, make_institution, make_member, make_user, recommendations_write
from core.models import OutboxEntry
from core.testing import require_postgres, require_redis
from institutions.models import InstitutionKind, MembershipRole
from meritsys.tests.faults_support import Browser, Processes, Proxy, database_url, free_port, mail_count, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FIGURES: dict[str, dict[str, object]] = {}
SAVED = re.compile(r"Indicator [0-9.]+ saved\.")


def _report(name: str, **figures: object) -> None:
    FIGURES[name] = figures
    print(f"\nFAULT FIGURES {name}: {json.dumps(figures, default=str)}")


class Stack:
    def __init__(self, workdir: Path) -> None:
        redis = urllib.parse.urlparse(settings.REDIS_URL)
        db = settings.DATABASES["default"]
        # A Redis database of its own: another worker of the test session (celery_worker_process)
        # listens on the tests' one and would otherwise take this stack's messages.
        self.redis_db = str((int((redis.path or "/0").lstrip("/") or "0") + 8) % 16)
        self.broker_url = f"redis://{redis.hostname or '127.0.0.1'}:{redis.port or 6379}/{self.redis_db}"
        self.cache_proxy = Proxy(redis.hostname or "127.0.0.1", redis.port or 6379)
        self.broker_proxy = Proxy(redis.hostname or "127.0.0.1", redis.port or 6379)
        self.pg_proxy = Proxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
        self.mail_dir = workdir / "mail"
        self.mail_dir.mkdir()
        media = workdir / "media"
        media.mkdir()
        self.env = {
            **{k: v for k, v in __import__("os").environ.items() if k not in {"MERITSYS_REQUIRE_SERVICES"}},
            "DJANGO_SETTINGS_MODULE": "meritsys.settings",
            "DATABASE_URL": database_url(application_name="meritsys-fault-web"),
            "REDIS_URL": f"redis://127.0.0.1:{self.cache_proxy.port}/{self.redis_db}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.broker_proxy.port}/{self.redis_db}",
            "OTP_REQUIRED_FOR_STAFF": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "PRIVATE_MEDIA_ROOT": str(media),
            "OUTBOX_SWEEP_SECONDS": "3",
            "OUTBOX_RESEND_AFTER_SECONDS": "15",
            "DOCUMENT_STUCK_SECONDS": "60",
            "WORKER_HEARTBEAT_SECONDS": "2",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CONN_MAX_AGE": "60",
        }
        self.processes = Processes(self.env, workdir)
        self.web_port = free_port()
        self.web2_port = free_port()

    def start(self) -> None:
        """Fresh processes for each test: the previous test's flush gave the content types new ids,
        which a running process would still hold in its cache (the audit log writes them)."""
        self.processes.stop_all()
        self.processes.running.clear()
        for sent in self.mail_dir.glob("*"):  # each test counts its own e-mails
            sent.unlink()
        self.processes.gunicorn("web", self.web_port)
        # The second web server reaches PostgreSQL through a proxy: its connections are the ones cut.
        self.processes.gunicorn(
            "web2",
            self.web2_port,
            DATABASE_URL=database_url(port=self.pg_proxy.port, application_name="meritsys-fault-web2"),
        )
        self.worker = self.processes.worker("worker1")

    def ready(self, port: int | None = None) -> tuple[int, dict]:
        status, body, _ = Browser(port or self.web_port).get("/healthz/ready")
        return status, json.loads(body)

    def close(self) -> None:
        self.processes.stop_all()
        for proxy in (self.cache_proxy, self.broker_proxy, self.pg_proxy):
            proxy.close()


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    require_redis()
    require_postgres()
    from kombu import Connection

    running = Stack(tmp_path_factory.mktemp("faults"))
    with Connection(running.broker_url) as connection:
        for queue in ("default", "pdf"):
            connection.default_channel.queue_purge(queue)
    yield running
    running.close()
    if FIGURES:
        print("\nFAULT FIGURES (all): " + json.dumps(FIGURES, default=str))


@pytest.fixture(autouse=True)
def _fresh_processes(stack):
    stack.start()


@pytest.fixture(autouse=True)
def _publish_to_the_real_broker():
    from meritsys.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def _person(user: User) -> User:
    # The stack's processes hash with Django's default (PBKDF2), not the tests' fast MD5.
    User.objects.filter(pk=user.pk).update(password=PBKDF2PasswordHasher().encode(PASSWORD, "faults", iterations=1000))
    return user


def _world(tag: str, period, verified: int = 2):
    institution = make_institution(f"{tag}1", f"Instansi {tag}")
    people = {
        "editor": _person(make_member(institution, MembershipRole.EDITOR, f"editor.{tag}@fault.local")),
        "lead": _person(make_member(institution, MembershipRole.LEAD, f"lead.{tag}@fault.local")),
        "verifier": _person(make_user(f"verifier.{tag}@fault.local", Role.VERIFIER)),
        "admin": _person(make_user(f"admin.{tag}@fault.local", Role.ADMIN)),
    }
    assessment = assessment_get_or_create(institution=institution, period=period)
    for n in range(verified):
        other = make_institution(f"{tag}9{n}", f"Instansi Terverifikasi {tag} {n}", InstitutionKind.KEMENTERIAN)
        make_verified(other, period, 4, verifier=people["verifier"])
    decision = draft_decision(people["admin"], period, f"{tag}/KEP/2026")
    return institution, assessment, people, decision


def _browser(stack, user: User, port: int | None = None) -> Browser:
    browser = Browser(port or stack.web_port)
    assert browser.login(user.email, PASSWORD) == 302
    return browser


def _answer_fields(answer: Answer, note: str) -> dict[str, object]:
    return {"level": 3, "note": note, "version": answer.version}


def _settled() -> bool:
    return not OutboxEntry.objects.filter(done_at__isnull=True, failed_at__isnull=True).exists()


def _documents_ready(decision: Decision) -> bool:
    decision.refresh_from_db()
    statuses = set(Certificate.objects.filter(decision=decision).values_list("render_status", flat=True))
    return decision.letter_status == RenderStatus.READY and statuses <= {RenderStatus.READY}


def _exactly_once() -> dict[str, int]:
    entries = list(OutboxEntry.objects.all())
    return {
        "entries": len(entries),
        "done": sum(1 for e in entries if e.done_at),
        "failed": sum(1 for e in entries if e.failed_at),
        "ran_more_than_once": sum(1 for e in entries if e.run_count > 1),
        "lost": sum(1 for e in entries if not e.done_at),
    }


def test_redis_down_people_still_sign_in_save_upload_and_issue(stack, period):
    institution, assessment, people, decision = _world("R", period)
    answers = list(assessment.answers.order_by("pk"))
    editor_page = f"/self/{assessment.pk}/aspect/1/"

    stack.cache_proxy.cut()
    stack.broker_proxy.cut()
    try:
        status, ready = stack.ready()
        assert status == 200 and ready["status"] == "degraded"
        assert not ready["checks"]["cache"]["ok"] and not ready["checks"]["broker"]["ok"]
        assert ready["checks"]["database"]["ok"]

        editor = _browser(stack, people["editor"])  # sign-in works without Redis
        assert editor.get(editor_page)[0] == 200
        for i, answer in enumerate(answers):
            url = reverse("assessments_self:answer_save", args=[assessment.pk, answer.indicator_id])
            status, body, _ = editor.post(url, _answer_fields(answer, f"catatan {i}"), htmx=True)
            assert status == 200 and SAVED.search(body), body[:300]
        upload_url = reverse("assessments_self:evidence_upload", args=[assessment.pk, answers[0].indicator_id])
        assert editor.post(upload_url, {}, files={"file": ("sk.pdf", pdf_bytes("redis-down"))}, htmx=True)[0] == 200
        for answer in answers[1:]:  # every indicator above level 1 needs its evidence before submit
            url = reverse("assessments_self:evidence_upload", args=[assessment.pk, answer.indicator_id])
            editor.post(url, {}, files={"file": (f"b{answer.pk}.pdf", pdf_bytes(f"rd{answer.pk}"))}, htmx=True)
        assert editor.get("/")[0] == 200

        lead = _browser(stack, people["lead"])
        status, _, _ = lead.post(reverse("assessments_self:submit", args=[assessment.pk]), {"confirm": "on"})
        assert status == 302
        admin = _browser(stack, people["admin"])
        assert admin.get(reverse("dashboards:national"))[0] == 200
        assert admin.post(reverse("certificates:decision_issue", args=[decision.pk]))[0] == 302
        serial = Certificate.objects.filter(decision=decision).values_list("serial", flat=True).first()
        public = Browser(stack.web_port)
        assert public.get(f"/v/{serial}/")[0] == 200
        browsers = [editor, lead, admin, public]
        tried = sum(len(b.log) for b in browsers)
        errors = [e for b in browsers for e in b.server_errors()]
    finally:
        stack.cache_proxy.restore()
        stack.broker_proxy.restore()

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert Answer.objects.filter(assessment=assessment, self_note__startswith="catatan").count() == len(answers)
    took = wait_until(lambda: _settled() and _documents_ready(decision), 180, "side effects not delivered")
    once = _exactly_once()
    mails = mail_count(stack.mail_dir)
    _report(
        "redis_down",
        requests=tried,
        server_errors=len(errors),
        outbox=once,
        mails=len(mails),
        delivered_after_return_s=round(took, 1),
    )
    assert errors == []
    assert once["lost"] == 0 and once["failed"] == 0 and once["ran_more_than_once"] == 0
    assert len(mails) == len(set(mails))
    assert Score.objects.filter(assessment=assessment, basis=ScoreBasis.SELF).exists()


def test_broker_down_every_workflow_action_succeeds_and_nothing_is_lost(stack, period):
    institution, assessment, people, decision = _world("B", period)
    fill_all(assessment, people["editor"], level=2)
    answers = list(assessment.answers.order_by("pk"))
    OutboxEntry.objects.all().delete()  # the setup's own score entries are not what is measured
    stack.broker_proxy.cut()
    try:
        status, ready = stack.ready()
        assert status == 200 and not ready["checks"]["broker"]["ok"] and ready["checks"]["cache"]["ok"]
        lead = _browser(stack, people["lead"])
        admin = _browser(stack, people["admin"])
        verifier = _browser(stack, people["verifier"])
        editor = _browser(stack, people["editor"])
        assert lead.post(reverse("assessments_self:submit", args=[assessment.pk]), {"confirm": "on"})[0] == 302
        url = reverse("assessments_verification:assessment_verifiers", args=[assessment.pk])
        assert admin.post(url, {"verifiers": people["verifier"].pk})[0] == 302
        assert verifier.post(reverse("assessments_verification:start", args=[assessment.pk]))[0] == 302
        url = reverse("assessments_verification:clarify", args=[assessment.pk, answers[0].pk])
        due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
        assert verifier.post(url, {"question": "Mohon SK terbaru", "due_date": due})[0] == 302
        clarification = Clarification.objects.get(answer=answers[0])
        url = reverse("assessments_self:clarification_reply", args=[clarification.pk])
        status, body, _ = editor.post(url, {"reply": "SK terlampir", "version": clarification.version}, htmx=True)
        assert status == 200 and "Reply sent" in body
        # The verifier's levels (their own pages are covered elsewhere), then the finalisation.
        Answer.objects.filter(assessment=assessment).update(verified_level=3, review_state=ReviewState.VERIFIED)
        Clarification.objects.filter(pk=clarification.pk).update(resolved_at=timezone.now())
        recommendations_write(assessment)
        assert verifier.post(reverse("assessments_verification:finalise", args=[assessment.pk]))[0] == 302
        assert admin.post(reverse("certificates:decision_issue", args=[decision.pk]))[0] == 302
        browsers = [lead, admin, verifier, editor]
        tried = sum(len(b.log) for b in browsers)
        errors = [e for b in browsers for e in b.server_errors()]
        pending_during = OutboxEntry.objects.filter(done_at__isnull=True).count()
    finally:
        stack.broker_proxy.restore()

    assessment.refresh_from_db()
    decision.refresh_from_db()
    assert assessment.status == AssessmentStatus.VERIFIED and decision.is_issued
    took = wait_until(lambda: _settled() and _documents_ready(decision), 180, "side effects not delivered")
    once = _exactly_once()
    mails = mail_count(stack.mail_dir)
    email_entries = OutboxEntry.objects.filter(kind="email").count()
    _report(
        "broker_down",
        requests=tried,
        server_errors=len(errors),
        pending_while_down=pending_during,
        outbox=once,
        email_entries=email_entries,
        mails=len(mails),
        delivered_after_return_s=round(took, 1),
    )
    assert errors == []
    assert pending_during > 0
    assert once["lost"] == 0 and once["failed"] == 0 and once["ran_more_than_once"] == 0
    assert len(mails) == len(set(mails)) and len(mails) >= email_entries
    # The finalisation's score message arrived once the broker was back (still provisional).
    assert Score.objects.get(assessment=assessment, basis=ScoreBasis.VERIFIED).computed_at >= assessment.verified_at


def test_a_killed_worker_s_charter_is_rendered_after_a_new_worker_starts(stack, period):
    _, _, people, decision = _world("K", period, verified=8)
    admin = _browser(stack, people["admin"])
    assert admin.post(reverse("certificates:decision_issue", args=[decision.pk]))[0] == 302

    def holding_a_charter() -> bool:
        # The worker has claimed a charter's entry and not finished it: it is rendering right now.
        return OutboxEntry.objects.filter(
            ref__startswith="charter:", claimed_until__isnull=False, done_at__isnull=True
        ).exists()

    wait_until(holding_a_charter, 120, "the worker never started a charter", every=0.01)
    stack.processes.kill(stack.worker)  # SIGKILL to the worker, its pool and its beat
    held = list(
        OutboxEntry.objects.filter(
            ref__startswith="charter:", claimed_until__isnull=False, done_at__isnull=True
        ).values_list("ref", flat=True)
    )
    states = dict(Counter(Certificate.objects.filter(decision=decision).values_list("render_status", flat=True)))
    assert held, "the worker finished its charter before the kill: the test proved nothing"
    silent = wait_until(lambda: not stack.ready()[1]["checks"]["workers"]["ok"], 60, "readiness missed the dead worker")
    stack.worker = stack.processes.worker("worker2")
    took = wait_until(lambda: _documents_ready(decision), 300, "charters not rendered within 5 minutes")
    once = _exactly_once()
    _report(
        "worker_killed",
        charters=Certificate.objects.filter(decision=decision).count(),
        states_at_kill=states,
        held_at_kill=held,
        readiness_saw_dead_worker_after_s=round(silent, 1),
        rendered_after_new_worker_s=round(took, 1),
        outbox=once,
    )
    assert once["lost"] == 0 and once["failed"] == 0
    assert stack.ready()[1]["checks"]["workers"]["ok"]


def test_dropped_database_connections_never_answer_server_error_for_a_saved_change(stack, period):
    institution, assessment, people, _ = _world("D", period, verified=0)
    answers = list(assessment.answers.order_by("pk"))
    editor = _browser(stack, people["editor"], port=stack.web2_port)
    stop = threading.Event()
    killed = [0]

    def terminate_backends() -> None:
        from django.db import connection  # this thread's own connection

        with connection.cursor() as cursor:
            while not stop.is_set():
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'meritsys-fault-web2' AND pid <> pg_backend_pid()"
                )
                killed[0] += cursor.fetchone()[0]
                time.sleep(0.15)
        connection.close()

    killer = threading.Thread(target=terminate_backends, daemon=True)
    killer.start()
    outcomes = []
    try:
        for round_number in range(2):
            for i, answer in enumerate(answers):
                answer.refresh_from_db()
                note = f"simpan {round_number}-{i}"
                url = reverse("assessments_self:answer_save", args=[assessment.pk, answer.indicator_id])
                status, body, saved = editor.post(url, _answer_fields(answer, note), htmx=True)
                committed = Answer.objects.filter(pk=answer.pk, self_note=note).exists()
                outcomes.append((status, saved, committed, bool(SAVED.search(body)) or saved == "yes"))
    finally:
        stop.set()
        killer.join()

    # Any error page (a 5xx, or Django's bare 400 when the session save fails) for a saved change.
    committed_5xx = sum(1 for status, saved, committed, _ in outcomes if status >= 400 and committed)
    told_saved_not_saved = sum(1 for status, saved, committed, ok in outcomes if status < 500 and ok and not committed)
    not_saved_said_so = sum(1 for status, saved, committed, _ in outcomes if status >= 500 and saved == "no")

    # The database unreachable behind the proxy: readiness is red, a save says plainly it was not saved.
    stack.pg_proxy.cut()
    try:
        status, ready = stack.ready(stack.web2_port)
        assert status == 503 and ready["status"] == "down" and not ready["checks"]["database"]["ok"]
        answer = answers[0]
        answer.refresh_from_db()
        url = reverse("assessments_self:answer_save", args=[assessment.pk, answer.indicator_id])
        status, body, saved = editor.post(url, _answer_fields(answer, "saat basis data mati"), htmx=True)
        assert status == 503 and saved == "no" and "not saved" in body
    finally:
        stack.pg_proxy.restore()
    assert wait_until(lambda: stack.ready(stack.web2_port)[0] == 200, 60, "readiness did not recover") >= 0
    _report(
        "database_connections_terminated",
        saves=len(outcomes),
        backends_terminated=killed[0],
        server_errors=sum(1 for o in outcomes if o[0] >= 500),
        error_pages=sum(1 for o in outcomes if o[0] >= 400),
        saved_and_said_so=sum(1 for o in outcomes if o[2] and o[0] < 400),
        committed_but_error=committed_5xx,
        said_saved_but_not=told_saved_not_saved,
        not_saved_and_said_so=not_saved_said_so,
        answers=dict(Counter(f"{o[0]} X-Saved={o[1] or '-'}" for o in outcomes)),
    )
    assert committed_5xx == 0
    assert told_saved_not_saved == 0


def test_storage_cut_uploads_and_downloads_say_so_and_nothing_is_half_stored(stack, period, s3_server):
    """A web server whose bucket sits behind a proxy that is cut (issue 22)."""
    institution, assessment, people, decision = _world("S", period, verified=0)
    answers = list(assessment.answers.order_by("pk")[:2])
    prefix = f"faults-{institution.pk}"
    storage_proxy = Proxy("127.0.0.1", s3_server.port)
    port = free_port()
    stack.processes.gunicorn("web3", port, STORAGE_URL=s3_server.storage_url(prefix, port=storage_proxy.port))
    try:
        editor = _browser(stack, people["editor"], port)
        first_url = reverse("assessments_self:evidence_upload", args=[assessment.pk, answers[0].indicator_id])
        second_url = reverse("assessments_self:evidence_upload", args=[assessment.pk, answers[1].indicator_id])
        status, body, _ = editor.post(first_url, {}, files={"file": ("a.pdf", pdf_bytes("before-cut"))}, htmx=True)
        assert status == 200 and "uploaded" in body
        stored = Evidence.objects.get(answer=answers[0])
        download = reverse("assessments:evidence_download", args=[stored.pk])
        keys_before = s3_server.keys(prefix)

        storage_proxy.cut()
        started = time.monotonic()
        status, body, _ = editor.post(second_url, {}, files={"file": ("b.pdf", pdf_bytes("during-cut"))}, htmx=True)
        upload_answered_in = time.monotonic() - started
        assert status == 200
        assert "The file store cannot be reached right now, so nothing was saved" in body
        assert not Evidence.objects.filter(answer=answers[1]).exists()
        status, body, _ = editor.get(download)
        assert status == 503 and "The file store cannot be reached right now" in body
        ready_status, ready = stack.ready(port)
        assert ready_status == 503 and ready["checks"]["storage"]["ok"] is False

        storage_proxy.restore()
        # Nothing half-stored: the bucket holds what it held before the cut, and no row names more.
        assert s3_server.keys(prefix) == keys_before
        status, body, _ = editor.post(second_url, {}, files={"file": ("b.pdf", pdf_bytes("during-cut"))}, htmx=True)
        assert status == 200 and "uploaded" in body
        status, body, _ = editor.get(download)
        assert status == 200 and body.encode() == pdf_bytes("before-cut")
        assert stack.ready(port)[0] == 200
        keys = set(s3_server.keys(prefix))
        named = {f"{prefix}/{e.file.name}" for e in Evidence.objects.filter(answer__assessment=assessment)}
        assert keys == named
        _report(
            "storage_cut",
            requests=len(editor.log),
            answered_503=sum(1 for entry in editor.log if entry[2] == 503),
            other_5xx=sum(1 for entry in editor.log if entry[2] >= 500 and entry[2] != 503),
            rows_without_object=len(named - keys),
            objects_without_row=len(keys - named),
            upload_refused_in_seconds=round(upload_answered_in, 2),
        )
    finally:
        storage_proxy.close()
