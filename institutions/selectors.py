from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from institutions.models import (
    Institution,
    InstitutionKind,
    InstitutionLink,
    Membership,
    PeriodInstitution,
    RegisterChange,
    group_of,
)


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


# ---------------------------------------------------------------------------------------------
# The register over time


def register_export_records() -> list[dict[str, Any]]:
    """The active register in the columns of the register file (one query)."""
    predecessors: dict[int, list[str]] = {}
    for successor_id, code in InstitutionLink.objects.values_list("successor_id", "predecessor__code"):
        predecessors.setdefault(successor_id, []).append(code)
    return [
        {
            "code": i.code,
            "name": i.name,
            "short_name": i.short_name,
            "kind": i.kind,
            "province_code": i.province.code if i.province else "",
            "region": i.region,
            "target_group": i.target_group,
            "separately_assessed": i.separately_assessed,
            "predecessors": ";".join(sorted(predecessors.get(i.pk, []))),
        }
        for i in Institution.objects.filter(active=True).select_related("province").order_by("kind", "code")
    ]


def period_names(*, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The name each (period id, institution id) had in that period, where the period recorded it."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = PeriodInstitution.objects.filter(
        period_id__in={p for p, _i in pairs}, institution_id__in={i for _p, i in pairs}
    ).values_list("period_id", "institution_id", "name")
    return {(p, i): name for p, i, name in rows if (p, i) in pairs}


def name_in_period(*, institution: Institution, period_id: int) -> str:
    return period_names(pairs=[(period_id, institution.pk)]).get((period_id, institution.pk), institution.name)


@dataclass(frozen=True)
class CoverageEntry:
    institution_id: int
    kind: str
    target_group: str
    province_id: int | None


def period_coverage(*, period_ids: Iterable[int]) -> dict[int, dict[int, CoverageEntry]]:
    """Per period, the institutions it counts (kind, group, province) — two queries at most.

    A period without a snapshot (made before snapshots existed, or by a fixture) counts today's
    active, separately assessed register.
    """
    period_ids = list(period_ids)
    out: dict[int, dict[int, CoverageEntry]] = {p: {} for p in period_ids}
    for period_id, institution_id, kind, group, province_id in PeriodInstitution.objects.filter(
        period_id__in=period_ids, counted=True
    ).values_list("period_id", "institution_id", "kind", "target_group", "province_id"):
        out[period_id][institution_id] = CoverageEntry(institution_id, kind, group, province_id)
    missing = [p for p in period_ids if not out[p]]
    if missing:
        live = {
            pk: CoverageEntry(pk, kind, group_of(kind, group), pk if kind == InstitutionKind.PROVINSI else province_id)
            for pk, kind, group, province_id in Institution.objects.filter(
                active=True, separately_assessed=True
            ).values_list("pk", "kind", "target_group", "province_id")
        }
        for p in missing:
            out[p] = live
    return out


@dataclass
class Lineage:
    predecessors: list[InstitutionLink]
    successors: list[InstitutionLink]
    changes: list[RegisterChange]


def institution_lineage(*, institution: Institution) -> Lineage:
    """Predecessors, successors and the dated register changes of one institution (three queries)."""
    return Lineage(
        predecessors=list(institution.predecessor_links.select_related("predecessor")),
        successors=list(institution.successor_links.select_related("successor")),
        changes=list(institution.register_changes.select_related("actor").order_by("effective_on", "id")),
    )


def register_change_list(*, limit: int = 200) -> QuerySet[RegisterChange]:
    return RegisterChange.objects.select_related("institution", "actor").order_by("-created_at", "-id")[:limit]
