from decimal import Decimal

import pytest

from conftest import client_for
from core.errors import AccessDenied, ValidationFailed
from dashboards import selectors
from dashboards.models import TARGET_DEFAULTS, Target
from dashboards.services import target_set

pytestmark = pytest.mark.django_db


def check(good: int, institutions: int, target: str, group: str = "PROVINSI"):
    return selectors.target_check(
        group=group, year=2024, good=good, institutions=institutions, targets={(group, 2024): Decimal(target)}
    )


@pytest.mark.parametrize(
    ("good", "institutions", "target", "met", "needed"),
    [
        (85, 100, "85", True, 0),  # exactly on the target
        (84, 100, "85", False, 1),
        (33, 38, "85", True, 0),  # 86.84%
        (32, 38, "85", False, 1),  # 84.21%: 85% of 38 = 32.3, so 33 are needed
        (3, 10, "30", True, 0),
        (2, 10, "30", False, 1),
        (88, 88, "100", True, 0),
        (87, 88, "100", False, 1),
        (0, 514, "30", False, 155),  # ceil(154.2)
        (1, 2, "50", True, 0),
        (1, 2, "50.01", False, 1),
        (0, 5, "0", True, 0),
        (0, 0, "30", False, 0),  # no institution in the group: nothing to meet
    ],
)
def test_target_boundaries(good, institutions, target, met, needed):
    result = check(good, institutions, target)
    assert result.met is met
    assert result.needed == needed


def test_defaults_apply_to_years_without_a_row():
    result = selectors.target_check(group="KL", year=2031, good=1, institutions=1, targets={})
    assert result.is_default and result.target == Decimal(100)
    assert {"KL": Decimal(100), "PROVINSI": Decimal(85), "KABKOTA": Decimal(30)} == TARGET_DEFAULTS


def test_an_explicit_row_overrides_the_default(admin_user):
    target_set(
        year=2025, shares={"KL": Decimal(90), "PROVINSI": Decimal("70.5"), "KABKOTA": Decimal(40)}, user=admin_user
    )
    targets = selectors.targets_map()
    kl = selectors.target_check(group="KL", year=2025, good=9, institutions=10, targets=targets)
    assert not kl.is_default and kl.met
    other_year = selectors.target_check(group="KL", year=2024, good=9, institutions=10, targets=targets)
    assert other_year.is_default and not other_year.met


def test_target_set_refuses_bad_values_and_changes_nothing(admin_user):
    with pytest.raises(ValidationFailed) as exc:
        target_set(
            year=2025, shares={"KL": Decimal(101), "PROVINSI": Decimal(85), "KABKOTA": Decimal(-1)}, user=admin_user
        )
    assert len(exc.value.errors) == 2
    assert not Target.objects.exists()


def test_target_set_is_for_admins_only(verifier):
    with pytest.raises(AccessDenied):
        target_set(year=2025, shares={"KL": Decimal(1), "PROVINSI": Decimal(1), "KABKOTA": Decimal(1)}, user=verifier)
    assert not Target.objects.exists()


def test_targets_page_saves_and_shows(admin_user):
    client = client_for(admin_user)
    # Indonesian decimal comma and a dot are both understood.
    response = client.post("/dashboard/targets/", {"year": "2025", "KL": "95", "PROVINSI": "80", "KABKOTA": "35,5"})
    assert response.status_code == 302
    assert Target.objects.get(group="KABKOTA", year=2025).share == Decimal("35.5")
    response = client.post("/dashboard/targets/", {"year": "2025", "KL": "95", "PROVINSI": "80.25", "KABKOTA": "35.5"})
    assert response.status_code == 302
    assert Target.objects.get(group="PROVINSI", year=2025).share == Decimal("80.25")
    assert Target.objects.count() == 3
    page = client.get("/dashboard/targets/").content.decode()
    assert "35,5%" in page and "80,25%" in page


def test_targets_page_refuses_out_of_range(admin_user):
    response = client_for(admin_user).post(
        "/dashboard/targets/", {"year": "2025", "KL": "120", "PROVINSI": "80", "KABKOTA": "30"}
    )
    assert response.status_code == 200
    assert not Target.objects.exists()
    assert "100" in response.content.decode()
