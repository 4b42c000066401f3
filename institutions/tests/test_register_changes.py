"""Register changes as data: the plan (preview), the apply, the lineage and the period snapshots."""

import datetime as dt
from collections import Counter

import pytest
from django.core import mail

from accounts.models import User
from assessments.models import Period
from conftest import make_institution, make_member
from core.errors import InvalidTransition, ValidationFailed
from institutions import selectors
from institutions.models import (
    Institution,
    InstitutionGroup,
    InstitutionKind,
    InstitutionLink,
    LinkKind,
    MembershipRole,
    PeriodInstitution,
    RegisterChange,
    RegisterChangeKind,
)
from institutions.register_file import RegisterRow, read_csv, write_csv
from institutions.services import (
    period_coverage_snapshot,
    register_apply,
    register_import,
    register_plan,
)

pytestmark = pytest.mark.django_db


def rows_of_register() -> list[dict]:
    return selectors.register_export_records()


def to_rows(records: list[dict]) -> list[RegisterRow]:
    return read_csv(write_csv(records).encode())


@pytest.fixture
def small_register(db):
    province = make_institution("91", "Pemerintah Provinsi Uji", InstitutionKind.PROVINSI, target_group="PROVINSI")
    make_institution("91.01", "Pemerintah Kabupaten Satu", InstitutionKind.KABUPATEN, province=province)
    make_institution("K901", "Kementerian Uji Coba", target_group="KL")
    make_institution("K902", "Kementerian Lain", target_group="KL")
    make_institution("K903", "Kementerian Ketiga", target_group="KL")
    return province


def test_current_register_counts_per_kind_on_a_fresh_database():
    register_import()
    counts = Counter(Institution.objects.filter(active=True).values_list("kind", flat=True))
    assert counts == {
        "KEMENTERIAN": 48,
        "LPNK": 27,
        "LNS": 18,
        "LEMBAGA_NEGARA": 8,
        "PROVINSI": 38,
        "KABUPATEN": 416,
        "KOTA": 98,
    }
    assert Institution.objects.get(code="11").name == "Pemerintah Aceh"
    assert Institution.objects.get(code="34").name == "Pemerintah Daerah Daerah Istimewa Yogyakarta"
    for code in ("N013", "N014", "N015", "N010", "N011", "N012", "N002", "N004"):
        assert Institution.objects.get(code=code).kind == InstitutionKind.LEMBAGA_NEGARA
    # BKKBN and BP2MI are ministries now; the dissolved 2019-2024 names are gone.
    assert Institution.objects.get(code="L015").kind == InstitutionKind.KEMENTERIAN
    assert Institution.objects.get(code="L020").kind == InstitutionKind.KEMENTERIAN
    names = set(Institution.objects.values_list("name", flat=True))
    assert "Kementerian Hukum dan Hak Asasi Manusia" not in names
    assert "Kementerian Komunikasi dan Digital" in names
    # DKI's six administrative units: kept, not separately assessed, outside every target group.
    units = Institution.objects.filter(code__startswith="31.")
    assert units.count() == 6 and not units.filter(separately_assessed=True).exists()


def test_target_groups_come_from_the_data_and_leave_out_administrative_units():
    from dashboards.selectors import institution_counts_by_group

    register_import()
    assert institution_counts_by_group() == {
        InstitutionGroup.KL: 48 + 27 + 18 + 8,
        InstitutionGroup.PROVINSI: 38,
        InstitutionGroup.KABKOTA: 416 + 98 - 6,
    }


def test_import_over_the_old_register_dissolves_and_links_the_2019_cabinet():
    kumham = make_institution("K010", "Kementerian Hukum dan Hak Asasi Manusia")
    kominfo = make_institution("K021", "Kementerian Komunikasi dan Informatika", short_name="Kemenkominfo")
    member = make_member(kumham, MembershipRole.LEAD, "lead@kumham.test")
    keeper = make_member(kominfo, MembershipRole.LEAD, "lead@kominfo.test")
    register_import()
    kumham.refresh_from_db()
    kominfo.refresh_from_db()
    assert not kumham.active and kumham.dissolved_on is not None
    successors = {link.successor.code: link.kind for link in kumham.successor_links.select_related("successor")}
    assert successors == {"K039": LinkKind.SPLIT, "K040": LinkKind.SPLIT, "K041": LinkKind.SPLIT}
    assert kominfo.active and kominfo.name == "Kementerian Komunikasi dan Digital"
    assert not User.objects.get(pk=member.pk).is_active
    assert User.objects.get(pk=keeper.pk).is_active  # a renamed institution's staff keep their access
    assert RegisterChange.objects.filter(institution=kominfo, kind=RegisterChangeKind.RENAMED).exists()


