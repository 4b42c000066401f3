"""The dashboard fingerprint: one query, prepared once per connection on PostgreSQL."""

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
