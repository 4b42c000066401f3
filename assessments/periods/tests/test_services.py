"""Admin-only writes refuse everyone else, whoever calls them (view, command or another service)."""

import datetime as dt
import json

import pytest

from assessments.instrument.io import instrument_export_json, instrument_import
from assessments.instrument.services import instrument_publish
from assessments.models import Extension, Instrument, Period
from assessments.periods.services import extension_grant, period_save
from core.errors import AccessDenied
from institutions.models import Membership
from institutions.services import institution_account_create

pytestmark = pytest.mark.django_db


def _period_fields(instrument):
    today = dt.date(2026, 1, 5)
    return {
        "name": "Penilaian Uji II",
        "instrument": instrument,
        "self_assessment_opens": today,
        "self_assessment_closes": today + dt.timedelta(days=30),
        "verification_closes": today + dt.timedelta(days=60),
    }


@pytest.mark.parametrize("who", ["verifier", "lead"])
def test_period_save_refuses_anyone_but_the_admin(who, request, instrument):
    with pytest.raises(AccessDenied):
        period_save(user=request.getfixturevalue(who), **_period_fields(instrument))
    assert not Period.objects.filter(name="Penilaian Uji II").exists()


def test_period_save_by_the_admin(admin_user, instrument):
    assert period_save(user=admin_user, **_period_fields(instrument)).pk


@pytest.mark.parametrize("who", ["verifier", "lead"])
def test_extension_grant_refuses_anyone_but_the_admin(who, request, period, institution):
    with pytest.raises(AccessDenied):
        extension_grant(
            period=period,
            institution=institution,
            until=period.self_assessment_closes + dt.timedelta(days=3),
            reason="Banjir",
            user=request.getfixturevalue(who),
        )
    assert not Extension.objects.exists()


def test_instrument_import_and_publish_refuse_a_verifier(verifier, instrument):
    doc = json.loads(instrument_export_json(instrument))
    doc["code"] = "COPY"
    with pytest.raises(AccessDenied):
        instrument_import(data=json.dumps(doc).encode(), filename="c.json", user=verifier)
    draft = instrument_import(data=json.dumps(doc).encode(), filename="c.json", user=None)
    with pytest.raises(AccessDenied):
        instrument_publish(instrument=draft, user=verifier)
    assert not Instrument.objects.get(pk=draft.pk).is_published


def test_account_creation_refuses_an_institution_lead(lead, institution):
    with pytest.raises(AccessDenied):
        institution_account_create(
            institution=institution, email="new@x.go.id", full_name="Baru", role="editor", user=lead
        )
    assert not Membership.objects.filter(user__email="new@x.go.id").exists()
