import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.instrument.selectors import scales_forget
from assessments.models import (
    Answer,
    AnswerHistory,
    AssessmentStatus,
    Clarification,
    Evidence,
    Extension,
    Indicator,
    Level,
    TransitionLog,
)
from assessments.periods.services import assessment_get_or_create
from assessments.self_assessment import services as svc
from assessments.self_assessment.selectors import HISTORY_SHOWN
from assessments.self_assessment.tests.support import ELF_BYTES, fill_all, pdf_bytes, upload
from conftest import client_for as _client_for
from conftest import make_institution

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def client_for(user, lang="en"):
    """English unless a test checks the Indonesian pages (the default language)."""
    client = _client_for(user)
    if lang:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def answer_of(assessment, code="1.1") -> Answer:
    return Answer.objects.select_related("indicator__aspect").get(assessment=assessment, indicator__code=code)


def urls(assessment, answer, evidence=None, clarification=None) -> dict[str, str]:
    result = {
        "home": reverse("home"),
        "self_home": reverse("assessments_self:home"),
        "aspect": reverse("assessments_self:aspect", args=[assessment.pk, 1]),
        "save": reverse("assessments_self:answer_save", args=[assessment.pk, answer.indicator_id]),
        "upload": reverse("assessments_self:evidence_upload", args=[assessment.pk, answer.indicator_id]),
        "submit": reverse("assessments_self:submit", args=[assessment.pk]),
        "carry": reverse("assessments_self:carry_over", args=[assessment.pk]),
        "extensions": reverse("assessments_self:extensions"),
    }
    if evidence is not None:
        result["delete"] = reverse("assessments_self:evidence_delete", args=[evidence.pk])
    if clarification is not None:
        result["reply"] = reverse("assessments_self:clarification_reply", args=[clarification.pk])
    return result


# --- permission matrix -----------------------------------------------------------------------

# Expected status per (page, role). 302 = redirected to login (anonymous) or back to the page.
GET_MATRIX = {
    "self_home": {"anonymous": 302, "admin": 403, "verifier": 403, "editor": 200, "lead": 200, "other_lead": 200},
    "aspect": {"anonymous": 302, "admin": 403, "verifier": 403, "editor": 200, "lead": 200, "other_lead": 404},
    "submit": {"anonymous": 302, "admin": 403, "verifier": 403, "editor": 200, "lead": 200, "other_lead": 404},
    "extensions": {"anonymous": 302, "admin": 200, "verifier": 403, "editor": 403, "lead": 403, "other_lead": 403},
}


@pytest.mark.parametrize("page", GET_MATRIX)
@pytest.mark.parametrize("role", ["anonymous", "admin", "verifier", "editor", "lead", "other_lead"])
def test_get_pages_by_role(users, assessment, page, role):
    response = client_for(users[role]).get(urls(assessment, answer_of(assessment))[page])
    assert response.status_code == GET_MATRIX[page][role]
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]


def test_home_dispatches_editor_and_lead_to_the_institution_home(users, assessment):
    for role in ("editor", "lead"):
        response = client_for(users[role]).get("/")
        assert response.status_code == 200
        assert b'id="aspect-progress"' in response.content


POST_ROLES = {"anonymous": 302, "admin": 403, "verifier": 403, "other_lead": 404}


@pytest.mark.parametrize("role", list(POST_ROLES))
def test_posts_refused_for_outsiders_change_nothing(users, assessment, editor, verifier, role):
    answer = answer_of(assessment)
    evidence = svc.evidence_add(answer=answer, user=editor, upload=upload("a.pdf", pdf_bytes()))
    clarification = Clarification.objects.create(
        answer=answer, question="?", due_date=timezone.localdate(), asked_by=verifier
    )
    u = urls(assessment, answer, evidence, clarification)
    client = client_for(users[role])
    posts = {
        "save": {"level": 2, "note": "x", "version": 1},
        "upload": {"file": upload("b.pdf", pdf_bytes("b"))},
        "delete": {},
        "reply": {"reply": "x"},
        "submit": {"confirm": "on"},
        "carry": {},
    }
    for name, data in posts.items():
        response = client.post(u[name], data)
        expected = POST_ROLES[role]
        if name == "carry" and role == "other_lead":
            expected = 404
        assert response.status_code == expected, (name, response.status_code)
    answer.refresh_from_db()
    clarification.refresh_from_db()
    assert (answer.self_level, answer.version, answer.evidence.count(), clarification.reply) == (None, 1, 1, "")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_editor_cannot_submit_or_carry_over(users, assessment, editor):
    fill_all(assessment, editor)
    client = client_for(editor)
    page = client.get(urls(assessment, answer_of(assessment))["submit"])
    assert b'id="submit-form"' not in page.content
    assert client.post(reverse("assessments_self:submit", args=[assessment.pk]), {"confirm": "on"}).status_code == 403
    assert client.post(reverse("assessments_self:carry_over", args=[assessment.pk])).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


