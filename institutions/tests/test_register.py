from pathlib import Path

import pytest

from core.errors import ValidationFailed
from institutions.models import Institution, InstitutionKind
from institutions.services import register_import

pytestmark = pytest.mark.django_db


def test_register_counts_and_links():
    result = register_import()
    counts = {k: Institution.objects.filter(kind=k).count() for k in InstitutionKind.values}
    assert counts[InstitutionKind.PROVINSI] == 38
    assert counts[InstitutionKind.KABUPATEN] == 416
    assert counts[InstitutionKind.KOTA] == 98
    assert counts[InstitutionKind.KEMENTERIAN] + counts[InstitutionKind.LPNK] + counts[InstitutionKind.LNS] > 60
    assert result.created == Institution.objects.count()
    ciamis = Institution.objects.get(code="32.07")
    assert ciamis.name == "Pemerintah Kabupaten Ciamis"
    assert ciamis.province.name == "Pemerintah Provinsi Jawa Barat"
    assert ciamis.region == ciamis.province.region
    # Every kab/kota is linked to the province whose code prefixes its own.
    for code, province_code in Institution.objects.filter(kind__in=["KABUPATEN", "KOTA"]).values_list(
        "code", "province__code"
    ):
        assert code.split(".")[0] == province_code


def test_register_import_twice_changes_nothing():
    register_import()
    before = list(Institution.objects.order_by("code").values())
    result = register_import()
    assert (result.created, result.updated) == (0, 0)
    assert list(Institution.objects.order_by("code").values()) == before


def test_register_import_refuses_missing_column_whole(tmp_path: Path, settings):
    (tmp_path / "provinces.csv").write_text("code,nama\n11,Aceh\n", encoding="utf-8")
    (tmp_path / "regencies.csv").write_text("code,province_code,name\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="missing column"):
        register_import(area_dir=tmp_path)
    assert Institution.objects.count() == 0


def test_register_import_refuses_unknown_province_and_writes_nothing(tmp_path: Path):
    (tmp_path / "provinces.csv").write_text("code,name\n11,Aceh\n", encoding="utf-8")
    (tmp_path / "regencies.csv").write_text("code,province_code,name\n99.01,99,Kabupaten Entah\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="unknown province"):
        register_import(area_dir=tmp_path)
    assert Institution.objects.count() == 0