def test_plan_lists_each_kind_of_change_and_writes_nothing(small_register):
    records = rows_of_register()
    by_code = {r["code"]: r for r in records}
    by_code["K901"]["name"] = "Kementerian Uji Coba Baru"
    del by_code["K902"]  # dissolved
    del by_code["K903"]  # split into two
    records = list(by_code.values()) + [
        {"code": "K910", "name": "Kementerian Pecahan A", "kind": "KEMENTERIAN", "predecessors": "K903"},
        {"code": "K911", "name": "Kementerian Pecahan B", "kind": "KEMENTERIAN", "predecessors": "K903"},
        {"code": "K920", "name": "Kementerian Baru", "kind": "KEMENTERIAN"},
    ]
    before = list(Institution.objects.order_by("pk").values())
    plan = register_plan(rows=to_rows(records))
    counts = plan.counts()
    assert counts["renamed"] == 1 and counts["dissolved"] == 1 and counts["split"] == 1 and counts["new"] == 1
    assert counts["unchanged"] == 2
    split = next(c for c in plan.changes if c.kind == "split")
    assert [code for code, _name in split.related] == ["K910", "K911"]
    assert list(Institution.objects.order_by("pk").values()) == before


def test_apply_merges_with_lineage_audit_and_account_notice(small_register, admin_user):
    lead = make_member(Institution.objects.get(code="K902"), MembershipRole.LEAD, "lead@k902.test")
    records = [r for r in rows_of_register() if r["code"] not in {"K902", "K903"}]
    records.append({"code": "K930", "name": "Kementerian Gabungan", "kind": "KEMENTERIAN", "predecessors": "K902;K903"})
    result = register_apply(rows=to_rows(records), actor=admin_user, effective_on=dt.date(2026, 10, 21), source="t.csv")
    merged = Institution.objects.get(code="K930")
    assert {link.predecessor.code for link in merged.predecessor_links.all()} == {"K902", "K903"}
    assert set(merged.predecessor_links.values_list("kind", flat=True)) == {LinkKind.MERGER}
    assert not Institution.objects.filter(code__in=["K902", "K903"], active=True).exists()
    assert Institution.objects.get(code="K902").dissolved_on == dt.date(2026, 10, 21)
    assert result.deactivated_users == ["lead@k902.test"]
    assert not User.objects.get(pk=lead.pk).is_active
    changes = RegisterChange.objects.filter(batch=result.batch)
    assert set(changes.values_list("kind", flat=True)) == {RegisterChangeKind.MERGED}
    assert changes.count() == 3 and all(c.actor_id == admin_user.pk for c in changes)
    lineage = selectors.institution_lineage(institution=merged)
    assert len(lineage.predecessors) == 2


def test_apply_tells_the_admins_by_email(small_register, admin_user, django_capture_on_commit_callbacks):
    make_member(Institution.objects.get(code="K902"), MembershipRole.EDITOR, "ed@k902.test")
    records = [r for r in rows_of_register() if r["code"] != "K902"]
    with django_capture_on_commit_callbacks(execute=True):
        register_apply(rows=to_rows(records), actor=admin_user)
    assert len(mail.outbox) == 1
    assert admin_user.email in mail.outbox[0].to and "ed@k902.test" in mail.outbox[0].body


def test_bad_rows_change_nothing(small_register):
    before = list(Institution.objects.order_by("pk").values())
    records = rows_of_register() + [
        {"code": "K940", "name": "Kementerian X", "kind": "KEMENTERIAN", "predecessors": "NOPE"},
    ]
    with pytest.raises(ValidationFailed) as exc:
        register_apply(rows=to_rows(records))
    assert "NOPE" in " ".join(exc.value.errors)
    records = rows_of_register() + [
        {"code": "92.01", "name": "Pemerintah Kabupaten Tanpa", "kind": "KABUPATEN", "province_code": "92"}
    ]
    with pytest.raises(ValidationFailed):
        register_apply(rows=to_rows(records))
    assert list(Institution.objects.order_by("pk").values()) == before
    assert not RegisterChange.objects.exists()


def test_a_dissolved_code_is_not_reused(small_register):
    records = [r for r in rows_of_register() if r["code"] != "K902"]
    register_apply(rows=to_rows(records))
    records.append({"code": "K902", "name": "Kementerian Lain Lagi", "kind": "KEMENTERIAN"})
    with pytest.raises(ValidationFailed):
        register_plan(rows=to_rows(records))


def test_apply_refuses_a_preview_of_another_register(small_register):
    rows = to_rows(rows_of_register())
    plan = register_plan(rows=rows)
    Institution.objects.filter(code="K901").update(name="Diubah di tempat lain")
    with pytest.raises(InvalidTransition):
        register_apply(rows=rows, expected_fingerprint=plan.fingerprint)


