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


def test_the_earlier_period_holds_a_decided_assessment_with_its_charter_and_privilege(
    db, django_capture_on_commit_callbacks
):
    from certificates.models import Certificate, Decision, DecisionStatus, RenderStatus, TalentPrivilege
    from demo.seed import demo_previous_period_ensure

    with django_capture_on_commit_callbacks(execute=True):  # the documents render after the seed commits
        seed_demo()
    previous = demo_previous_period_ensure()
    decided = Assessment.objects.get(period=previous, status=S.DECIDED)
    assert Assessment.objects.filter(period=previous, status=S.VERIFIED).count() == 2  # still ready for a decision
    decision = Decision.objects.get(period=previous)
    assert decision.status == DecisionStatus.ISSUED and decision.signatory_name.startswith("Dr. ")
    charter = Certificate.objects.get(decision=decision)
    assert charter.institution_id == decided.institution_id and charter.render_status == RenderStatus.READY
    assert TalentPrivilege.objects.filter(institution_id=decided.institution_id, ends_on__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo()
    assert Decision.objects.count() == 1 and Assessment.objects.filter(status=S.DECIDED).count() == 1
