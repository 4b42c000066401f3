"""Small registers and seeded data for dashboard tests."""

from conftest import make_institution
from demo.national import seed_national
from institutions.models import Institution, InstitutionKind

KIND_CYCLE = [
    InstitutionKind.KEMENTERIAN,
    InstitutionKind.PROVINSI,
    InstitutionKind.KABUPATEN,
    InstitutionKind.LPNK,
    InstitutionKind.KOTA,
    InstitutionKind.KABUPATEN,
    InstitutionKind.LNS,
    InstitutionKind.KABUPATEN,
    InstitutionKind.PROVINSI,
    InstitutionKind.KOTA,
]


def build_register(n: int, *, start: int = 0) -> list[Institution]:
    """`n` institutions of every kind (kabupaten/kota under the provinces made so far)."""
    created: list[Institution] = []
    provinces = list(Institution.objects.filter(kind=InstitutionKind.PROVINSI).order_by("pk"))
    for i in range(start, start + n):
        kind = KIND_CYCLE[i % len(KIND_CYCLE)]
        if kind in (InstitutionKind.KABUPATEN, InstitutionKind.KOTA) and not provinces:
            kind = InstitutionKind.PROVINSI
        extra = {}
        if kind in (InstitutionKind.KABUPATEN, InstitutionKind.KOTA):
            extra["province"] = provinces[i % len(provinces)]
        institution = make_institution(f"T{i:04d}", f"Instansi Uji {i:04d} {kind.label}", kind, **extra)
        if kind == InstitutionKind.PROVINSI:
            provinces.append(institution)
        created.append(institution)
    return created


def seeded(n: int, periods: int) -> list[Institution]:
    institutions = build_register(n)
    seed_national(periods=periods, institutions=institutions)
    return institutions
