"""Proposing verifiers by oversight region and workload, confirmed in bulk by the admin."""

import pytest

from accounts.models import Role
from assessments.domain.assignment import VerifierLoad, propose
from assessments.domain.workflow import transition_apply
from assessments.models import AssessmentStatus
from assessments.periods.services import assessment_get_or_create
from conftest import client_for, make_institution, make_user


def test_region_first_then_the_least_loaded_spreading_a_batch():
    verifiers = [VerifierLoad(1, "I", 3), VerifierLoad(2, "I", 1), VerifierLoad(3, "II", 0)]
    proposal = propose(assessments=[(10, "I"), (11, "I"), (12, "I"), (13, "III"), (14, "II")], verifiers=verifiers)
    # Region I goes to verifiers 1 and 2, the less loaded first; region III (nobody's) to the
    # least loaded overall; region II to its own verifier.
    assert proposal == {10: 2, 11: 2, 12: 1, 13: 3, 14: 3}
    assert propose(assessments=[(1, "I")], verifiers=[]) == {}


@pytest.fixture
def waiting(period, verifier, other_verifier):
    made = []
    for k, region in enumerate(("I", "I", "II")):
        institution = make_institution(f"P{k}", f"Pemda P{k}", region=region)
        assessment = assessment_get_or_create(institution=institution, period=period)
        transition_apply(assessment=assessment, to=AssessmentStatus.SUBMITTED, user=None)
        made.append(assessment)
    # The verifier has worked in region II before; the other verifier in region I.
    old_ii = assessment_get_or_create(institution=make_institution("Q1", "Lama II", region="II"), period=period)
    old_ii.verifiers.add(verifier)
    old_i = assessment_get_or_create(institution=make_institution("Q2", "Lama I", region="I"), period=period)
    old_i.verifiers.add(other_verifier)
    return made


def test_admin_confirms_the_ticked_proposals(waiting, admin_user, verifier, other_verifier):
    client = client_for(admin_user)
    page = client.get("/verification/assignment/proposal/").content.decode()
    for assessment, expected in zip(waiting, (other_verifier, other_verifier, verifier), strict=True):
        row = page.split(f'data-assessment="{assessment.pk}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-verifier="{expected.pk}"' in row
    refused = client.post("/verification/assignment/proposal/", {}, follow=True).content.decode()
    assert "Centang paling sedikit satu usulan" in refused or "Tick at least one proposal" in refused
    assert all(not a.verifiers.exists() for a in waiting)
    client.post("/verification/assignment/proposal/", {"assessment": [waiting[0].pk, waiting[2].pk]})
    assert list(waiting[0].verifiers.all()) == [other_verifier]
    assert list(waiting[2].verifiers.all()) == [verifier]
    assert not waiting[1].verifiers.exists()
    assert make_user("v3@test.local", Role.VERIFIER)  # a new verifier with no history: least loaded
    page = client.get("/verification/assignment/proposal/").content.decode()
    assert page.count("data-assessment=") == 1


def test_workload_counts_assessments_with_an_open_objection(period, verifier, admin_user):
    assessment = assessment_get_or_create(institution=make_institution("W1", "Badan W1"), period=period)
    for status in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.VERIFIED):
        transition_apply(assessment=assessment, to=status, user=None)
    assessment.verifiers.add(verifier)
    page = client_for(admin_user).get("/verification/workload/").content.decode()
    row = page.split(f'data-verifier="{verifier.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "data-objecting>0<" in row
    transition_apply(assessment=assessment, to=AssessmentStatus.OBJECTION, user=None)
    page = client_for(admin_user).get("/verification/workload/").content.decode()
    row = page.split(f'data-verifier="{verifier.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "data-objecting>1<" in row and "data-finalised>1<" in row
