"""Fixtures shared by every app's tests: people in each role, the reference instrument, a period."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from assessments.instrument.reference import reference_instrument_ensure
from assessments.models import Assessment, Period
from assessments.periods.services import assessment_get_or_create
from institutions.models import Institution, InstitutionKind, Membership, MembershipRole, Region

PASSWORD = "test-pass-123!"


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English text unless they ask for Indonesian (the product's default language,
    covered by the i18n tests and by the catalogue completeness test)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# Counters the throttles keep in the shared cache (Redis in CI) for up to an hour: sign-in and
# second-factor failures, password resets, API calls, survey answers, charter lookups.
THROTTLE_KEY_PARTS = ("throttle:", "api-rate:", "certificates:verify:")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """One test's failed sign-ins or calls must not lock the next test out: in a long run on Redis
    the counters of earlier tests from 127.0.0.1 are still inside their window."""
    from django.core.cache import cache

    backend = getattr(cache, "_cache", None)
    try:
        if isinstance(backend, dict):  # LocMemCache
            for key in [k for k in list(backend) if any(part in k for part in THROTTLE_KEY_PARTS)]:
                cache.delete(key.split(":", 2)[-1])
        elif backend is not None and hasattr(backend, "get_client"):  # RedisCache
            client = backend.get_client(None, write=True)
            for part in THROTTLE_KEY_PARTS:
                for key in client.scan_iter(match=f"*{part}*"):
                    client.delete(key)
    except Exception:  # noqa: BLE001, S110 - a test of Redis being down must still start
        pass
    yield


@pytest.fixture(autouse=True)
def _fresh_scale_cache():
    """Published instruments' scales are memoised per process by id; a test database rolled back
    can hand the same id to another instrument, which a real database never does."""
    from assessments.instrument import selectors

    selectors.scales_forget()
    yield
    selectors.scales_forget()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # The local disk, whatever STORAGE_URL says; tests of the bucket ask for `s3_storage`.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.STORAGE_URL = ""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the S3-compatible store (issue 22) -------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible server (`rclone serve s3`) for the session; fails in CI if it cannot start."""
    from core.testing import S3TestServer

    root = tmp_path_factory.mktemp("s3")
    server = S3TestServer(root / "data", root / "rclone.log")
    yield server
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server):
    """Evidence and documents of this test go to the bucket, under a prefix of their own.

    Returns the server; `s3_server.keys(s3_storage.prefix)` lists what the test stored."""
    import uuid

    from core.storage_url import s3_options

    prefix = f"t-{uuid.uuid4().hex[:12]}"
    url = s3_server.storage_url(prefix)
    settings.STORAGE_URL = url
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(url)},
    }
    s3_server.prefix = prefix + "/"
    return s3_server


def make_user(email: str, role: str = Role.INSTITUTION, **extra) -> User:
    return User.objects.create_user(
        email=email, password=PASSWORD, full_name=extra.pop("full_name", email.split("@")[0]), role=role, **extra
    )


def make_institution(code: str, name: str, kind: str = InstitutionKind.KEMENTERIAN, **extra) -> Institution:
    return Institution.objects.create(
        code=code,
        name=name,
        short_name=extra.pop("short_name", name[:20]),
        kind=kind,
        region=extra.pop("region", Region.WILAYAH_I),
        **extra,
    )


def make_member(institution: Institution, role: str, email: str) -> User:
    user = make_user(email)
    Membership.objects.create(user=user, institution=institution, role=role)
    return user


@pytest.fixture
def instrument(db):
    return reference_instrument_ensure()


@pytest.fixture
def period(instrument) -> Period:
    today = timezone.localdate()
    return Period.objects.create(
        name="Penilaian Uji",
        instrument=instrument,
        self_assessment_opens=today - dt.timedelta(days=10),
        self_assessment_closes=today + dt.timedelta(days=20),
        verification_closes=today + dt.timedelta(days=60),
    )


def make_survey_period(name: str = "Penilaian Uji 2025") -> Period:
    """A 19/2025 period (the reference instrument with a staff survey, its reference questionnaire
    loaded) whose survey dates are open today. Here rather than in surveys' tests so that the tests
    of certificates, an app before surveys, can build one too."""
    from surveys import services
    from surveys.reference import reference_questionnaire_ensure

    questionnaire = reference_questionnaire_ensure()
    today = timezone.localdate()
    period = Period.objects.create(
        name=name,
        instrument=questionnaire.component.instrument,
        self_assessment_opens=today - dt.timedelta(days=10),
        self_assessment_closes=today + dt.timedelta(days=20),
        verification_closes=today + dt.timedelta(days=60),
    )
    services.survey_window_set(
        period=period, opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=10), user=None
    )
    return period


