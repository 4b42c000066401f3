"""Every URL × every role, GET and POST: who gets in, and nobody else sees anything.

The URL list comes from the resolver (as in test_url_fuzz): a new URL without a line in
POLICY fails `test_every_url_has_a_policy`, so none escapes. "Allowed" roles must not be
refused (no 403/404, no redirect to the login page); every other role must be refused: the
login page for anonymous visitors, 403/404 (or 405 for a method the URL never takes) for
signed-in users. Each request runs in its own rolled-back transaction, so a POST that changes
state (delete a decision, sign out everywhere) does not change what the next request sees.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import User
from conftest import make_member
from institutions.models import MembershipRole
from meritsys.tests.test_url_fuzz import _fill

ROLES = ("anonymous", "editor", "lead", "other_editor", "other_lead", "verifier", "other_verifier", "admin")
ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
ADMIN = frozenset({"admin"})
OVERSIGHT = frozenset({"admin", "verifier", "other_verifier"})
ASSIGNED = frozenset({"admin", "verifier"})
# Moves only the assigned verifier makes (start, finalise, resolve a clarification).
ASSIGNED_VERIFIER = frozenset({"verifier"})
OWNER = frozenset({"editor", "lead"})
OWNER_LEAD = frozenset({"lead"})
INSTITUTIONS = frozenset({"editor", "lead", "other_editor", "other_lead"})
OWNER_AND_ASSIGNED = OWNER | ASSIGNED
# Pages of one institution's results: its own users, the admins and its assigned verifiers.
INSTITUTION_RESULTS = OWNER | ASSIGNED
NOBODY: frozenset[str] = frozenset()
LEADS = frozenset({"lead", "other_lead"})

# url name -> roles allowed (GET, POST). Public pages are open to everyone.
POLICY: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "home": (SIGNED_IN, SIGNED_IN),
    "healthz": (ALL, ALL),
    "set_language": (ALL, ALL),
    "javascript-catalog": (ALL, ALL),
    "accounts:login": (ALL, ALL),
    "accounts:logout": (ALL, ALL),
    "accounts:logout_everywhere": (NOBODY, SIGNED_IN),
    "accounts:profile": (SIGNED_IN, SIGNED_IN),
    "accounts:otp_verify": (SIGNED_IN, SIGNED_IN),
    "accounts:otp_setup": (SIGNED_IN, SIGNED_IN),
    "accounts:otp_recovery_codes": (NOBODY, SIGNED_IN),
    "accounts:user_list": (ADMIN, ADMIN),
    "accounts:otp_reset": (ADMIN, ADMIN),
    "accounts:password_change": (SIGNED_IN, SIGNED_IN),
    "accounts:password_change_done": (SIGNED_IN, SIGNED_IN),
    "accounts:password_reset": (ALL, ALL),
    "accounts:password_reset_done": (ALL, ALL),
    "accounts:password_reset_confirm": (ALL, ALL),
    "accounts:password_reset_complete": (ALL, ALL),
    "institutions:list": (ADMIN, ADMIN),
    "institutions:detail": (ADMIN, ADMIN),
    "institutions:register": (ADMIN, ADMIN),
    "institutions:register_export": (ADMIN, ADMIN),
    "institutions:register_preview": (ADMIN, ADMIN),
    "assessments:instrument_list": (OVERSIGHT, OVERSIGHT),
    "assessments:instrument_import": (ADMIN, ADMIN),
    "assessments:instrument_detail": (OVERSIGHT, OVERSIGHT),
    "assessments:instrument_publish": (ADMIN, ADMIN),
    "assessments:instrument_export": (OVERSIGHT, OVERSIGHT),
    "assessments:evidence_download": (OWNER_AND_ASSIGNED, NOBODY),
    "assessments:period_list": (ADMIN, ADMIN),
    "assessments:period_create": (ADMIN, ADMIN),
    "assessments:period_edit": (ADMIN, ADMIN),
    "assessments_self:home": (INSTITUTIONS, INSTITUTIONS),
    "assessments_self:aspect": (OWNER, OWNER),
    "assessments_self:answer_save": (OWNER, OWNER),
    "assessments_self:answer_history": (OWNER, OWNER),
    "assessments_self:evidence_upload": (OWNER, OWNER),
    "assessments_self:evidence_delete": (OWNER, OWNER),
    "assessments_self:clarification_reply": (OWNER, OWNER),
    "assessments_self:submit": (OWNER, OWNER_LEAD),
    "assessments_self:carry_over": (OWNER_LEAD, OWNER_LEAD),
    "assessments_self:extensions": (ADMIN, ADMIN),
    "assessments_verification:queue": (OVERSIGHT, OVERSIGHT),
    "assessments_verification:clarifications": (OVERSIGHT, OVERSIGHT),
    "assessments_verification:clarification_resolve": (ASSIGNED, ASSIGNED_VERIFIER),
    "assessments_verification:assignment": (ADMIN, ADMIN),
    "assessments_verification:workload": (ADMIN, ADMIN),
    "assessments_verification:assignment_proposal": (ADMIN, ADMIN),
    "assessments_verification:assessment": (ASSIGNED, ASSIGNED),
    "assessments_verification:start": (ASSIGNED, ASSIGNED_VERIFIER),
    "assessments_verification:aspect": (ASSIGNED, ASSIGNED),
    "assessments_verification:answer_verify": (ASSIGNED, ASSIGNED),
    "assessments_verification:recommendation": (NOBODY, ASSIGNED_VERIFIER),
    "assessments_verification:clarify": (ASSIGNED, ASSIGNED),
    "assessments_verification:return": (ASSIGNED, ASSIGNED),
    "assessments_verification:finalise": (ASSIGNED, ASSIGNED_VERIFIER),
    "assessments_verification:reopen": (ADMIN, ADMIN),
    "assessments_verification:changes": (ASSIGNED, ASSIGNED),
    "assessments_verification:history": (ASSIGNED, ASSIGNED),
    "assessments_verification:deadlines": (ADMIN, ADMIN),
    "assessments_verification:assessment_verifiers": (ADMIN, ADMIN),
    "assessments_verification:verifier_remove": (ADMIN, ADMIN),
    "assessments_objections:open": (OVERSIGHT, NOBODY),
    "dashboards:inbox": (SIGNED_IN, NOBODY),
    "dashboards:inbox_badge": (SIGNED_IN, NOBODY),
    "assessments_objections:assessment": (OWNER_AND_ASSIGNED, NOBODY),
    "assessments_objections:file": (NOBODY, OWNER_LEAD),
    "assessments_objections:answer": (NOBODY, ASSIGNED_VERIFIER),
    "assessments_scores:list": (SIGNED_IN, SIGNED_IN),
    "assessments_scores:comparison": (OWNER_AND_ASSIGNED, OWNER_AND_ASSIGNED),
    "assessments_scores:simulator": (OWNER, OWNER),
    "assessments_scores:component_values": (ADMIN, ADMIN),
    "certificates:decision_list": (SIGNED_IN, SIGNED_IN),
    "certificates:decision_create": (ADMIN, ADMIN),
    "certificates:decision_detail": (ADMIN, ADMIN),
    "certificates:decision_edit": (ADMIN, ADMIN),
    "certificates:decision_select": (ADMIN, ADMIN),
    "certificates:decision_issue": (ADMIN, ADMIN),
    "certificates:decision_delete": (ADMIN, ADMIN),
    "certificates:decision_progress": (ADMIN, ADMIN),
    "certificates:documents_retry": (ADMIN, ADMIN),
    "certificates:letter_download": (OWNER | OVERSIGHT, NOBODY),
    "certificates:charters_zip": (ADMIN, NOBODY),
    "certificates:charter_download": (OWNER | ADMIN, NOBODY),
    # The matrix's assessment is still in verification: no result report for anyone yet (404,
    # the login page for anonymous). certificates/tests/test_reports.py has the matrix for a
    # verified and a decided assessment.
    "certificates:report_download": (NOBODY, NOBODY),
    "certificates:certificate_revoke": (ADMIN, ADMIN),
    "certificates:certificate_reinstate": (ADMIN, ADMIN),
    "certificates:verify_lookup": (ALL, NOBODY),
    "certificates:verify": (ALL, NOBODY),
    "certificates:verify_file": (NOBODY, ALL),
    "dashboards:national": (OVERSIGHT, OVERSIGHT),
    "dashboards:results": (OVERSIGHT, OVERSIGHT),
    "dashboards:targets": (ADMIN, ADMIN),
    # The staff survey's national figures: every role (an institution sees the national value and
    # itself only); the aggregates' exports: the oversight staff.
    "dashboards:survey": (SIGNED_IN, NOBODY),
    "dashboards:survey_export": (OVERSIGHT, NOBODY),
    "dashboards:export": (OVERSIGHT, OVERSIGHT),
    "dashboards:my_profile": (INSTITUTIONS, INSTITUTIONS),
    "dashboards:profile": (INSTITUTION_RESULTS, INSTITUTION_RESULTS),
    "dashboards:public_results": (ALL, ALL),
    "audit:list": (ADMIN, NOBODY),
    "audit:export": (ADMIN, NOBODY),
    "audit:side_effects": (ADMIN, NOBODY),
    "surveys:list": (SIGNED_IN, SIGNED_IN),
    "surveys:manage": (INSTITUTION_RESULTS, INSTITUTION_RESULTS),
    "surveys:qr": (INSTITUTION_RESULTS, INSTITUTION_RESULTS),
    "surveys:quality": (ASSIGNED, ASSIGNED),
    "surveys:poster": (INSTITUTION_RESULTS, INSTITUTION_RESULTS),
    "surveys:window": (ADMIN, ADMIN),
    "surveys:questionnaire_export": (OVERSIGHT, OVERSIGHT),
    "surveys:questionnaire_export_xlsx": (OVERSIGHT, OVERSIGHT),
    "surveys:questionnaires": (ADMIN, ADMIN),
    "surveys:questionnaire_upload": (ADMIN, ADMIN),
    "surveys:codes_export": (OWNER_LEAD, OWNER_LEAD),
    "surveys:slips": (OWNER_LEAD, OWNER_LEAD),
    "surveys:answer": (ALL, ALL),
    "surveys:thanks": (ALL, ALL),
    "healthz_live": (ALL, ALL),
    "healthz_ready": (ALL, ALL),
    "healthz_session": (SIGNED_IN, SIGNED_IN),
    # A background job is its requester's alone (the world's job is the admin's).
    "job": (ADMIN, NOBODY),
    "job_download": (ADMIN, NOBODY),
    "django-admin-login": (ALL, ALL),
    # API keys: a lead manages the institution's keys, an admin the oversight keys (and revokes any).
    "api_keys:list": (LEADS | ADMIN, LEADS | ADMIN),
    "api_keys:revoke": (NOBODY, OWNER_LEAD | ADMIN),
    # The API's schema, its documentation and the open data are public; every other API URL takes
    # a key only (API_POLICY below), never a session.
    "api:schema": (ALL, NOBODY),
    "api:docs": (ALL, NOBODY),
    "api:open_periods": (ALL, NOBODY),
    "api:open_results": (ALL, NOBODY),
    "api:open_results_csv": (ALL, NOBODY),
}


def _named_patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(route, full name) of every URL outside the Django admin, namespaces included."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("django-admin"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = (prefix + str(entry.pattern)).replace("^", "").replace("$", "")
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)(\{[^}]*\})?", r"<\1>", route)
            yield route, f"{namespace}{entry.name}"


@pytest.fixture
def matrix_world(verification_started, admin_user, verifier, other_verifier, editor, lead, other_lead, period):
    from assessments.models import Clarification, Evidence, Objection
    from certificates.models import Certificate, Decision, DecisionStatus, RenderStatus
    from certificates.services import serial_new
    from institutions.models import Membership, RegisterUpload

    other_institution = Membership.objects.get(user=other_lead).institution
    other_editor = make_member(other_institution, MembershipRole.EDITOR, "editor@other.local")
    assessment = verification_started
    answer = assessment.answers.order_by("pk").first()
    evidence = Evidence.objects.filter(answer__assessment=assessment).order_by("pk").first()
    clarification = Clarification.objects.create(
        answer=answer, asked_by=verifier, question="q?", due_date=dt.date(2026, 12, 1)
    )
    objection = Objection.objects.create(answer=answer, reason="r", filed_by=lead, due_date=dt.date(2026, 12, 8))
    # An issued decision that includes the assessment, its letter and charter rendered.
    decision = Decision.objects.create(
        number="1/MATRIX",
        date=dt.date(2026, 11, 22),
        period=period,
        signatory_name="A",
        signatory_title="B",
        status=DecisionStatus.ISSUED,
        issued_at=timezone.now(),
        letter_status=RenderStatus.READY,
    )
    decision.assessments.add(assessment)
    decision.letter.save("letter.pdf", ContentFile(b"%PDF-1.4 letter"), save=True)
    certificate = Certificate.objects.create(
        decision=decision,
        institution=assessment.institution,
        assessment=assessment,
        serial=serial_new(),
        score_total=Decimal("300"),
        category_code="B",
        category_name="Baik",
        render_status=RenderStatus.READY,
    )
    certificate.pdf.save("charter.pdf", ContentFile(b"%PDF-1.4 charter"), save=True)
    from core.models import Job, JobStatus

    job = Job.objects.create(
        producer="dashboards.exports.results_job", title="Hasil", requested_by=admin_user, status=JobStatus.READY
    )
    job.file.save("jobs/hasil.csv", ContentFile(b"a,b\n"), save=True)

    # A staff survey on the assessment (its instrument needs none for the pages to answer) and
    # open survey dates on the period, so the public page takes answers.
    from surveys.models import CodeBatch, Survey, SurveyWindow
    from surveys.reference import reference_questionnaire_ensure

    questionnaire = reference_questionnaire_ensure()
    # In strict mode, so the lead's code list and slips exist.
    survey = Survey.objects.create(
        assessment=assessment,
        questionnaire=questionnaire,
        public_id="matrix-survey",
        population=10,
        sample_target=10,
        strict=True,
        code_key="k" * 64,
        codes_issued=10,
    )
    survey.poster.save("poster.pdf", ContentFile(b"%PDF-1.4 poster"), save=True)
    batch = CodeBatch.objects.create(survey=survey, first_index=0, count=10)
    batch.slips.save("kode.pdf", ContentFile(b"%PDF-1.4 slips"), save=True)
    SurveyWindow.objects.create(
        period=period, opens_on=timezone.localdate(), closes_on=timezone.localdate() + dt.timedelta(days=5)
    )

    # A decided assessment of a third institution in the same period: the open data has a period.
    from api.services import apikey_create
    from assessments.models import AssessmentStatus
    from assessments.periods.services import assessment_get_or_create
    from conftest import make_institution

    decided = assessment_get_or_create(institution=make_institution("K903", "Kementerian Diputuskan"), period=period)
    type(decided).objects.filter(pk=decided.pk).update(status=AssessmentStatus.DECIDED)
    people = {
        "anonymous": None,
        "editor": editor,
        "lead": lead,
        "other_editor": other_editor,
        "other_lead": other_lead,
        "verifier": verifier,
        "other_verifier": other_verifier,
        "admin": admin_user,
    }
    ids = {
        "assessments:evidence_download": evidence.pk,
        "assessments_self:evidence_delete": evidence.pk,
        "assessments_self:clarification_reply": clarification.pk,
        "assessments_verification:clarification_resolve": clarification.pk,
        "assessments:instrument_detail": period.instrument_id,
        "assessments:instrument_publish": period.instrument_id,
        "assessments:instrument_export": period.instrument_id,
        "assessments:period_edit": period.pk,
        "institutions:detail": assessment.institution_id,
        "dashboards:profile": assessment.institution_id,
        "certificates:charter_download": certificate.pk,
        "certificates:certificate_revoke": certificate.pk,
        "certificates:certificate_reinstate": certificate.pk,
        "accounts:otp_reset": lead.pk,
        "job": job.pk,
        "job_download": job.pk,
        "surveys:questionnaire_export": questionnaire.pk,
        "surveys:questionnaire_export_xlsx": questionnaire.pk,
        "surveys:questionnaire_upload": questionnaire.component_id,
        "surveys:slips": batch.pk,
        "api_keys:revoke": apikey_create(user=lead, name="matrix", scope="read")[0].pk,
        "api:open_results": period.pk,
        "api:open_results_csv": period.pk,
        "api:evidence": evidence.pk,
        "api:clarification_reply": clarification.pk,
        "institutions:register_preview": RegisterUpload.objects.create(
            rows=[], filename="register.csv", effective_on=dt.date(2026, 12, 1), uploaded_by=admin_user
        ).pk,
    }
    return {
        "people": people,
        "assessment": assessment,
        "answer": answer,
        "decision": decision,
        "ids": ids,
        "certificate": certificate,
        "survey": survey,
        "objection": objection,
    }


def _urls(world) -> dict[str, str]:
    assessment, answer = world["assessment"], world["answer"]
    found: dict[str, str] = {}
    for route, name in _named_patterns(get_resolver()):
        pk = world["ids"].get(name)
        if pk is None:
            pk = (
                world["decision"].pk
                if name.startswith("certificates:")
                and "decision" in name
                or name
                in (
                    "certificates:letter_download",
                    "certificates:charters_zip",
                    "certificates:documents_retry",
                )
                else assessment.pk
            )
        values = {
            "pk": str(pk),
            "assessment_id": str(assessment.pk),
            "period_id": str(assessment.period_id),
            "answer_pk": str(answer.pk),
            "objection_pk": str(world["objection"].pk),
            "indicator_pk": str(answer.indicator_id),
            "number": "1",
            "user_pk": str(world["people"]["verifier"].pk),
            "serial": world["certificate"].serial,
            "fmt": "xlsx" if name == "assessments:instrument_export" else "csv",
            "code": answer.indicator.code,
            "uidb64": "MQ",
            "token": "abc-def",
            "public_id": world["survey"].public_id,
        }
        url = _fill(route, values)
        if url:
            found[name] = url
    return found


def test_every_url_has_a_policy(matrix_world):
    names = set(_urls(matrix_world)) - (set(API_POLICY) - set(POLICY)) - {"api:not_found"}
    assert len(names) > 80
    assert not names - set(POLICY), f"URLs without a line in POLICY: {sorted(names - set(POLICY))}"
    assert not set(POLICY) - names, f"POLICY lines for URLs that do not exist: {sorted(set(POLICY) - names)}"


def _refused(role: str, response) -> bool:
    if role == "anonymous":
        return response.status_code in (302, 405) and (
            response.status_code == 405 or "/accounts/login/" in response.get("Location", "")
        )
    return response.status_code in (403, 404, 405)


# Pages whose answer is the login page by design (signing out).
LOGIN_PAGE_BY_DESIGN = {"accounts:logout", "accounts:logout_everywhere", "django-admin-login"}


def _allowed(name: str, response) -> bool:
    if response.status_code in (403, 404):
        return False
    if name in LOGIN_PAGE_BY_DESIGN:
        return True
    return not (response.status_code == 302 and "/accounts/login/" in response.get("Location", ""))


def test_permission_matrix(matrix_world):
    urls = _urls(matrix_world)
    problems = []
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].raise_request_exception = False
        person = matrix_world["people"][role]
        if person is not None:
            clients[role].force_login(User.objects.get(pk=person.pk))
    for name, url in sorted(urls.items()):
        if name not in POLICY:
            continue  # a key-only API URL (test_api_matrix) or the API's catch-all 404
        allowed_get, allowed_post = POLICY[name]
        for role in ROLES:
            for method, allowed in (("get", allowed_get), ("post", allowed_post)):
                client = clients[role]
                session_cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                # A sign-out replaced the session cookie; the rolled-back database still has
                # the session, so the next request goes on as the same person.
                if session_cookie is not None:
                    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie.value
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {url} as {role}: {response.status_code}")
                elif role in allowed and not _allowed(name, response):
                    problems.append(f"{method.upper()} {url} as {role}: refused ({response.status_code}) but allowed")
                elif (
                    role not in allowed
                    and not _refused(role, response)
                    and not (allowed == NOBODY and response.status_code == 405)
                ):
                    problems.append(f"{method.upper()} {url} as {role}: LEAK ({response.status_code})")
    assert not problems, "\n".join(problems)


# --- the API: every endpoint × every key kind and scope ---------------------------------------
#
# Keys exist for leads (read, write, submit scope) and admins (oversight, read only); editors and
# verifiers cannot hold one (api/tests/test_keys.py). "Allowed" means the call passed the key and
# access checks: it may still be refused by the workflow (409) or for its input (400, 428).
KEYS = ("none", "session_lead", "lead_read", "lead_write", "lead_submit", "other_lead_submit", "oversight")
ANY_KEY = frozenset({"lead_read", "lead_write", "lead_submit", "other_lead_submit", "oversight"})
OWN_READ = frozenset({"lead_read", "lead_write", "lead_submit", "oversight"})
OWN_WRITE = frozenset({"lead_write", "lead_submit"})
OVERSIGHT_KEY = frozenset({"oversight"})

# url name -> {method: key kinds allowed}
API_POLICY: dict[str, dict[str, frozenset[str]]] = {
    "api:assessments": {"get": ANY_KEY},
    "api:assessment": {"get": OWN_READ},
    "api:instrument": {"get": OWN_READ},
    "api:answers": {"get": OWN_READ, "post": OWN_WRITE},
    "api:answer": {"get": OWN_READ, "put": OWN_WRITE},
    "api:evidence_upload": {"post": OWN_WRITE},
    "api:evidence": {"delete": OWN_WRITE},
    "api:clarifications": {"get": OWN_READ},
    "api:clarification_reply": {"post": OWN_WRITE},
    "api:scores": {"get": OWN_READ},
    "api:submit": {"post": frozenset({"lead_submit"})},
    "api:institutions": {"get": OVERSIGHT_KEY},
    "api:periods": {"get": OVERSIGHT_KEY},
    "api:decisions": {"get": OVERSIGHT_KEY},
    "api:certificates": {"get": OVERSIGHT_KEY},
    "api:schema": {"get": frozenset(KEYS)},
    "api:docs": {"get": frozenset(KEYS)},
    "api:open_periods": {"get": frozenset(KEYS)},
    "api:open_results": {"get": frozenset(KEYS)},
    "api:open_results_csv": {"get": frozenset(KEYS)},
    "api:unknown": {},
}
METHODS = ("get", "post", "put", "delete")


def test_every_api_url_has_an_api_policy(matrix_world):
    # api:not_found is the catch-all that answers a problem 404 for any other URL under /api/v1/.
    names = {n for n in _urls(matrix_world) if n.startswith("api:")} - {"api:not_found"}
    assert names == set(API_POLICY) - {"api:unknown"}, sorted(names ^ set(API_POLICY))


def test_api_matrix(matrix_world, settings):
    from django.core.cache import cache

    settings.API_CALLS_PER_MINUTE = 100_000  # the rate limit has its own test (api/tests/test_keys.py)
    from api.services import apikey_create

    cache.clear()
    world = matrix_world
    people = world["people"]
    # The assessment is in verification: reopen its answers so writes reach the services.
    from assessments.models import AssessmentStatus

    type(world["assessment"]).objects.filter(pk=world["assessment"].pk).update(status=AssessmentStatus.DRAFT)
    raw = {
        "lead_read": apikey_create(user=people["lead"], name="r", scope="read")[1],
        "lead_write": apikey_create(user=people["lead"], name="w", scope="write")[1],
        "lead_submit": apikey_create(user=people["lead"], name="s", scope="submit")[1],
        "other_lead_submit": apikey_create(user=people["other_lead"], name="o", scope="submit")[1],
        "oversight": apikey_create(user=people["admin"], name="a", scope="read")[1],
    }
    urls = {name: url for name, url in _urls(world).items() if name in API_POLICY}
    urls["api:unknown"] = "/api/v1/no-such-thing/"
    session = Client()
    session.force_login(User.objects.get(pk=people["lead"].pk))
    problems = []
    for name, url in sorted(urls.items()):
        for kind in KEYS:
            for method in METHODS:
                allowed = API_POLICY[name].get(method, NOBODY)
                client = session if kind == "session_lead" else Client()
                client.raise_request_exception = False
                headers = {"Authorization": f"Bearer {raw[kind]}"} if kind in raw else {}
                with transaction.atomic():
                    response = getattr(client, method)(url, headers=headers, content_type="application/json")
                    transaction.set_rollback(True)
                code = response.status_code
                if code >= 500:
                    problems.append(f"{method.upper()} {url} with {kind}: {code}")
                elif method not in API_POLICY[name]:
                    # DRF checks the key before the method: a read-only key may hear 403 first.
                    if code not in (401, 403, 404, 405):
                        problems.append(f"{method.upper()} {url} with {kind}: {code}, expected a refusal")
                elif kind in allowed and code in (401, 403, 404, 405):
                    problems.append(f"{method.upper()} {url} with {kind}: refused ({code}) but allowed")
                elif kind not in allowed and code not in (401, 403, 404):
                    problems.append(f"{method.upper()} {url} with {kind}: LEAK ({code})")
                elif code in (401, 403, 404) and response["Content-Type"] != "application/problem+json":
                    problems.append(f"{method.upper()} {url} with {kind}: {code} is not a problem document")
    cache.clear()
    assert not problems, "\n".join(problems)
