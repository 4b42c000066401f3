from typing import Any

from django.db.models import Count, Q, QuerySet

from institutions.models import Institution, InstitutionKind, Membership


def institution_search(
    *, q: str = "", kind: str = "", province: str = "", region: str = "", active: str = ""
) -> QuerySet[Institution]:
    qs = Institution.objects.select_related("province").annotate(member_count=Count("memberships"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q))
    if kind in InstitutionKind.values:
        qs = qs.filter(kind=kind)
    if province.isdigit():
        qs = qs.filter(Q(province_id=int(province)) | Q(pk=int(province)))
    if region:
        qs = qs.filter(region=region)
    if active in {"1", "0"}:
        qs = qs.filter(active=active == "1")
    return qs.order_by("kind", "name")


def province_list() -> QuerySet[Institution]:
    return Institution.objects.filter(kind=InstitutionKind.PROVINSI).order_by("name")


def institution_members(*, institution: Institution) -> QuerySet[Membership]:
    return institution.memberships.select_related("user").order_by("role", "user__full_name")


def institution_counts() -> dict[str, Any]:
    rows = Institution.objects.filter(active=True).values("kind").annotate(n=Count("id"))
    return {r["kind"]: r["n"] for r in rows}