@pytest.fixture
def institution(db) -> Institution:
    return make_institution("K901", "Kementerian Uji Coba")


@pytest.fixture
def other_institution(db) -> Institution:
    return make_institution("K902", "Kementerian Lain")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("admin@test.local", Role.ADMIN)


@pytest.fixture
def verifier(db) -> User:
    return make_user("verifier@test.local", Role.VERIFIER)


@pytest.fixture
def other_verifier(db) -> User:
    return make_user("verifier2@test.local", Role.VERIFIER)


@pytest.fixture
def editor(institution) -> User:
    return make_member(institution, MembershipRole.EDITOR, "editor@test.local")


@pytest.fixture
def lead(institution) -> User:
    return make_member(institution, MembershipRole.LEAD, "lead@test.local")


@pytest.fixture
def other_lead(other_institution) -> User:
    return make_member(other_institution, MembershipRole.LEAD, "lead@other.local")


@pytest.fixture
def assessment(institution, period) -> Assessment:
    return assessment_get_or_create(institution=institution, period=period)


@pytest.fixture
def users(admin_user, verifier, editor, lead, other_lead) -> dict[str, User | None]:
    """One person per role, for permission matrices."""
    return {
        "anonymous": None,
        "admin": admin_user,
        "verifier": verifier,
        "editor": editor,
        "lead": lead,
        "other_lead": other_lead,
    }


def otp_mark_verified(client: Client, user: User) -> None:
    """Mark a test client's session as having passed the second factor, as the real
    verification page does (django_otp.login): a confirmed authenticator for the user and its
    id in the session. Production still requires the code; this stands for typing it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _staff_logins_pass_the_second_factor(monkeypatch):
    """`client.force_login` / `client.login` of an admin or verifier in a test means "signed in
    completely": the session is marked OTP-verified. Tests of the second factor itself sign in
    through the login form (which this does not touch) and see the real rule."""
    original_force_login = Client.force_login
    original_login = Client.login

    def force_login(self, user, backend=None):
        original_force_login(self, user, backend)
        if getattr(user, "role", None) in (Role.ADMIN, Role.VERIFIER):
            otp_mark_verified(self, user)

    def login(self, **credentials):
        done = original_login(self, **credentials)
        if done:
            user = User.objects.get(pk=self.session["_auth_user_id"])
            if user.role in (Role.ADMIN, Role.VERIFIER):
                otp_mark_verified(self, user)
        return done

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "login", login)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker, live_server):
    """pytest-django's live server, torn down before the test database is dropped.

    Request threads that served keep-alive connections can leave an idle PostgreSQL session
    behind, which would make dropping the test database fail; end those sessions first.
    """
    yield live_server
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(live_server):
    """A Playwright page in Debian's chromium (never a downloaded browser)."""
    import os

    from core.testing import CHROMIUM, require_chromium

    require_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US", accept_downloads=True, viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()


def totp_code(device) -> str:
    """The code an authenticator app would show for `device` now. django-otp refuses a code
    whose time step was already used (replay): after a use in this step, the next step's code
    (within the device's tolerance) is what a person waiting for the app's next code types."""
    from django_otp.oath import TOTP, hotp

    device.refresh_from_db()

    def now() -> int:
        return int(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t())

    counter = max(now(), device.last_t + 1)
    if counter > now() + device.tolerance:
        import time

        time.sleep(device.step)
        counter = max(now(), device.last_t + 1)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


