"""`make run`'s demo data holds an assessment in each state of the running cycle."""

from assessments.models import Assessment, AssessmentStatus, Objection, ObjectionStatus
from demo.seed import demo_period_ensure, seed_demo

S = AssessmentStatus


def test_the_demo_period_has_every_state_and_an_open_objection(db):
    seed_demo()
    period = demo_period_ensure()
    statuses = set(Assessment.objects.filter(period=period).values_list("status", flat=True))
    assert {S.DRAFT, S.SUBMITTED, S.IN_VERIFICATION, S.REVISION, S.VERIFIED, S.OBJECTION} <= statuses
    objection = Objection.objects.select_related("answer__assessment__institution").get()
    assert objection.status == ObjectionStatus.OPEN
    assert objection.answer.assessment.institution.code == "K028"
    assert objection.answer.assessment.objection_until is not None
    counts = (Assessment.objects.count(), Objection.objects.count())
    seed_demo()
    assert (Assessment.objects.count(), Objection.objects.count()) == counts
