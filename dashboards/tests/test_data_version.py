"""The dashboard fingerprint: one query, prepared once per connection on PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection

from assessments.models import AssessmentStatus, ScoreBasis
from assessments.scoring.services import score_compute
from assessments.scoring.tests.helpers import make_assessment
from dashboards import selectors

pytestmark = pytest.mark.django_db


def test_fingerprint_is_one_query(institution, period, django_assert_num_queries):
    first = selectors.data_version()
    with django_assert_num_queries(1):
        assert selectors.data_version() == first
    # A connection that already holds the statement but was not marked (e.g. the mark was lost).
    connection._dashboards_prepared_on = None
    with django_assert_num_queries(1):
        assert selectors.data_version() == first


@pytest.mark.django_db(transaction=True)
def test_fingerprint_works_again_on_a_new_connection(institution, period):
    first = selectors.data_version()
    connection.close()  # the next query opens a connection with no prepared statement
    assert selectors.data_version() == first


def test_fingerprint_moves_with_a_new_score(institution, period):
    assessment = make_assessment(institution, period, status=AssessmentStatus.SUBMITTED, self_level=3)
    before = selectors.data_version()
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    assert selectors.data_version() != before


def test_saved_answers_move_the_fingerprint_once_a_minute_not_with_every_save(institution, period):
    """The deadline rush saves answers many times a second; the figures they can change (started or
    not) are built again at most once a minute, while a status move counts at once."""
    from django.utils import timezone

    from assessments.models import Assessment, TransitionLog

    assessment = make_assessment(institution, period, status=AssessmentStatus.DRAFT, self_level=None)
    minute = timezone.now().replace(second=5, microsecond=0)
    Assessment.objects.filter(pk=assessment.pk).update(answers_changed_at=minute)
    before = selectors.data_version()
    Assessment.objects.filter(pk=assessment.pk).update(answers_changed_at=minute.replace(second=50))
    assert selectors.data_version() == before  # the same minute
    Assessment.objects.filter(pk=assessment.pk).update(answers_changed_at=minute + dt.timedelta(minutes=1))
    later = selectors.data_version()
    assert later != before
    TransitionLog.objects.create(assessment=assessment, from_status="draft", to_status="submitted")
    assert selectors.data_version() != later
