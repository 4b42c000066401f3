import pytest

from assessments.models import Period
from assessments.periods.services import assessment_get_or_create
from conftest import make_institution, make_member, make_survey_period
from institutions.models import MembershipRole
from surveys import services
from surveys.reference import reference_questionnaire_ensure
from surveys.selectors import questionnaire_data


@pytest.fixture(autouse=True)
def _fresh_questionnaire_cache():
    questionnaire_data.cache_clear()
    yield
    questionnaire_data.cache_clear()


@pytest.fixture
def questionnaire(db):
    return reference_questionnaire_ensure()


@pytest.fixture
def period25(questionnaire) -> Period:
    return make_survey_period()


@pytest.fixture
def inst25(db):
    return make_institution("K951", "Kementerian Survei")


@pytest.fixture
def lead25(inst25):
    return make_member(inst25, MembershipRole.LEAD, "lead@survey.local")


@pytest.fixture
def editor25(inst25):
    return make_member(inst25, MembershipRole.EDITOR, "editor@survey.local")


@pytest.fixture
def assessment25(inst25, period25):
    return assessment_get_or_create(institution=inst25, period=period25)


@pytest.fixture
def survey(assessment25, lead25):
    return services.survey_open(assessment=assessment25, user=lead25, population=12)


def answers_for(questionnaire, values=None) -> dict[str, str]:
    """Every item answered, cycling through `values` (default 4, 2, 5, 3: not straight-lined)."""
    values = values or (4, 2, 5, 3)
    codes = [i.code for i in questionnaire_data(questionnaire.pk).items]
    return {code: str(values[n % len(values)]) for n, code in enumerate(codes)}


def aged_token(survey, seconds: int = 600) -> str:
    """A genuine form token issued `seconds` ago (so the response is not flagged too fast)."""
    import time
    from unittest import mock

    with mock.patch("surveys.services.time.time", return_value=time.time() - seconds):
        return services.form_token(survey)


def submit(survey, values=None, *, address="198.51.100.7", agent="Phone", seconds=600, **extra):
    return services.response_submit(
        public_id=survey.public_id,
        token=extra.pop("token", None) or aged_token(survey, seconds),
        raw_answers=extra.pop("raw", None) or answers_for(survey.questionnaire, values),
        unit=extra.pop("unit", ""),
        address=address,
        user_agent=agent,
    )
