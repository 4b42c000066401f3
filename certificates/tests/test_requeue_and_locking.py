"""Documents left "queued" or "rendering" with nothing pending to render them are queued again (issue 14)."""

import datetime as dt

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, Decision, RenderStatus
from certificates.tests.conftest import draft_decision
from core.models import OutboxEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck_decision(admin_user, period, verified_set):
    decision = draft_decision(admin_user, period)
    services.decision_issue(decision=decision, user=admin_user)  # on_commit never runs here: nothing sent
    Decision.objects.filter(pk=decision.pk).update(issued_at=timezone.now() - dt.timedelta(hours=1))
    return decision


def test_a_document_whose_render_is_still_pending_is_left_to_the_outbox(stuck_decision):
    pending = OutboxEntry.objects.filter(done_at__isnull=True).count()
    assert pending == 1 + Certificate.objects.filter(decision=stuck_decision).count()  # letter + charters
    assert services.documents_requeue_stuck(older_than=dt.timedelta(minutes=10)) == 0
    assert OutboxEntry.objects.count() == pending


def test_a_document_stuck_with_nothing_pending_is_queued_again(stuck_decision):
    charter = Certificate.objects.filter(decision=stuck_decision).first()
    Certificate.objects.filter(pk=charter.pk).update(render_status=RenderStatus.RENDERING)
    OutboxEntry.objects.filter(ref=f"charter:{charter.pk}").update(done_at=timezone.now())  # its worker "finished"
    assert services.documents_requeue_stuck(older_than=dt.timedelta(minutes=10)) == 1
    assert OutboxEntry.objects.filter(ref=f"charter:{charter.pk}", done_at__isnull=True).count() == 1
    # A decision issued a moment ago is not touched.
    Decision.objects.filter(pk=stuck_decision.pk).update(issued_at=timezone.now())
    OutboxEntry.objects.all().update(done_at=timezone.now())
    assert services.documents_requeue_stuck(older_than=dt.timedelta(minutes=10)) == 0


def test_two_admins_editing_one_draft_the_second_is_refused(admin_user, period):
    from core.errors import EditConflict

    decision = draft_decision(admin_user, period)
    fields = {
        "number": "2/KEP/2026",
        "date": dt.date(2026, 11, 22),
        "place": "Jakarta",
        "signatory_name": "A",
        "signatory_title": "Ketua",
    }
    services.decision_update(decision=decision, user=admin_user, **fields, version=1)
    with pytest.raises(EditConflict, match="Another admin saved this draft"):
        services.decision_update(decision=decision, user=admin_user, **{**fields, "place": "Bandung"}, version=1)
    decision.refresh_from_db()
    assert (decision.place, decision.version) == ("Jakarta", 2)


def test_the_edit_page_refuses_a_stale_draft_with_a_message(admin_user, period):
    from django.urls import reverse

    from conftest import client_for

    decision = draft_decision(admin_user, period)
    client = client_for(admin_user)
    url = reverse("certificates:decision_edit", args=[decision.pk])
    assert 'name="version" value="1"' in client.get(url).content.decode()
    data = {"number": "3/KEP", "date": "2026-11-23", "place": "Jakarta", "signatory_name": "A", "signatory_title": "B"}
    assert client.post(url, {**data, "version": 1}).status_code == 302
    response = client.post(url, {**data, "place": "Bandung", "version": 1})
    assert response.status_code == 200 and "Another admin saved this draft" in response.content.decode()
    decision.refresh_from_db()
    assert decision.place == "Jakarta"
