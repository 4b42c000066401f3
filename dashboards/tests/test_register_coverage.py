"""Denominators come from the register a period opened with; profiles show lineage and old names."""

import pytest

from conftest import client_for, make_institution, make_member
from core.testing import job_download
from dashboards import selectors
from dashboards.tests.helpers import seeded
from institutions.models import Institution, InstitutionKind, MembershipRole
from institutions.register_file import read_csv, write_csv
from institutions.selectors import register_export_records
from institutions.services import period_coverage_snapshot, register_apply

pytestmark = pytest.mark.django_db


def apply(records: list[dict]) -> None:
    register_apply(rows=read_csv(write_csv(records).encode()), partial=False)


def test_a_later_register_change_does_not_move_a_periods_denominators():
    institutions = seeded(12, periods=1)
    period = institutions[0].assessments.get().period
    period_coverage_snapshot(period=period)
    before = selectors.national_figures(period=period)
    gone = institutions[-1]
    records = [r for r in register_export_records() if r["code"] != gone.code]
    records.append({"code": "K998", "name": "Kementerian Anyar", "kind": "KEMENTERIAN", "target_group": "KL"})
    records.append({"code": "K999", "name": "Kementerian Anyar Dua", "kind": "KEMENTERIAN", "target_group": "KL"})
    apply(records)
    assert Institution.objects.filter(active=True).count() == 13  # today's register moved
    after = selectors.national_figures(period=period)
    assert after["national"].institutions == before["national"].institutions == 12
    assert [(c.group, c.institutions, c.good) for c in after["checks"]] == [
        (c.group, c.institutions, c.good) for c in before["checks"]
    ]
    assert after["national"].assessed == before["national"].assessed


def test_units_not_separately_assessed_count_in_no_group():
    institutions = seeded(10, periods=1)
    period = institutions[0].assessments.get().period
    province = next(i for i in institutions if i.kind == InstitutionKind.PROVINSI)
    make_institution(
        "99.71",
        "Pemerintah Kota Administrasi Uji",
        InstitutionKind.KOTA,
        province=province,
        separately_assessed=False,
    )
    period_coverage_snapshot(period=period)
    figures = selectors.national_figures(period=period)
    assert figures["national"].institutions == 10
    assert sum(selectors.institution_counts_by_group().values()) == 10


def test_profile_of_a_dissolved_institution_shows_its_successor(users, institution, other_institution):
    member = make_member(other_institution, MembershipRole.EDITOR, "staf@other.test")
    records = [r for r in register_export_records() if r["code"] != "K902"]
    records.append({"code": "K990", "name": "Kementerian Penerus", "kind": "KEMENTERIAN", "predecessors": "K902"})
    apply(records)
    page = client_for(users["admin"]).get(f"/institutions-profile/{other_institution.pk}/").content.decode()
    assert 'id="dissolved-note"' in page and "Kementerian Penerus" in page
    successor = Institution.objects.get(code="K990")
    assert f'href="/institutions-profile/{successor.pk}/"' in page
    page = client_for(users["admin"]).get(f"/institutions-profile/{successor.pk}/").content.decode()
    assert "Kementerian Lain" in page[page.index('id="lineage"') :]
    # The deactivated account can no longer sign in; the profile stays readable to the oversight body.
    member.refresh_from_db()
    assert not member.is_active


def test_results_page_and_export_name_institutions_as_they_were_in_the_period(users):
    institutions = seeded(12, periods=1)
    period = institutions[0].assessments.get().period
    period_coverage_snapshot(period=period)
    from assessments.models import Score, ScoreBasis

    scored = Score.objects.filter(basis=ScoreBasis.VERIFIED, assessment__period=period).first()
    assert scored is not None
    target = scored.assessment.institution
    old_name = target.name
    records = register_export_records()
    next(r for r in records if r["code"] == target.code)["name"] = "Nama Sesudah Perubahan"
    apply(records)
    client = client_for(users["admin"])
    page = client.get("/dashboard/results/", {"period": period.pk}).content.decode()
    assert old_name in page and "Nama Sesudah Perubahan" not in page
    export = job_download(client, "/exports/results.csv", {"period": period.pk})[1].decode("utf-8-sig")
    assert old_name in export and "Nama Sesudah Perubahan" not in export
