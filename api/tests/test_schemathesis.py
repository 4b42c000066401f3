"""Property-based tests of every documented operation against the live schema (Schemathesis).

The server is the real one (pytest-django's live server on the test database); Schemathesis reads
the schema it serves, generates valid and invalid requests for each operation and checks each
response: no server error, a documented status, content type, headers and body. Path ids point
at real rows (an assessment of the key's institution, its clarification and evidence), so the
bodies it generates reach the services, not only the 404 of an unknown id.
"""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import KeyScope
from api.tests.conftest import key_for

pytestmark = [pytest.mark.django_db(transaction=True)]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25
OVERSIGHT_PATHS = ("/api/v1/institutions/", "/api/v1/periods/", "/api/v1/decisions/", "/api/v1/certificates/")


@pytest.fixture
def api_world(transactional_db, lead, admin_user, verifier, assessment, settings):
    from assessments.models import Clarification, Evidence
    from demo.seed import demo_answers_fill

    settings.API_CALLS_PER_MINUTE = 1_000_000
    demo_answers_fill(assessment=assessment, user=lead)
    answer = assessment.answers.select_related("indicator").order_by("pk").first()
    clarification = Clarification.objects.create(
        answer=answer, asked_by=verifier, question="Which decree?", due_date=dt.date(2026, 12, 31)
    )
    return {
        "lead": key_for(lead, KeyScope.SUBMIT),
        "oversight": key_for(admin_user, KeyScope.READ),
        "assessment": assessment.pk,
        "code": answer.indicator.code,
        "clarification": clarification.pk,
        "evidence": Evidence.objects.filter(answer__assessment=assessment).order_by("pk").first().pk,
    }


def _path_parameters(path: str, world: dict) -> dict:
    """Real rows for the ids in the path, so generated bodies reach the services."""
    found: dict = {}
    if "{id}" in path:
        if path.startswith("/api/v1/clarifications/"):
            found["id"] = world["clarification"]
        elif path.startswith("/api/v1/evidence/"):
            found["id"] = world["evidence"]
        elif path.startswith("/api/v1/assessments/"):
            found["id"] = world["assessment"]
    if "{code}" in path:
        found["code"] = world["code"]
    return found


def _runner(strategy, key: str, fixed: dict, counter: list[int]):
    @given(case=strategy)
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        counter[0] += 1
        if fixed:
            case.path_parameters = {**(case.path_parameters or {}), **fixed}
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

    return run


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_schema(live_server, api_world, mode):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    counter = [0]
    for operation in operations:
        path = operation.path
        key = api_world["oversight"] if path in OVERSIGHT_PATHS else api_world["lead"]
        fixed = _path_parameters(path, api_world)
        strategy = operation.as_strategy(generation_mode=mode)

        run = _runner(strategy, key, fixed, counter)
        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): the positive run covers it.
            assert mode == GenerationMode.NEGATIVE, operation.path
        except Exception as exc:  # noqa: BLE001 - every operation is checked; the failures are listed together
            failures.append(f"{operation.method.upper()} {path}: {exc}"[:3000])
    print(f"schemathesis {mode}: {len(operations)} operations, {counter[0]} calls")
    assert not failures, "\n\n".join(failures)
