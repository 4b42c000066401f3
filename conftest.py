"""Fixtures shared by every app's tests: people in each role, the reference instrument, a period."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import Assessment, Period
from assessments.reference import reference_instrument_ensure
from assessments.services import assessment_get_or_create
from institutions.models import Institution, InstitutionKind, Membership, MembershipRole, Region

PASSWORD = "test-pass-123!"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


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

    from meritsys.tests_support import CHROMIUM, require_chromium

    require_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="id-ID", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()


def browser_login(page, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form input[type=submit], form button[type=submit]")
    page.wait_for_load_state()


# --- verification (assessments/tests/test_verification_*.py) ---


@pytest.fixture
def verification_submitted(assessment, lead, verifier) -> Assessment:
    """A SUBMITTED assessment: every indicator answered, a PDF on each answer above level 1,
    `verifier` assigned. Answers are written directly and the move goes through
    workflow.transition_apply (the submit service lives on the self-assessment side)."""
    from accounts.demo import demo_answers_fill
    from assessments.models import AssessmentStatus
    from assessments.workflow import transition_apply

    demo_answers_fill(assessment=assessment, user=lead)
    transition_apply(assessment=assessment, to=AssessmentStatus.SUBMITTED, user=lead)
    assessment.verifiers.add(verifier)
    return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def verification_started(verification_submitted, verifier) -> Assessment:
    """The same assessment after its verifier started verification (IN_VERIFICATION)."""
    from assessments.services_verification import verification_start

    return verification_start(assessment=verification_submitted, user=verifier)