def test_period_coverage_is_fixed_when_it_opens(small_register, instrument):
    today = dt.date.today()
    running = Period.objects.create(
        name="Berjalan",
        instrument=instrument,
        self_assessment_opens=today - dt.timedelta(days=3),
        self_assessment_closes=today + dt.timedelta(days=20),
        verification_closes=today + dt.timedelta(days=40),
    )
    later = Period.objects.create(
        name="Nanti",
        instrument=instrument,
        self_assessment_opens=today + dt.timedelta(days=30),
        self_assessment_closes=today + dt.timedelta(days=60),
        verification_closes=today + dt.timedelta(days=90),
    )
    period_coverage_snapshot(period=running)
    period_coverage_snapshot(period=later)
    records = [r for r in rows_of_register() if r["code"] != "K902"]
    records.append({"code": "K950", "name": "Kementerian Anyar", "kind": "KEMENTERIAN"})
    register_apply(rows=to_rows(records))
    running_codes = set(PeriodInstitution.objects.filter(period=running).values_list("institution__code", flat=True))
    later_codes = set(PeriodInstitution.objects.filter(period=later).values_list("institution__code", flat=True))
    assert "K902" in running_codes and "K950" not in running_codes  # the running period does not move
    assert "K902" not in later_codes and "K950" in later_codes  # a period not yet open follows the register
    coverage = selectors.period_coverage(period_ids=[running.pk])[running.pk]
    assert len(coverage) == 5


def test_export_then_upload_unchanged_is_no_change(small_register):
    register_apply(
        rows=to_rows(
            [r for r in rows_of_register() if r["code"] != "K903"]
            + [{"code": "K960", "name": "Penerus", "kind": "KEMENTERIAN", "predecessors": "K903"}]
        )
    )
    plan = register_plan(rows=to_rows(rows_of_register()))
    assert not plan.has_changes and plan.unchanged == Institution.objects.filter(active=True).count()
    assert InstitutionLink.objects.get().kind == LinkKind.SUCCESSION


def test_a_rename_keeps_the_old_name_for_periods_that_recorded_no_register(small_register, instrument):
    from assessments.periods.services import assessment_get_or_create

    past = Period.objects.create(
        name="Lampau",
        instrument=instrument,
        self_assessment_opens=dt.date(2024, 1, 10),
        self_assessment_closes=dt.date(2024, 2, 28),
        verification_closes=dt.date(2024, 4, 30),
    )
    k901 = Institution.objects.get(code="K901")
    assessment_get_or_create(institution=k901, period=past)
    records = rows_of_register()
    next(r for r in records if r["code"] == "K901")["name"] = "Kementerian Bernama Baru"
    register_apply(rows=to_rows(records))
    assert selectors.name_in_period(institution=k901, period_id=past.pk) == "Kementerian Uji Coba"
    # The kept name does not make the old period count only this institution.
    assert len(selectors.period_coverage(period_ids=[past.pk])[past.pk]) == 5


def test_creating_a_period_records_its_coverage(small_register, instrument):
    from assessments.instrument.services import instrument_publish
    from assessments.periods.services import period_save

    if not instrument.is_published:
        instrument_publish(instrument=instrument, user=None)
    today = dt.date.today()
    Institution.objects.filter(code="91.01").update(separately_assessed=False)
    period = period_save(
        name="Periode Baru",
        user=None,
        instrument=instrument,
        self_assessment_opens=today,
        self_assessment_closes=today + dt.timedelta(days=30),
        verification_closes=today + dt.timedelta(days=60),
    )
    codes = set(PeriodInstitution.objects.filter(period=period).values_list("institution__code", flat=True))
    assert codes == {"91", "K901", "K902", "K903"}
    # Saving it again (an edit) does not take a new snapshot.
    Institution.objects.filter(code="K903").update(active=False)
    period_save(
        period=period,
        name="Periode Baru (ubah)",
        user=None,
        instrument=instrument,
        self_assessment_opens=today,
        self_assessment_closes=today + dt.timedelta(days=30),
        verification_closes=today + dt.timedelta(days=60),
    )
    assert PeriodInstitution.objects.filter(period=period).count() == 4


def test_a_body_that_splits_off_part_and_is_renamed_keeps_both_records(small_register):
    records = rows_of_register()
    next(r for r in records if r["code"] == "K901")["name"] = "Kementerian Induk Berganti Nama"
    records.append({"code": "K970", "name": "Kementerian Pecahan", "kind": "KEMENTERIAN", "predecessors": "K901"})
    plan = register_plan(rows=to_rows(records))
    assert plan.counts()["renamed"] == 1 and plan.counts()["split"] == 1
    register_apply(rows=to_rows(records))
    k901 = Institution.objects.get(code="K901")
    assert k901.active and k901.name == "Kementerian Induk Berganti Nama"
    assert RegisterChange.objects.get(institution=k901).kind == RegisterChangeKind.RENAMED
    assert RegisterChange.objects.get(institution__code="K970").kind == RegisterChangeKind.SPLIT
    assert InstitutionLink.objects.get(successor__code="K970").kind == LinkKind.SPLIT
