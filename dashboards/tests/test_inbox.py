"""Each role's inbox on the demo data (`seed_demo`: one assessment in each state)."""

import pytest

from accounts.models import User
from assessments.models import Assessment, AssessmentStatus
from conftest import client_for
from demo.seed import seed_demo


@pytest.fixture
def demo(db):
    seed_demo()


def _counts(email: str) -> dict[str, int]:
    page = client_for(User.objects.get(email=email)).get("/inbox/").content.decode()
    found = {}
    for chunk in page.split('data-inbox="')[1:]:
        key = chunk.split('"', 1)[0]
        found[key] = int(chunk.split('data-count="', 1)[1].split('"', 1)[0])
    return found


def test_admin_inbox(demo):
    counts = _counts("admin@meritsys.local")
    # Three verified demo assessments in each of the two periods; the earlier period's decision
    # (demo_decided_ensure) took one of its three.
    assert counts["ready"] == 5 and counts["objections"] == 1 and counts["unassigned"] == 0
    assert counts["failed"] == 0
    jabar = Assessment.objects.get(institution__code="32", status=AssessmentStatus.SUBMITTED)
    jabar.verifiers.clear()
    assert _counts("admin@meritsys.local")["unassigned"] == 1


def test_verifier_inbox(demo):
    counts = _counts("verifier1@meritsys.local")
    # Jawa Barat waits to start, Jawa Tengah is in verification; Kementerian PANRB objected.
    assert counts == {"queue": 2, "answered": 0, "objections": 1, "overdue": 0}
    assert _counts("verifier2@meritsys.local") == {"queue": 0, "answered": 0, "objections": 0, "overdue": 0}


def test_institution_inbox_and_the_navigation_count(demo):
    counts = _counts("lead.kemenpanrb@meritsys.local")
    assert counts["objection_window"] == 1 and counts["returned"] == 0
    assert "objection_window" not in _counts("lead.ciamis@meritsys.local")
    badge = client_for(User.objects.get(email="admin@meritsys.local")).get("/inbox/badge/").content.decode()
    assert 'id="inbox-count"' in badge
    assert client_for(User.objects.get(email="lead.ciamis@meritsys.local")).get("/inbox/badge/").content.strip() == b""


def test_an_institution_with_only_drafts_pays_one_query_for_its_count(assessment, editor, django_assert_num_queries):
    """Every page a signed-in person opens asks for the navigation's count; during the deadline rush
    nearly every institution has only a draft, which can have nothing to do in the inbox."""
    client = client_for(editor)
    client.get("/inbox/badge/")
    # The session's user, the membership, then the one question: anything beyond a draft?
    with django_assert_num_queries(3):
        assert client.get("/inbox/badge/").content.strip() == b""


def test_clarifications_to_answer_are_counted_due_and_overdue(assessment, editor, verifier):
    import datetime as dt

    from django.utils import timezone

    from assessments.models import Answer, Clarification

    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.IN_VERIFICATION)
    answers = list(Answer.objects.filter(assessment=assessment)[:3])
    today = timezone.localdate()
    for answer, due, reply in (
        (answers[0], today, ""),
        (answers[1], today - dt.timedelta(days=1), ""),
        (answers[2], today, "Sudah"),
    ):
        Clarification.objects.create(answer=answer, question="?", due_date=due, asked_by=verifier, reply=reply)
    counts = _counts(editor.email)
    assert counts["asked"] == 1 and counts["asked_overdue"] == 1 and counts["returned"] == 0
    assert 'id="inbox-count"' in client_for(editor).get("/inbox/badge/").content.decode()