# --- saving answers --------------------------------------------------------------------------


def test_save_without_javascript_redirects_to_the_indicator(assessment, editor):
    answer = answer_of(assessment)
    response = client_for(editor).post(
        urls(assessment, answer)["save"], {"level": 3, "note": "Ada SK", "version": 1}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/aspect/1/#ind-{answer.indicator_id}")
    answer.refresh_from_db()
    assert (answer.self_level, answer.self_note, answer.version) == (3, "Ada SK", 2)


def test_htmx_save_returns_only_what_changed(assessment, editor):
    """The save swaps the answer's part of the block; its history and the progress panel come out of
    band; the evidence list and upload form, which a save cannot change, are not sent again."""
    answer = answer_of(assessment)
    response = client_for(editor).post(urls(assessment, answer)["save"], {"level": 2, "version": 1}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="ind-{answer.indicator_id}-answer"')
    assert f'hx-target="#ind-{answer.indicator_id}-answer"' in html
    assert re.search(
        rf'<details id="ind-{answer.indicator_id}-history" class="small history" hx-swap-oob="true">', html
    )
    assert "History (1 change)" in html and editor.full_name in html
    assert 'id="progress-panel" class="card mb-3" hx-swap-oob="true"' in html
    assert re.search(r'id="progress-aspect-1">1/\d+<', html)
    assert 'name="version" value="2"' in html
    assert "evidence-list" not in html and "evidence-form" not in html


def test_changing_an_answer_leaves_the_progress_panel_alone(assessment, editor):
    answer = answer_of(assessment)
    client = client_for(editor)
    client.post(urls(assessment, answer)["save"], {"level": 2, "version": 1}, **HX)
    html = client.post(
        urls(assessment, answer)["save"], {"level": 3, "note": "ubah", "version": 2}, **HX
    ).content.decode()
    assert f"Indicator {answer.indicator.code} saved." in html and 'name="version" value="3"' in html
    assert "History (3 changes)" in html  # level, level again, note
    assert "progress-panel" not in html  # the counts cannot have changed


def test_the_page_swaps_the_save_response_into_the_block(assessment, editor):
    """The ids the save response carries are the ones the aspect page has, once each."""
    answer = answer_of(assessment)
    page = client_for(editor).get(urls(assessment, answer)["aspect"]).content.decode()
    for element_id in (f"ind-{answer.indicator_id}-answer", f"ind-{answer.indicator_id}-history", "progress-panel"):
        assert page.count(f'id="{element_id}"') == 1, element_id


def test_a_long_history_shows_the_newest_changes_and_counts_all(assessment, editor, lead):
    answer = answer_of(assessment)
    for version in range(1, 8):  # 7 saves, each changing level and note: 14 changes
        svc.answer_update(answer=answer, user=editor, level=1 + version % 4, note=f"catatan {version}", version=version)
    svc.answer_update(answer=answer, user=lead, level=4, note="versi akhir", version=8)
    client = client_for(editor)
    page = client.get(urls(assessment, answer)["aspect"]).content.decode()
    after_page = AnswerHistory.objects.filter(answer=answer).count()
    saved = client.post(urls(assessment, answer)["save"], {"level": 1, "note": "lagi", "version": 9}, **HX)
    after_save = AnswerHistory.objects.filter(answer=answer).count()
    for html, total in ((page, after_page), (saved.content.decode(), after_save)):
        history = re.search(rf'<details id="ind-{answer.indicator_id}-history".*?</details>', html, re.S).group(0)
        assert total > HISTORY_SHOWN
        assert f"History ({total} changes)" in history
        assert history.count("<tr>") - 1 == HISTORY_SHOWN  # the header row, then the newest rows
        assert f"The newest {HISTORY_SHOWN} changes are shown." in history
    link = re.search(r'<a href="([^"]+)">See all (\d+) changes</a>', history)
    assert link and int(link.group(2)) == after_save
    full = client.get(link.group(1)).content.decode()
    table = re.search(r'<section class="small" id="answer-history">.*?</section>', full, re.S).group(0)
    assert f"{after_save} changes, newest first." in full
    assert table.count("<tr>") - 1 == after_save and "catatan 1<" in table  # the oldest too
    assert "lagi" in history.split("</tr>")[1]  # newest first
    assert "catatan 1<" not in history  # the oldest change is not listed


def test_stale_save_shows_who_saved_what(assessment, editor, lead):
    answer = answer_of(assessment)
    svc.answer_update(answer=answer, user=lead, level=4, note="versi lead", version=1)
    client = client_for(editor)
    response = client.post(urls(assessment, answer)["save"], {"level": 1, "note": "versi editor", "version": 1}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-conflict" in html and lead.full_name in html and "versi lead" in html and "versi editor" in html
    response = client.post(
        urls(assessment, answer)["save"], {"level": 1, "note": "versi editor", "version": 1}, follow=True
    )
    text = response.content.decode()
    assert lead.full_name in text and "versi lead" in text
    answer.refresh_from_db()
    assert (answer.self_level, answer.self_note, answer.version) == (4, "versi lead", 2)


# --- forged posts ----------------------------------------------------------------------------


def _unchanged(assessment):
    return list(Answer.objects.filter(assessment=assessment).values_list("self_level", "version").order_by("pk")), (
        Evidence.objects.count()
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_level_seven_is_refused(assessment, editor, htmx):
    before = _unchanged(assessment)
    answer = answer_of(assessment)
    kwargs = HX if htmx else {"follow": True}
    response = client_for(editor).post(urls(assessment, answer)["save"], {"level": 7, "version": 1}, **kwargs)
    assert response.status_code == 200
    assert "Choose a level from 1 to 4." in response.content.decode() and "alert-danger" in response.content.decode()
    assert _unchanged(assessment) == before


def test_indicator_of_another_instrument_is_refused(assessment, editor):
    from assessments.instrument.reference import reference_instrument_2025_ensure

    other = reference_instrument_2025_ensure()
    foreign = Indicator.objects.get(aspect__instrument=other, code="1.1")
    before = _unchanged(assessment)
    client = client_for(editor)
    url = reverse("assessments_self:answer_save", args=[assessment.pk, foreign.pk])
    response = client.post(url, {"level": 2, "version": 1})
    assert response.status_code == 400
    assert "not part of this assessment" in response.content.decode()
    url = reverse("assessments_self:evidence_upload", args=[assessment.pk, foreign.pk])
    assert client.post(url, {"file": upload("a.pdf", pdf_bytes())}).status_code == 400
    assert _unchanged(assessment) == before


def test_answer_of_another_institution_is_refused(assessment, other_lead, other_institution, period, editor):
    other_assessment = assessment_get_or_create(institution=other_institution, period=period)
    other_answer = answer_of(other_assessment)
    before = _unchanged(other_assessment)
    # Own institution's editor posting to the other institution's assessment.
    response = client_for(editor).post(urls(other_assessment, other_answer)["save"], {"level": 2, "version": 1})
    assert response.status_code == 404
    # Own assessment URL with the other's indicator id is still the own answer: nothing of theirs changes.
    assert _unchanged(other_assessment) == before


def test_edit_after_submit_is_refused(assessment, editor, lead):
    fill_all(assessment, editor)
    svc.assessment_submit(assessment=assessment, user=lead)
    answer = answer_of(assessment)
    before = _unchanged(assessment)
    response = client_for(editor).post(
        urls(assessment, answer)["save"], {"level": 2, "version": answer.version}, follow=True
    )
    assert "can no longer be changed" in response.content.decode()
    response = client_for(editor).post(urls(assessment, answer)["upload"], {"file": upload("a.pdf", pdf_bytes())}, **HX)
    assert "can no longer be changed" in response.content.decode()
    assert _unchanged(assessment) == before
    page = client_for(editor).get(urls(assessment, answer)["aspect"]).content.decode()
    assert "answer-form" not in page and "read-only" in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("laporan.pdf", ELF_BYTES, "not accepted"),
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 300, "not accepted"),
        ("..／..／etc／passwd.pdf", pdf_bytes(), "must not contain a path"),
        ("kosong.pdf", b"", "empty"),
    ],
    ids=["elf", "mz", "fullwidth-traversal", "empty"],
)
def test_bad_uploads_are_refused(assessment, editor, name, data, message):
    answer = answer_of(assessment)
    before = _unchanged(assessment)
    response = client_for(editor).post(urls(assessment, answer)["upload"], {"file": upload(name, data)}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _unchanged(assessment) == before


def test_traversal_name_never_leaves_the_evidence_store(assessment, editor, settings, tmp_path):
    answer = answer_of(assessment)
    client_for(editor).post(
        urls(assessment, answer)["upload"], {"file": upload("../../../../tmp/evil.pdf", pdf_bytes())}
    )
    # Django's parser already cuts the directories; what is stored is named by its hash only.
    for evidence in Evidence.objects.all():
        assert evidence.file.name.startswith("evidence/") and ".." not in evidence.original_name
        assert "/" not in evidence.original_name


def test_oversized_upload_is_refused(assessment, editor, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    answer = answer_of(assessment)
    before = _unchanged(assessment)
    response = client_for(editor).post(
        urls(assessment, answer)["upload"], {"file": upload("besar.pdf", pdf_bytes("x" * 5000))}, **HX
    )
    assert response.status_code == 200 and "too large" in response.content.decode()
    assert _unchanged(assessment) == before


def test_upload_and_delete_through_the_page(assessment, editor):
    answer = answer_of(assessment)
    client = client_for(editor)
    response = client.post(urls(assessment, answer)["upload"], {"file": upload("SK Peta.pdf", pdf_bytes())}, **HX)
    html = response.content.decode()
    evidence = Evidence.objects.get()
    assert "SK Peta.pdf" in html and reverse("assessments:evidence_download", args=[evidence.pk]) in html
    download = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert b"".join(download.streaming_content) == pdf_bytes()
    response = client.post(urls(assessment, answer, evidence)["delete"], **HX)
    assert "No evidence yet" in response.content.decode()
    assert not Evidence.objects.exists()


# --- query count -----------------------------------------------------------------------------


def _grow(assessment, editor, n, start=0):
    aspect = answer_of(assessment).indicator.aspect
    for i in range(start, start + n):
        indicator = Indicator.objects.create(aspect=aspect, code=f"1.9{i}", position=90 + i, statement="x", max_score=1)
        Level.objects.bulk_create(Level(indicator=indicator, level=lv, descriptor=f"L{lv}") for lv in range(1, 5))
        answer = Answer.objects.create(assessment=assessment, indicator=indicator)
        svc.answer_update(answer=answer, user=editor, level=2, note="n", version=1)
        for j in range(3):
            svc.evidence_add(answer=answer, user=editor, upload=upload(f"e{j}.pdf", pdf_bytes(f"{i}-{j}")))
    # A published instrument never changes, so each process keeps its indicators; this test grows
    # one, so it forgets them as a new process would.
    scales_forget()


def test_aspect_page_query_count_is_constant(assessment, editor, verifier):
    client = client_for(editor)
    url = urls(assessment, answer_of(assessment))["aspect"]
    _grow(assessment, editor, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(assessment, editor, 6, start=1)
    for answer in Answer.objects.filter(assessment=assessment, indicator__aspect__number=1)[:3]:
        Clarification.objects.create(answer=answer, question="?", due_date=timezone.localdate(), asked_by=verifier)
    client.get(url)  # reads the grown instrument once, as the first page of a new process does
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.content.decode().count("indicator-block") >= 7
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def _save_queries(client, assessment, answer, level):
    answer.refresh_from_db()
    url = urls(assessment, answer)["save"]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"level": level, "note": f"n{level}", "version": answer.version}, **HX)
    assert f"Indicator {answer.indicator.code} saved." in response.content.decode()
    return queries


def test_saving_an_answer_costs_the_same_queries_however_much_data_there_is(assessment, editor, verifier, period):
    """The deadline rush's hottest request: its query count must not grow with the assessment's answers,
    their evidence and history, or with the number of institutions (guarded here; bench/rush.py times it)."""
    client = client_for(editor)
    answer = answer_of(assessment)
    client.get(urls(assessment, answer)["aspect"])
    first = _save_queries(client, assessment, answer, 1)  # the first answer also refreshes the progress
    small = _save_queries(client, assessment, answer, 2)
    _grow(assessment, editor, 6)
    for n in range(5):
        assessment_get_or_create(institution=make_institution(f"K95{n}", f"Lembaga {n}"), period=period)
    for other in Answer.objects.filter(assessment=assessment, indicator__aspect__number=1)[:3]:
        Clarification.objects.create(answer=other, question="?", due_date=timezone.localdate(), asked_by=verifier)
    for level in (3, 1, 2):
        _save_queries(client, assessment, answer, level)  # the answer's own history grows too
    large = _save_queries(client, assessment, answer, 3)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # What one save costs today: the session's user and membership, the assessment and the answer
    # (access), both again locked, one history insert, the audit entry (and the old row it diffs
    # against), the two updates, then the answer's newest history (and, for a first answer, the
    # progress panel).
    statements = [q["sql"] for q in large.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 12, statements  # the test's own transaction turns BEGIN/COMMIT into savepoints
    assert len(first) == len(small) + 1, [q["sql"] for q in first.captured_queries]


# --- home and submit pages -------------------------------------------------------------------


def test_home_shows_deadline_progress_score_and_next_steps(assessment, editor):
    fill_all(assessment, editor, level=2, aspects={1})
    page = client_for(editor, lang="id").get("/").content.decode()
    assert "20 hari lagi" in page
    assert 'data-status="draft"' in page
    progress = re.search(r'<table class="table table-sm align-middle" id="aspect-progress">.*?</table>', page, re.S)
    assert progress and "Perencanaan Kebutuhan" in progress.group(0)
    # Aspect 1 at level 2: 40 × 2/4 = 20 points; category Buruk.
    assert '<span id="score-total">20,00</span>' in page
    assert "Buruk" in page and '<span id="score-index">0,05</span>' in page
    assert "155,00 poin lagi menuju Kurang" in page


def test_home_lists_open_clarifications(assessment, editor, verifier):
    Clarification.objects.create(
        answer=answer_of(assessment, "2.1"),
        question="Mohon rencana pengadaan",
        due_date=timezone.localdate(),
        asked_by=verifier,
    )
    page = client_for(editor).get("/").content.decode()
    assert 'id="open-clarifications"' in page and "Mohon rencana pengadaan" in page


def test_submit_page_lists_missing_items_with_links_then_submits(assessment, editor, lead):
    fill_all(assessment, editor, level=1, skip={"4.1"})
    client = client_for(lead, lang="id")
    url = urls(assessment, answer_of(assessment))["submit"]
    page = client.get(url).content.decode()
    missing_answer = answer_of(assessment, "4.1")
    assert f'href="/self/{assessment.pk}/aspect/4/#ind-{missing_answer.indicator_id}">4.1</a>' in page
    assert 'id="submit-form"' not in page
    response = client.post(url, {"confirm": "on"})
    assert "belum dijawab" in response.content.decode()
    svc.answer_update(answer=missing_answer, user=editor, level=1, note="", version=1)
    page = client.get(url).content.decode()
    assert 'id="submit-form"' in page
    assert "centang" in client.post(url, {}).content.decode().lower()  # confirmation required
    response = client.post(url, {"confirm": "on"}, follow=True)
    html = response.content.decode()
    assert 'id="submitted-state"' in html and 'data-status="submitted"' in html
    assert TransitionLog.objects.filter(assessment=assessment, to_status="submitted").count() == 1


def test_submit_after_close_shows_the_reason(assessment, editor, lead, admin_user):
    fill_all(assessment, editor)
    period = assessment.period
    period.self_assessment_opens = timezone.localdate() - dt.timedelta(days=30)
    period.self_assessment_closes = timezone.localdate() - dt.timedelta(days=1)
    period.save()
    client = client_for(lead, lang="id")
    url = urls(assessment, answer_of(assessment))["submit"]
    response = client.post(url, {"confirm": "on"})
    assert "perpanjangan" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    Extension.objects.create(
        period=period, institution=assessment.institution, until=timezone.localdate(), reason="x", granted_by=admin_user
    )
    client.post(url, {"confirm": "on"})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_revision_page_shows_reason_and_only_flagged_forms(assessment, editor, lead):
    fill_all(assessment, editor, level=2)
    svc.assessment_submit(assessment=assessment, user=lead)
    Answer.objects.filter(assessment=assessment, indicator__code="1.1").update(
        review_state="flagged", revision_reason="Peta jabatan belum ditetapkan"
    )
    assessment.status = AssessmentStatus.REVISION
    assessment.save()
    page = client_for(editor).get(urls(assessment, answer_of(assessment))["aspect"]).content.decode()
    assert "Peta jabatan belum ditetapkan" in page
    assert page.count('class="answer-form') == 1


def test_clarification_reply_through_the_page(assessment, editor, lead, verifier):
    fill_all(assessment, editor, level=2)
    svc.assessment_submit(assessment=assessment, user=lead)
    assessment.status = AssessmentStatus.IN_VERIFICATION
    assessment.save()
    clarification = Clarification.objects.create(
        answer=answer_of(assessment), question="Mohon SK", due_date=timezone.localdate(), asked_by=verifier
    )
    client = client_for(editor)
    page = client.get(urls(assessment, answer_of(assessment))["aspect"]).content.decode()
    assert f'id="reply-{clarification.pk}"' in page
    assert f'name="version" value="{clarification.version}"' in page  # the form carries what it was built from
    url = urls(assessment, answer_of(assessment), clarification=clarification)["reply"]
    data = {"reply": "Terlampir SK", "version": clarification.version, "file": upload("sk.pdf", pdf_bytes("sk"))}
    response = client.post(url, data, **HX)
    assert "Terlampir SK" in response.content.decode() and "sk.pdf" in response.content.decode()


def test_carry_over_button_and_post(assessment, lead, editor, institution, instrument, period):
    from assessments.models import Period

    old_period = Period.objects.create(
        name="Penilaian Lama",
        instrument=instrument,
        self_assessment_opens=period.self_assessment_opens - dt.timedelta(days=200),
        self_assessment_closes=period.self_assessment_opens - dt.timedelta(days=170),
        verification_closes=period.self_assessment_opens - dt.timedelta(days=120),
    )
    old = assessment_get_or_create(institution=institution, period=old_period)
    fill_all(old, editor, level=2, aspects={1})
    client = client_for(lead)
    assert "Penilaian Lama" in client.get("/").content.decode()
    response = client.post(urls(assessment, answer_of(assessment))["carry"], follow=True)
    assert Answer.objects.filter(assessment=assessment, carried_over=True).count() > 0
    page = client.get(urls(assessment, answer_of(assessment))["aspect"]).content.decode()
    assert 'data-state="carried-over"' in page
    assert response.status_code == 200


def test_admin_grants_an_extension(admin_user, assessment, institution):
    client = client_for(admin_user)
    url = reverse("assessments_self:extensions")
    until = assessment.period.self_assessment_closes + dt.timedelta(days=7)
    response = client.post(
        url,
        {
            "period": assessment.period.pk,
            "institution": institution.pk,
            "until": until.isoformat(),
            "reason": "Bencana",
        },
        follow=True,
    )
    assert Extension.objects.get(institution=institution).until == until
    assert "Bencana" in response.content.decode()
    # An extension that ends before the close is refused with the service's message.
    response = client.post(
        url,
        {
            "period": assessment.period.pk,
            "institution": institution.pk,
            "until": timezone.localdate().isoformat(),
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert Extension.objects.get(institution=institution).until == until


def test_the_full_history_hides_the_verifiers_changes_until_verified_levels_may_be_seen(assessment, editor, verifier):
    answer = answer_of(assessment)
    svc.answer_update(answer=answer, user=editor, level=2, note="catatan", version=1)
    AnswerHistory.objects.create(answer=answer, user=verifier, field="verified_level", old_value="", new_value="1")
    url = reverse("assessments_self:answer_history", args=[assessment.pk, answer.indicator_id])
    page = client_for(editor).get(url).content.decode()
    table = re.search(r'<section class="small" id="answer-history">.*?</section>', page, re.S).group(0)
    assert "2 changes, newest first." in page and table.count("<tr>") - 1 == 2
    assert "verified level" not in table and "catatan" in table
