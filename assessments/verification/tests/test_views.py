"""Verification pages: permission per view × role, saving without reload, bad input shown as a
clear message with nothing changed, and query counts that stay constant as rows grow."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.domain.workflow import transition_apply
from assessments.models import Answer, Assessment, AssessmentStatus, Clarification, ReviewState, TransitionLog
from assessments.periods.services import assessment_get_or_create
from assessments.verification import services as svc
from conftest import client_for as base_client_for
from conftest import make_institution, make_user, recommendations_write
from institutions.models import InstitutionKind, Region

S = AssessmentStatus
pytestmark = pytest.mark.django_db


def client_for(user):
    """Pages in English here, so assertions read the msgids; Indonesian is tested in test_verification_i18n."""
    client = base_client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


ROLES = ["anonymous", "admin", "verifier", "other_verifier", "editor", "lead", "other_lead"]

# Pages on one assessment: admins and assigned verifiers only.
ASSESSMENT_PAGES = ["assessment", "aspect", "clarify", "return", "finalise", "changes", "history"]
# Expected status per role for those pages (unassigned verifiers get a 404: no hint it exists;
# institution users get 403 from the oversight-only gate).
ASSESSMENT_EXPECTED = {
    "anonymous": 302,
    "admin": 200,
    "verifier": 200,
    "other_verifier": 404,
    "editor": 403,
    "lead": 403,
    "other_lead": 403,
}


def url(name: str, assessment: Assessment) -> str:
    answer = assessment.answers.order_by("pk")[0]
    args = {
        "aspect": [assessment.pk, 1],
        "clarify": [assessment.pk, answer.pk],
    }.get(name, [assessment.pk])
    return reverse(f"assessments_verification:{name}", args=args)


def user_for(role, users, other_verifier):
    return other_verifier if role == "other_verifier" else users[role]


@pytest.mark.parametrize("page", ASSESSMENT_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_assessment_pages_per_role(page, role, verification_started, users, other_verifier):
    response = client_for(user_for(role, users, other_verifier)).get(url(page, verification_started))
    assert response.status_code == ASSESSMENT_EXPECTED[role]
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if response.status_code == 200:
        assert verification_started.institution.name in response.content.decode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("queue", {"admin": 200, "verifier": 200, "other_verifier": 200}),
        ("clarifications", {"admin": 200, "verifier": 200, "other_verifier": 200}),
        ("assignment", {"admin": 200}),
        ("workload", {"admin": 200}),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_list_pages_per_role(name, expected, role, verification_started, users, other_verifier):
    response = client_for(user_for(role, users, other_verifier)).get(reverse(f"assessments_verification:{name}"))
    want = 302 if role == "anonymous" else expected.get(role, 403)
    assert response.status_code == want


@pytest.mark.parametrize("page", ["reopen", "assessment_verifiers"])
@pytest.mark.parametrize("role", ROLES)
def test_admin_only_assessment_pages(page, role, verification_started, users, other_verifier):
    response = client_for(user_for(role, users, other_verifier)).get(url(page, verification_started))
    want = {"anonymous": 302, "admin": 200}.get(role, 403)
    assert response.status_code == want


def test_queue_lists_only_assigned_assessments(verification_started, verifier, other_verifier, admin_user):
    name = verification_started.institution.name
    assert name in client_for(verifier).get(reverse("assessments_verification:queue")).content.decode()
    assert name not in client_for(other_verifier).get(reverse("assessments_verification:queue")).content.decode()
    assert name in client_for(admin_user).get(reverse("assessments_verification:queue")).content.decode()


def test_queue_shows_progress_and_bad_filters_are_ignored(verification_started, verifier):
    answer = verification_started.answers.select_related("assessment").first()
    svc.verified_answer_update(answer=answer, user=verifier, level=3, note="", version=answer.version)
    client = client_for(verifier)
    page = client.get(reverse("assessments_verification:queue")).content.decode()
    assert "1 / 33" in page
    odd = client.get(reverse("assessments_verification:queue") + "?status=bogus&period=x&sort=zz&page=99")
    assert odd.status_code == 200


def test_home_sends_a_verifier_to_the_queue(verifier):
    response = client_for(verifier).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("assessments_verification:queue")


# --- institution users never see verified levels here ---


def test_institution_cannot_reach_verified_levels(verification_started, verifier, lead):
    answer = verification_started.answers.select_related("assessment").first()
    svc.verified_answer_update(answer=answer, user=verifier, level=1, note="RAHASIA-VERIF", version=answer.version)
    for page in ASSESSMENT_PAGES:
        response = client_for(lead).get(url(page, verification_started))
        assert "RAHASIA-VERIF" not in response.content.decode()


# --- saving a verified level ---


def post_level(client, assessment, answer, level, version=None, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("assessments_verification:answer_verify", args=[assessment.pk, answer.pk]),
        {"level": level, "note": "Dicek", "version": answer.version if version is None else version},
        **headers,
    )


def test_htmx_save_returns_card_and_subtotals(verification_started, verifier):
    answer = verification_started.answers.select_related("indicator").order_by("pk").first()
    response = post_level(client_for(verifier), verification_started, answer, 4)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="answer-{answer.pk}"' in html and 'id="scores-panel"' in html and "hx-swap-oob" in html
    assert 'value="4"' in html and "checked" in html
    answer.refresh_from_db()
    assert answer.verified_level == 4 and answer.version == 2
    # The new version is in the returned form, so the next save is not a conflict.
    assert 'name="version" value="2"' in html
    # Aspect 1 verified subtotal: indicator 1.1 (max 12.5) at level 4.
    assert "12,5" in html


def test_save_without_htmx_redirects_back(verification_started, verifier):
    answer = verification_started.answers.order_by("pk").first()
    response = post_level(client_for(verifier), verification_started, answer, 2, htmx=False)
    assert response.status_code == 302 and f"#answer-{answer.pk}" in response["Location"]
    assert Answer.objects.get(pk=answer.pk).verified_level == 2


@pytest.mark.parametrize("level", ["5", "-1", "x", ""])
def test_bad_level_shown_in_place_nothing_changed(verification_started, verifier, level):
    answer = verification_started.answers.order_by("pk").first()
    response = post_level(client_for(verifier), verification_started, answer, level)
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-danger" in html and "0 to 4" in html
    answer.refresh_from_db()
    assert answer.verified_level is None and answer.version == 1


def test_stale_version_shown_in_place_with_current_values(verification_started, verifier):
    answer = verification_started.answers.select_related("assessment").order_by("pk").first()
    svc.verified_answer_update(answer=answer, user=verifier, level=4, note="first", version=1)
    response = post_level(client_for(verifier), verification_started, answer, 1, version=1)
    html = response.content.decode()
    assert "alert-danger" in html and answer.indicator.code in html
    assert 'name="version" value="2"' in html  # the current version, to try again deliberately
    assert Answer.objects.get(pk=answer.pk).verified_level == 4


def test_unassigned_verifier_cannot_post(verification_started, other_verifier):
    answer = verification_started.answers.order_by("pk").first()
    response = post_level(client_for(other_verifier), verification_started, answer, 3)
    assert response.status_code == 404
    assert Answer.objects.get(pk=answer.pk).verified_level is None


@pytest.mark.parametrize("role", ["admin", "lead", "editor"])
def test_only_assigned_verifier_saves_levels(verification_started, users, role):
    answer = verification_started.answers.order_by("pk").first()
    response = post_level(client_for(users[role]), verification_started, answer, 3, htmx=False)
    assert response.status_code in {302, 403}
    assert Answer.objects.get(pk=answer.pk).verified_level is None


def test_aspect_page_read_only_until_started(verification_submitted, verifier):
    html = client_for(verifier).get(url("aspect", verification_submitted)).content.decode()
    assert "verify-form" not in html
    assert reverse("assessments_verification:start", args=[verification_submitted.pk]) in html


def test_level_choices_show_every_descriptor_whole(verification_started, verifier):
    """Issue 20: descriptors were cut at about 120 characters, so level 4 could not be read."""
    from html import unescape

    html = unescape(client_for(verifier).get(url("aspect", verification_started)).content.decode())
    answer = verification_started.answers.select_related("indicator").order_by("pk").first()
    descriptors = [lv.descriptor for lv in answer.indicator.levels.all()]
    assert max(len(d) for d in descriptors) > 120
    for descriptor in descriptors:
        assert f'<span class="small level-descriptor">{descriptor}</span>' in html


def test_evidence_previews_inline(verification_started, verifier):
    html = client_for(verifier).get(url("aspect", verification_started)).content.decode()
    evidence = verification_started.answers.order_by("pk").first().evidence.first()
    assert f"/evidence/{evidence.pk}/?inline=1" in html and "<iframe" in html
    response = client_for(verifier).get(reverse("assessments:evidence_download", args=[evidence.pk]) + "?inline=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not response["Content-Disposition"].startswith("attachment")


# --- actions by POST ---


def test_start_by_post(verification_submitted, verifier):
    response = client_for(verifier).post(reverse("assessments_verification:start", args=[verification_submitted.pk]))
    assert response.status_code == 302
    verification_submitted.refresh_from_db()
    assert verification_submitted.status == S.IN_VERIFICATION


def test_start_refused_shows_message_not_500(verification_started, verifier):
    response = client_for(verifier).post(reverse("assessments_verification:start", args=[verification_started.pk]))
    assert response.status_code == 409
    assert "only on a submitted assessment" in response.content.decode()


def test_clarification_due_in_past_refused(verification_started, verifier):
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client_for(verifier).post(
        url("clarify", verification_started), {"question": "Mohon SK", "due_date": past}
    )
    assert response.status_code == 200
    assert past in response.content.decode()
    assert not Clarification.objects.exists()


def test_clarification_asked_then_resolved(verification_started, verifier):
    client = client_for(verifier)
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(url("clarify", verification_started), {"question": "Mohon SK", "due_date": due})
    assert response.status_code == 302
    clarification = Clarification.objects.get()
    page = client.get(reverse("assessments_verification:clarifications")).content.decode()
    assert "Mohon SK" in page
    # The institution replies (its form is on the self-assessment side).
    Clarification.objects.filter(pk=clarification.pk).update(reply="SK terlampir", replied_at=timezone.now())
    aspect_page = client.get(url("aspect", verification_started)).content.decode()
    assert "SK terlampir" in aspect_page
    response = client.post(reverse("assessments_verification:clarification_resolve", args=[clarification.pk]))
    assert response.status_code == 302
    assert not Clarification.objects.get().is_open
    assert "Mohon SK" not in client.get(reverse("assessments_verification:clarifications")).content.decode()


def test_resolve_by_other_verifier_is_404(verification_started, verifier, other_verifier):
    answer = verification_started.answers.select_related("assessment").first()
    clarification = svc.clarification_ask(answer=answer, user=verifier, question="Q", due_date=timezone.localdate())
    response = client_for(other_verifier).post(
        reverse("assessments_verification:clarification_resolve", args=[clarification.pk])
    )
    assert response.status_code == 404
    assert Clarification.objects.get().is_open


def test_return_without_flags_refused(verification_started, verifier):
    response = client_for(verifier).post(url("return", verification_started), {"message": "x"})
    assert response.status_code == 200
    verification_started.refresh_from_db()
    assert verification_started.status == S.IN_VERIFICATION
    assert "alert-danger" in response.content.decode()


def test_return_with_flags(verification_started, verifier):
    answer = verification_started.answers.order_by("pk").first()
    response = client_for(verifier).post(
        url("return", verification_started), {f"flag_{answer.pk}": "on", f"reason_{answer.pk}": "Perbaiki bukti"}
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.review_state == ReviewState.FLAGGED and answer.revision_reason == "Perbaiki bukti"
    verification_started.refresh_from_db()
    assert verification_started.status == S.REVISION


def test_finalise_incomplete_refused_then_done(verification_started, verifier):
    client = client_for(verifier)
    response = client.post(url("finalise", verification_started))
    assert response.status_code == 200 and "1.1" in response.content.decode()
    verification_started.refresh_from_db()
    assert verification_started.status == S.IN_VERIFICATION
    verification_started.answers.update(verified_level=2, review_state=ReviewState.VERIFIED)
    response = client.post(url("finalise", verification_started))
    assert response.status_code == 200 and "Without an improvement recommendation" in response.content.decode()
    aspect = verification_started.period.instrument.aspects.order_by("number").first()
    recommendation = reverse("assessments_verification:recommendation", args=[verification_started.pk, aspect.number])
    assert client.post(recommendation, {"text": "Lengkapi SK dan bukti pelaksanaan."}).status_code == 302
    assert "Lengkapi SK dan bukti pelaksanaan." in client.get(url("aspect", verification_started)).content.decode()
    recommendations_write(verification_started)
    assert client.post(url("finalise", verification_started)).status_code == 302
    verification_started.refresh_from_db()
    assert verification_started.status == S.VERIFIED


def test_reopen_by_admin_with_reason(verification_started, verifier, admin_user):
    verification_started.answers.update(verified_level=2, review_state=ReviewState.VERIFIED)
    recommendations_write(verification_started)
    svc.assessment_finalise(assessment=verification_started, user=verifier)
    client = client_for(admin_user)
    assert client.post(url("reopen", verification_started), {"reason": ""}).status_code == 200
    verification_started.refresh_from_db()
    assert verification_started.status == S.VERIFIED
    assert client.post(url("reopen", verification_started), {"reason": "Banding"}).status_code == 302
    verification_started.refresh_from_db()
    assert verification_started.status == S.IN_VERIFICATION


def test_history_page_shows_transitions_and_answer_changes(verification_started, verifier, admin_user):
    answer = verification_started.answers.select_related("assessment").order_by("pk").first()
    svc.verified_answer_update(answer=answer, user=verifier, level=2, note="catatan", version=1)
    html = client_for(admin_user).get(url("history", verification_started)).content.decode()
    assert "verified level" in html and verifier.full_name in html
    assert html.count("<tr>") >= 2 + 3  # 2 transitions + 3 history rows (headers aside)


def test_changes_since_return_page(verification_started, verifier, lead):
    answer = verification_started.answers.order_by("pk").first()
    svc.assessment_return(assessment=verification_started, user=verifier, flags={answer.pk: "Perbaiki"})
    from assessments.models import AnswerHistory

    AnswerHistory.objects.create(answer=answer, user=lead, field="self_note", old_value="lama", new_value="BARU-123")
    html = client_for(verifier).get(url("changes", verification_started)).content.decode()
    assert "BARU-123" in html and "Perbaiki" in html


# --- assignment ---


def test_bulk_assignment_by_filter(period, admin_user, verifier):
    west = make_institution("91", "Provinsi Barat", InstitutionKind.PROVINSI, region=Region.WILAYAH_II)
    east = make_institution("92", "Provinsi Timur", InstitutionKind.PROVINSI, region=Region.WILAYAH_I)
    ministry = make_institution("K1", "Kementerian Satu", region=Region.WILAYAH_II)
    for institution in (west, east, ministry):
        assessment_get_or_create(institution=institution, period=period)
    response = client_for(admin_user).post(
        reverse("assessments_verification:assignment") + "?kind=PROVINSI&region=II",
        {"verifiers": [verifier.pk], "all_matching": "on"},
    )
    assert response.status_code == 302
    assert list(Assessment.objects.filter(verifiers=verifier).values_list("institution__code", flat=True)) == ["91"]


def test_bulk_assignment_ticked_rows_and_empty_choice_refused(period, admin_user, verifier):
    a = assessment_get_or_create(institution=make_institution("K5", "Lima"), period=period)
    b = assessment_get_or_create(institution=make_institution("K6", "Enam"), period=period)
    client = client_for(admin_user)
    response = client.post(reverse("assessments_verification:assignment"), {"verifiers": [verifier.pk]})
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    assert not Assessment.objects.filter(verifiers=verifier).exists()
    client.post(reverse("assessments_verification:assignment"), {"verifiers": [verifier.pk], "assessments": [b.pk]})
    assert list(Assessment.objects.filter(verifiers=verifier)) == [b]
    assert not a.verifiers.exists()


def test_single_assignment_and_removal(verification_submitted, admin_user, verifier, other_verifier):
    client = client_for(admin_user)
    page = url("assessment_verifiers", verification_submitted)
    assert client.post(page, {"verifiers": [other_verifier.pk]}).status_code == 302
    assert set(verification_submitted.verifiers.all()) == {verifier, other_verifier}
    remove = reverse("assessments_verification:verifier_remove", args=[verification_submitted.pk, verifier.pk])
    assert client.post(remove).status_code == 302
    assert list(verification_submitted.verifiers.all()) == [other_verifier]


def test_workload_counts(verification_started, verification_submitted, admin_user, verifier):
    html = client_for(admin_user).get(reverse("assessments_verification:workload")).content.decode()
    row = html[html.index(f'data-verifier="{verifier.pk}"') :]
    assert "data-assigned>1<" in row and "data-in-progress>1<" in row


# --- query counts stay constant ---


def make_assigned(period, verifier, n: int, start: int) -> None:
    lead = make_user(f"lead{start}@q.local")
    for i in range(start, start + n):
        a = assessment_get_or_create(institution=make_institution(f"Q{i}", f"Instansi {i}"), period=period)
        transition_apply(assessment=a, to=S.SUBMITTED, user=lead)
        a.verifiers.add(verifier)
        first = a.answers.all()[0]
        Clarification.objects.create(answer=first, question="q", due_date=timezone.localdate(), asked_by=verifier)


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["queue", "clarifications"])
def test_verifier_lists_constant_queries(name, period, verifier):
    client = client_for(verifier)
    path = reverse(f"assessments_verification:{name}")
    make_assigned(period, verifier, 2, 0)
    few = count_queries(client, path)
    make_assigned(period, verifier, 12, 100)
    many = count_queries(client, path)
    assert few == many
    assert "Instansi 105" in client.get(path).content.decode()


@pytest.mark.parametrize("name", ["assignment", "workload"])
def test_admin_lists_constant_queries(name, period, verifier, other_verifier, admin_user):
    client = client_for(admin_user)
    path = reverse(f"assessments_verification:{name}")
    make_assigned(period, verifier, 2, 0)
    few = count_queries(client, path)
    make_assigned(period, other_verifier, 12, 100)
    make_user("verifier3@test.local", "verifier")
    many = count_queries(client, path)
    assert few == many


def test_aspect_page_constant_queries(verification_started, verifier):
    client = client_for(verifier)
    path = url("aspect", verification_started)
    count_queries(client, path)  # a published instrument's scale is read once per process
    few = count_queries(client, path)
    answer = verification_started.answers.order_by("pk").first()
    for _ in range(5):
        Clarification.objects.create(answer=answer, question="q", due_date=timezone.localdate(), asked_by=verifier)
    assert count_queries(client, path) == few


def test_no_transition_logged_on_refused_page_actions(verification_started, verifier):
    before = TransitionLog.objects.count()
    client_for(verifier).post(url("return", verification_started), {})
    client_for(verifier).post(url("finalise", verification_started))
    assert TransitionLog.objects.count() == before


def test_institution_answer_history_hides_verified_levels_until_it_may_see_them(verification_started, verifier, lead):
    """The aspect page's history table must not show the verifier's level and note while the
    institution may not see verified levels (can_see_verified_levels)."""
    answer = verification_started.answers.select_related("indicator__aspect").order_by("pk").first()
    svc.verified_answer_update(
        answer=answer, user=verifier, level=1, note="SECRET-VERIFIER-NOTE", version=answer.version
    )
    url = reverse("assessments_self:aspect", args=[verification_started.pk, answer.indicator.aspect.number])

    page = base_client_for(lead).get(url).content.decode()
    assert "SECRET-VERIFIER-NOTE" not in page
    assert "verified_level" not in page

    verification_started.period.show_verified_to_institutions = True
    verification_started.period.save(update_fields=["show_verified_to_institutions"])
    page = base_client_for(lead).get(url).content.decode()
    assert "SECRET-VERIFIER-NOTE" in page