def browser_pass_second_factor(page, email: str) -> None:
    """On the second-factor page after the password: type the code (enrolling first if needed)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(email=email)
    if "/accounts/2fa/setup/" in page.url:
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        page.fill("input[name=token]", totp_code(device))
        page.click("#otp-setup-form button[type=submit]")
        page.wait_for_selector("#recovery-codes")
        page.click("main a.btn-primary")
        page.wait_for_load_state()
    elif "/accounts/2fa/" in page.url:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        page.fill("input[name=token]", totp_code(device))
        page.click("#otp-verify-form button[type=submit]")
        page.wait_for_load_state()


def browser_login(page, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form input[type=submit], form button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/2fa/" in page.url:
        browser_pass_second_factor(page, email)


# --- Celery (scoring branch) -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _celery_eager_unless_worker(request):
    """Tasks run in-process in every test, even when REDIS_URL is set (as in CI).

    Only tests that use `celery_worker_process` (or are marked `worker`) publish to Redis for a
    real worker; without
    this, any test that queues a task would wait for a worker that is not there.
    """
    from meritsys.celery import app

    if "celery_worker_process" in request.fixturenames or request.node.get_closest_marker("worker"):
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            yield
        finally:
            app.conf.task_always_eager = previous
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


class CeleryWorkerProcess:
    """A running `celery worker` subprocess; `log()` returns what it printed so far."""

    def __init__(self, process, nodename: str, log_path, media_root) -> None:
        self.process = process
        self.nodename = nodename
        self.log_path = log_path
        # The worker's private storage: tests whose tasks write files point their storage here.
        self.media_root = media_root

    def use_storage(self, settings) -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(self.media_root)}},
        }
        settings.PRIVATE_MEDIA_ROOT = self.media_root

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _database_url(db: dict) -> str:
    from urllib.parse import quote

    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """A real Celery worker (queues default and pdf) on REDIS_URL, reading the TEST database.

    Use with `@pytest.mark.django_db(transaction=True)` so rows are committed and visible to
    the worker. Skips without REDIS_URL or PostgreSQL locally; fails instead in CI
    (MERITSYS_REQUIRE_SERVICES=1). Queues are purged before the worker starts.
    """
    import os
    import socket
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings as django_settings

    from core.testing import require_postgres, require_redis
    from meritsys.celery import app

    require_redis()
    require_postgres()
    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        for queue in ("default", "pdf"):
            connection.default_channel.queue_purge(queue)

    nodename = f"meritsys-test-{uuid.uuid4().hex[:8]}@%h"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    media_root = tmp_path_factory.mktemp("worker-media")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(django_settings.DATABASES["default"]),
        "REDIS_URL": django_settings.REDIS_URL,
        "CONN_MAX_AGE": "0",
        "PRIVATE_MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "meritsys.settings",
    }
    command = [sys.executable, "-m", "celery", "-A", "meritsys", "worker", "-Q", "default,pdf"]
    command += ["--pool=solo", "--concurrency=1", "-l", "info", "-n", nodename, "--without-mingle"]
    command += ["--without-gossip"]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=str(django_settings.BASE_DIR)
        )
    worker = CeleryWorkerProcess(process, nodename.replace("%h", socket.gethostname()), log_path, media_root)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the celery worker exited with {process.returncode}:\n{worker.log()}")
            if app.control.ping(destination=[worker.nodename], timeout=1.0):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the celery worker did not answer a ping in 60 s:\n{worker.log()}")
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def indonesian(settings, _english_by_default):
    """For tests that read the Indonesian pages: the product's default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "id"
    with translation.override("id"):
        yield


# --- verification (assessments/tests/test_verification_*.py) ---


@pytest.fixture
def verification_submitted(assessment, lead, verifier) -> Assessment:
    """A SUBMITTED assessment: every indicator answered, a PDF on each answer above level 1,
    `verifier` assigned. Answers are written directly and the move goes through
    workflow.transition_apply (the submit service lives on the self-assessment side)."""
    from assessments.domain.workflow import transition_apply
    from assessments.models import AssessmentStatus
    from demo.seed import demo_answers_fill

    demo_answers_fill(assessment=assessment, user=lead)
    transition_apply(assessment=assessment, to=AssessmentStatus.SUBMITTED, user=lead)
    assessment.verifiers.add(verifier)
    return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def verification_started(verification_submitted, verifier) -> Assessment:
    """The same assessment after its verifier started verification (IN_VERIFICATION)."""
    from assessments.verification.services import verification_start

    return verification_start(assessment=verification_submitted, user=verifier)


def recommendations_write(assessment, verifier=None) -> None:
    """Test setup: an improvement recommendation for every aspect (required to finalise), written
    straight to the table like the tests' verified levels; the page and service have their own tests."""
    from assessments.models import Aspect, AspectRecommendation

    AspectRecommendation.objects.bulk_create(
        [
            AspectRecommendation(
                assessment_id=assessment.pk,
                aspect=aspect,
                text=f"Perkuat bukti dukung dan konsistensi pelaksanaan aspek {aspect.number}.",
                written_by=verifier,
            )
            for aspect in Aspect.objects.filter(instrument_id=assessment.period.instrument_id)
        ],
        ignore_conflicts=True,
    )
