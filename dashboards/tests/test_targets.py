from decimal import Decimal

import pytest

from assessments.instrument.reference import reference_instrument_2025_ensure
from assessments.models import Target
from conftest import client_for
from core.errors import AccessDenied, ValidationFailed
from dashboards import selectors
from dashboards.services import target_set

pytestmark = pytest.mark.django_db


def check(good: int, institutions: int, target: str, group: str = "PROVINSI"):
    return selectors.target_check(
        instrument_id=1,
        group=group,
        year=2024,
        good=good,
        institutions=institutions,
        targets={(1, group, 2024): Decimal(target)},
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


def test_a_year_without_a_row_has_no_target(instrument):
    """The 2020-2024 targets are the 40/2018 reference instrument's data; no later year reuses them."""
    targets = selectors.targets_map()
    assert targets[(instrument.pk, "KL", 2024)] == Decimal(100)
    assert targets[(instrument.pk, "KABKOTA", 2020)] == Decimal(30)
    later = selectors.target_check(
        instrument_id=instrument.pk, group="KL", year=2026, good=1, institutions=1, targets=targets
    )
    assert later.target is None and not later.is_set and not later.met and later.needed == 0


def test_targets_are_per_instrument(admin_user, instrument):
    other = reference_instrument_2025_ensure()
    target_set(
        instrument=other,
        year=2026,
        shares={"KL": Decimal(90), "PROVINSI": Decimal("70.5"), "KABKOTA": Decimal(40)},
        user=admin_user,
    )
    targets = selectors.targets_map()
    kl = selectors.target_check(instrument_id=other.pk, group="KL", year=2026, good=9, institutions=10, targets=targets)
    assert kl.is_set and kl.met
    same_year_other_instrument = selectors.target_check(
        instrument_id=instrument.pk, group="KL", year=2026, good=9, institutions=10, targets=targets
    )
    assert not same_year_other_instrument.is_set


def test_target_set_refuses_bad_values_and_changes_nothing(admin_user, instrument):
    before = Target.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        target_set(
            instrument=instrument,
            year=2025,
            shares={"KL": Decimal(101), "PROVINSI": Decimal(85), "KABKOTA": Decimal(-1)},
            user=admin_user,
        )
    assert len(exc.value.errors) == 2
    assert Target.objects.count() == before


def test_target_set_is_for_admins_only(verifier, instrument):
    before = Target.objects.count()
    with pytest.raises(AccessDenied):
        target_set(
            instrument=instrument,
            year=2025,
            shares={"KL": Decimal(1), "PROVINSI": Decimal(1), "KABKOTA": Decimal(1)},
            user=verifier,
        )
    assert Target.objects.count() == before


def test_targets_page_saves_and_shows(admin_user, instrument):
    client = client_for(admin_user)
    new = reference_instrument_2025_ensure()
    page = client.get("/dashboard/targets/").content.decode()
    assert f"<td>{new.name}</td>" not in page  # no period of the new instrument and no target yet
    # Indonesian decimal comma and a dot are both understood.
    form = {"instrument": new.pk, "year": "2026", "KL": "95", "PROVINSI": "80", "KABKOTA": "35,5"}
    response = client.post("/dashboard/targets/", form)
    assert response.status_code == 302
    assert Target.objects.get(instrument=new, group="KABKOTA", year=2026).share == Decimal("35.5")
    response = client.post("/dashboard/targets/", {**form, "PROVINSI": "80.25", "KABKOTA": "35.5"})
    assert response.status_code == 302
    assert Target.objects.get(instrument=new, group="PROVINSI", year=2026).share == Decimal("80.25")
    assert Target.objects.filter(instrument=new).count() == 3
    page = client.get("/dashboard/targets/").content.decode()
    assert "35,5%" in page and "80,25%" in page and f"<td>{new.name}</td>" in page


def test_targets_page_refuses_out_of_range(admin_user, instrument):
    before = Target.objects.count()
    response = client_for(admin_user).post(
        "/dashboard/targets/",
        {"instrument": instrument.pk, "year": "2025", "KL": "120", "PROVINSI": "80", "KABKOTA": "30"},
    )
    assert response.status_code == 200
    assert Target.objects.count() == before
    assert "100" in response.content.decode()
