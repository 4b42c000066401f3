"""Writes for institutions: the national register (import, uploads, changes) and staff accounts."""

import csv
import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser, Role, User
from accounts.roles import require_admin
from core.errors import InvalidTransition, ValidationFailed
from core.models import SideEffectKind
from core.outbox import outbox_add
from core.tasks import email_send
from institutions.models import (
    KIND_GROUP,
    Institution,
    InstitutionKind,
    InstitutionLink,
    LinkKind,
    Membership,
    MembershipRole,
    PeriodInstitution,
    Region,
    RegisterChange,
    RegisterChangeKind,
    RegisterUpload,
    group_of,
)
from institutions.register_file import REGIONAL_CHILD_KINDS, RegisterRow

DATA_DIR = Path(__file__).resolve().parent / "data"
CENTRAL_CSV = DATA_DIR / "central_institutions.csv"
REGIONAL_OVERRIDES_CSV = DATA_DIR / "regional_overrides.csv"

# Default oversight work group: Sumatra, Java and Banten (province codes below 50) are Region I
# with the central institutions; the rest are Region II. Admins can change any institution.
REGION_I_PROVINCE_CODE_BELOW = 50


@dataclass
class RegisterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dissolved: int = 0


# ---------------------------------------------------------------------------------------------
# Register changes: plan (the preview) and apply


def _state(institution: Institution) -> dict[str, Any]:
    return {
        # Stripped as a file's cells are: stray spaces in a stored name are no change.
        "name": institution.name.strip(),
        "short_name": institution.short_name.strip(),
        "kind": institution.kind,
        "province_code": institution.province.code if institution.province else "",
        "region": institution.region,
        "target_group": institution.target_group,
        "separately_assessed": institution.separately_assessed,
    }


def _row_state(row: RegisterRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "short_name": row.short_name,
        "kind": row.kind,
        "province_code": row.province_code,
        "region": row.region,
        "target_group": row.target_group,
        "separately_assessed": row.separately_assessed,
    }


@dataclass
class PlannedChange:
    kind: str
    code: str
    name: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: list[str] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of the other side

    @property
    def kind_label(self) -> str:
        return str(RegisterChangeKind(self.kind).label)

    @property
    def field_rows(self) -> list[tuple[str, Any, Any]]:
        """(label, before, after) of each changed field, for the preview."""
        labels = field_labels()
        before, after = self.before or {}, self.after or {}
        return [(labels.get(f, f), _shown(before.get(f)), _shown(after.get(f))) for f in self.fields]


def field_labels() -> dict[str, str]:
    return {
        "name": _("name"),
        "short_name": _("short name"),
        "kind": _("kind"),
        "province_code": _("province"),
        "region": _("oversight region"),
        "target_group": _("target group"),
        "separately_assessed": _("separately assessed"),
    }


def _shown(value: Any) -> Any:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return value


@dataclass
class RegisterPlan:
    rows: list[RegisterRow]
    changes: list[PlannedChange]
    unchanged: int
    fingerprint: str
    untouched_missing: list[str] = field(default_factory=list)  # partial mode: left as they are

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(RegisterChangeKind.values, 0)
        for change in self.changes:
            out[change.kind] += 1
        out[RegisterChangeKind.UNCHANGED] = self.unchanged
        return out

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)


def register_fingerprint() -> str:
    """A digest of the active register: a preview is applied only to the register it was made from."""
    states = sorted((i.code, _state(i)) for i in Institution.objects.filter(active=True).select_related("province"))
    return hashlib.sha256(json.dumps(states, sort_keys=True, default=str).encode()).hexdigest()


def register_plan(*, rows: list[RegisterRow], partial: bool = False) -> RegisterPlan:
    """What applying `rows` as the register would change (read only).

    A full register (an upload) dissolves every active institution missing from it. A partial one
    (`import_register`'s curated data) dissolves only those named as predecessors of a new row.
    New rows name predecessors to record a merger (several), a split (one predecessor named by
    several) or a succession under a new code (one to one). Predecessors of rows already in the
    register are ignored: lineage is recorded when a successor first appears.
    """
    active = {i.code: i for i in Institution.objects.filter(active=True).select_related("province")}
    dissolved_codes = set(Institution.objects.filter(active=False).values_list("code", flat=True))
    file_codes = {r.code for r in rows}
    province_codes = {r.code for r in rows if r.kind == InstitutionKind.PROVINSI}
    if partial:
        province_codes |= {c for c, i in active.items() if i.kind == InstitutionKind.PROVINSI}
    errors: list[str] = []
    predecessors_of: dict[str, list[str]] = {}
    for r in rows:
        if r.code in dissolved_codes:
            errors.append(
                _("%(code)s belongs to a dissolved institution; give a new institution a new code.") % {"code": r.code}
            )
        if r.kind in REGIONAL_CHILD_KINDS and r.province_code not in province_codes:
            errors.append(
                _("%(code)s: the province %(province)s is not in the register.")
                % {"code": r.code, "province": r.province_code}
            )
        if r.code in active or not r.predecessors:
            continue
        known = []
        for p in r.predecessors:
            if p in active:
                known.append(p)
            elif not partial:
                errors.append(
                    _("%(code)s: the predecessor %(predecessor)s is not an active institution.")
                    % {"code": r.code, "predecessor": p}
                )
        if known:
            predecessors_of[r.code] = known
    if errors:
        raise ValidationFailed(_("The register was not changed: fix these rows."), errors=errors[:20])

    successors_of: dict[str, list[str]] = defaultdict(list)
    for code, preds in predecessors_of.items():
        for p in preds:
            successors_of[p].append(code)
    missing = [c for c in active if c not in file_codes]
    dissolving = [c for c in missing if not partial or c in successors_of]
    by_code = {r.code: r for r in rows}

    def name_of(code: str) -> str:
        return by_code[code].name if code in by_code else active[code].name

    changes: list[PlannedChange] = []
    unchanged = 0
    for r in rows:
        current = active.get(r.code)
        if current is not None:
            before, after = _state(current), _row_state(r)
            changed = [k for k in after if before[k] != after[k]]
            if not changed:
                unchanged += 1
                continue
            kind = RegisterChangeKind.RENAMED if {"name", "short_name"} & set(changed) else RegisterChangeKind.UPDATED
            changes.append(PlannedChange(kind, r.code, r.name, before, after, changed))
            continue
        preds = predecessors_of.get(r.code, [])
        related = [(p, name_of(p)) for p in preds]
        if len(preds) >= 2:
            changes.append(PlannedChange(RegisterChangeKind.MERGED, r.code, r.name, None, _row_state(r), [], related))
        elif len(preds) == 1 and (len(successors_of[preds[0]]) >= 2 or preds[0] in file_codes):
            continue  # listed with the split of its predecessor
        elif len(preds) == 1:
            changes.append(
                PlannedChange(RegisterChangeKind.SUCCEEDED, r.code, r.name, None, _row_state(r), [], related)
            )
        else:
            changes.append(PlannedChange(RegisterChangeKind.NEW, r.code, r.name, None, _row_state(r)))
    for code, succs in successors_of.items():
        # Several successors, or part of a body that carries on: a split.
        if len(succs) >= 2 or code in file_codes:
            changes.append(
                PlannedChange(
                    RegisterChangeKind.SPLIT,
                    code,
                    active[code].name,
                    _state(active[code]),
                    _row_state(by_code[code]) if code in by_code else None,
                    [],
                    [(s, name_of(s)) for s in succs],
                )
            )
    for code in dissolving:
        if not successors_of.get(code):
            changes.append(PlannedChange(RegisterChangeKind.DISSOLVED, code, active[code].name, _state(active[code])))
    return RegisterPlan(
        rows=rows,
        changes=changes,
        unchanged=unchanged,
        fingerprint=register_fingerprint(),
        untouched_missing=sorted(set(missing) - set(dissolving)),
    )


@dataclass
class RegisterApplyResult:
    batch: uuid.UUID
    plan: RegisterPlan
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dissolved: int = 0
    deactivated_users: list[str] = field(default_factory=list)


def _fields_from_row(row: RegisterRow, provinces: dict[str, Institution]) -> dict[str, Any]:
    return {
        "name": row.name,
        "short_name": row.short_name,
        "kind": row.kind,
        "province": provinces.get(row.province_code) if row.kind in REGIONAL_CHILD_KINDS else None,
        "region": row.region,
        "target_group": row.target_group,
        "separately_assessed": row.separately_assessed,
    }


def register_apply(
    *,
    rows: list[RegisterRow],
    actor: Any = None,
    effective_on: dt.date | None = None,
    source: str = "",
    partial: bool = False,
    expected_fingerprint: str | None = None,
) -> RegisterApplyResult:
    """Apply a register in one transaction: create, rename, update, link and dissolve, each audited.

    Accounts of dissolved institutions are deactivated and the admins told by e-mail; staff of a
    renamed institution keep their access. Periods keep the institutions they opened with; the
    names of periods still running follow a rename, decided and past periods keep theirs.
    """
    effective_on = effective_on or timezone.localdate()
    with transaction.atomic():
        # One register change at a time: the lock makes a second apply wait, then see the new register.
        list(Institution.objects.select_for_update().filter(kind=InstitutionKind.PROVINSI).values_list("pk"))
        plan = register_plan(rows=rows, partial=partial)
        if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
            raise InvalidTransition(_("The register changed after this preview. Upload the file again to preview."))
        batch = uuid.uuid4()
        result = RegisterApplyResult(batch=batch, plan=plan, unchanged=plan.unchanged)
        existing = {
            i.code: i for i in Institution.objects.filter(code__in=[r.code for r in rows]).select_related("province")
        }
        provinces = {i.code: i for i in Institution.objects.filter(kind=InstitutionKind.PROVINSI, active=True)}
        change_kind_of: dict[str, str] = {}
        for change in plan.changes:
            if change.kind == RegisterChangeKind.SPLIT:
                # A body that continues and is renamed in the same file keeps "renamed".
                change_kind_of.setdefault(change.code, change.kind)
                for code, _name in change.related:
                    change_kind_of[code] = RegisterChangeKind.SPLIT
                continue
            change_kind_of[change.code] = change.kind
            if change.kind in (RegisterChangeKind.MERGED, RegisterChangeKind.SUCCEEDED):
                for code, _name in change.related:
                    change_kind_of.setdefault(code, change.kind)

        def audit(institution: Institution, kind: str, before: Any, after: Any) -> None:
            RegisterChange.objects.create(
                batch=batch,
                institution=institution,
                kind=kind,
                effective_on=effective_on,
                before=before,
                after=after,
                source=source[:200],
                actor=actor,
            )

        # Provinces first: kabupaten and kota point at them.
        ordered = sorted(rows, key=lambda r: r.kind != InstitutionKind.PROVINSI)
        new_by_code: dict[str, Institution] = {}
        for row in ordered:
            fields_ = _fields_from_row(row, provinces)
            current = existing.get(row.code)
            if current is None:
                institution = Institution.objects.create(
                    code=row.code, established_on=None if partial else effective_on, **fields_
                )
                new_by_code[row.code] = institution
                result.created += 1
                audit(institution, change_kind_of.get(row.code, RegisterChangeKind.NEW), None, _row_state(row))
            else:
                before = _state(current)
                changed = [k for k, v in fields_.items() if k != "province" and before.get(k, getattr(current, k)) != v]
                if fields_["province"] != current.province:
                    changed.append("province")
                if changed:
                    for k in changed:
                        setattr(current, k, fields_[k])
                    current.save(update_fields=changed)
                    result.updated += 1
                    audit(
                        current,
                        change_kind_of.get(row.code, RegisterChangeKind.UPDATED),
                        before,
                        _row_state(row),
                    )
                    if {"name", "short_name"} & set(changed):
                        _snapshot_rename(institution=current, before=before)
                institution = current
            if institution.kind == InstitutionKind.PROVINSI:
                provinces[institution.code] = institution

        # Lineage, then the dissolutions (a predecessor missing from the file leaves the register).
        file_codes = {r.code for r in rows}
        predecessors = {
            i.code: i
            for i in Institution.objects.filter(active=True, code__in={p for r in rows for p in r.predecessors})
        }
        successor_count: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.code in new_by_code:
                for p in row.predecessors:
                    if p in predecessors:
                        successor_count[p] += 1
        for row in rows:
            successor = new_by_code.get(row.code)
            if successor is None:
                continue
            known = [p for p in row.predecessors if p in predecessors]
            for p in known:
                kind = (
                    LinkKind.MERGER
                    if len(known) >= 2
                    else LinkKind.SPLIT
                    if successor_count[p] >= 2 or p in file_codes
                    else LinkKind.SUCCESSION
                )
                InstitutionLink.objects.create(
                    predecessor=predecessors[p], successor=successor, kind=kind, effective_on=effective_on, batch=batch
                )
        to_dissolve = [
            i
            for i in Institution.objects.filter(active=True).exclude(code__in=file_codes)
            if not partial or successor_count.get(i.code)
        ]
        for institution in to_dissolve:
            before = _state(institution)
            institution.active = False
            institution.dissolved_on = effective_on
            institution.save(update_fields=["active", "dissolved_on"])
            result.dissolved += 1
            audit(institution, change_kind_of.get(institution.code, RegisterChangeKind.DISSOLVED), before, None)
        result.deactivated_users = _deactivate_accounts(institutions=to_dissolve)
        _snapshot_refresh_unopened()
    return result


def _deactivate_accounts(*, institutions: list[Institution]) -> list[str]:
    users = list(User.objects.filter(membership__institution__in=institutions, is_active=True))
    if not users:
        return []
    User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)
    emails = sorted(u.email for u in users)
    admin_emails = list(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True))
    if admin_emails:
        names = ", ".join(sorted(i.name for i in institutions))
        body = _(
            "The register change dissolved %(institutions)s. These accounts were deactivated: %(accounts)s. "
            "Give their holders an account at the successor institution if they moved there."
        ) % {"institutions": names, "accounts": ", ".join(emails)}
        subject = _("Register change: %(n)d account(s) deactivated") % {"n": len(emails)}
        outbox_add(
            kind=SideEffectKind.EMAIL,
            task=email_send.name,
            args=[str(subject), str(body), list(admin_emails)],
            ref="register-change",
        )
    return emails


# ---------------------------------------------------------------------------------------------
# Period coverage: the register a period opened with


def period_coverage_snapshot(*, period: Any) -> int:
    """Fix which institutions `period` covers: the active register's separately assessed ones.

    Replaces an earlier snapshot (a period that has not opened yet follows register changes).
    """
    with transaction.atomic():
        PeriodInstitution.objects.filter(period=period).delete()
        entries = [
            PeriodInstitution(
                period=period,
                institution=i,
                name=i.name,
                short_name=i.short_name,
                kind=i.kind,
                target_group=i.group,
                province_id=i.pk if i.kind == InstitutionKind.PROVINSI else i.province_id,
                counted=i.separately_assessed,
            )
            for i in Institution.objects.filter(active=True, separately_assessed=True)
        ]
        PeriodInstitution.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def _snapshot_refresh_unopened() -> None:
    # By name: assessments builds on institutions (PeriodInstitution.period names it the same way).
    period_model = apps.get_model("assessments", "Period")
    for period in period_model.objects.filter(self_assessment_opens__gt=timezone.localdate()):
        period_coverage_snapshot(period=period)


def _snapshot_rename(*, institution: Institution, before: dict[str, Any]) -> None:
    """Periods still running take the new name; decided or past periods keep the old one.

    A period that recorded no register (older data) gets a row keeping the old name; it is not
    counted, so that period's denominators stay those of the live register.
    """
    assessment_model = apps.get_model("assessments", "Assessment")
    recorded = PeriodInstitution.objects.filter(institution=institution).values_list("period_id", flat=True)
    unrecorded = set(
        assessment_model.objects.filter(institution=institution)
        .exclude(period_id__in=list(recorded))
        .values_list("period_id", flat=True)
    )
    PeriodInstitution.objects.bulk_create(
        [
            PeriodInstitution(
                period_id=period_id,
                institution=institution,
                name=before["name"],
                short_name=before["short_name"],
                kind=before["kind"],
                target_group=group_of(before["kind"], before["target_group"]),
                counted=False,
            )
            for period_id in unrecorded
        ]
    )
    PeriodInstitution.objects.filter(
        institution=institution, period__verification_closes__gte=timezone.localdate()
    ).exclude(period__decisions__status="issued").update(name=institution.name, short_name=institution.short_name)


# ---------------------------------------------------------------------------------------------
# import_register: the official regional codes plus the curated central institutions


def _read_csv(path: Path, required: set[str]) -> list[dict[str, str]]:
    if not path.exists():
        raise ValidationFailed(f"{path}: file not found (run 'make assets' to install idn-area-data)")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise ValidationFailed(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        return list(reader)


def register_rows_from_data(
    *, area_dir: Path | None = None, central_csv: Path = CENTRAL_CSV, overrides_csv: Path = REGIONAL_OVERRIDES_CSV
) -> list[RegisterRow]:
    """The register as the shipped data describes it.

    Regional codes and names come from the idn-area-data package (ODbL), named "Pemerintah
    Provinsi X", "Pemerintah Kabupaten Y", "Pemerintah Kota Z" unless the overrides file gives a
    statutory name or marks a unit as not separately assessed. Central institutions come from
    the curated CSV (sources in data/README.md).
    """
    area_dir = Path(area_dir or settings.IDN_AREA_DATA_DIR)
    provinces = _read_csv(area_dir / "provinces.csv", {"code", "name"})
    regencies = _read_csv(area_dir / "regencies.csv", {"code", "province_code", "name"})
    central = _read_csv(central_csv, {"code", "name", "short_name", "kind", "target_group", "predecessors"})
    overrides = {
        r["code"].strip(): r for r in _read_csv(overrides_csv, {"code", "name", "short_name", "separately_assessed"})
    }
    rows: list[RegisterRow] = []
    province_region: dict[str, str] = {}

    def row(code: str, name: str, short: str, kind: str, province_code: str, region: str) -> RegisterRow:
        override = overrides.get(code, {})
        assessed = str(override.get("separately_assessed", "1")).strip() not in {"0", "no", "false"}
        return RegisterRow(
            code=code,
            name=(override.get("name") or "").strip() or name,
            short_name=(override.get("short_name") or "").strip() or short,
            kind=kind,
            province_code=province_code,
            region=region,
            target_group=KIND_GROUP[InstitutionKind(kind)].value if assessed else "",
            separately_assessed=assessed,
            predecessors=(),
        )

    for r in provinces:
        code, bare = r["code"].strip(), r["name"].strip()
        region = Region.WILAYAH_I if int(code) < REGION_I_PROVINCE_CODE_BELOW else Region.WILAYAH_II
        province_region[code] = region
        rows.append(row(code, f"Pemerintah Provinsi {bare}", f"Prov. {bare}", InstitutionKind.PROVINSI, "", region))
    for r in regencies:
        name = r["name"].strip()
        if name.startswith("Kabupaten "):
            kind, bare, short = InstitutionKind.KABUPATEN, name.removeprefix("Kabupaten "), "Kab."
        elif name.startswith("Kota "):
            kind, bare, short = InstitutionKind.KOTA, name.removeprefix("Kota "), "Kota"
        else:
            raise ValidationFailed(f"regencies.csv: {r['code']}: name {name!r} is neither Kabupaten nor Kota")
        province_code = r["province_code"].strip()
        if province_code not in province_region:
            raise ValidationFailed(f"regencies.csv: {r['code']}: unknown province {r['province_code']}")
        rows.append(
            row(
                r["code"].strip(),
                f"Pemerintah {name}",
                f"{short} {bare}",
                kind,
                province_code,
                province_region[province_code],
            )
        )
    central_kinds = {
        InstitutionKind.KEMENTERIAN,
        InstitutionKind.LPNK,
        InstitutionKind.LNS,
        InstitutionKind.LEMBAGA_NEGARA,
    }
    for r in central:
        central_kind = r["kind"].strip()
        if central_kind not in central_kinds:
            raise ValidationFailed(f"{central_csv.name}: {r['code']}: unknown kind {central_kind!r}")
        rows.append(
            RegisterRow(
                code=r["code"].strip(),
                name=r["name"].strip(),
                short_name=r["short_name"].strip(),
                kind=central_kind,
                province_code="",
                region=Region.WILAYAH_I,
                target_group=r["target_group"].strip() or KIND_GROUP[InstitutionKind(central_kind)].value,
                separately_assessed=True,
                predecessors=tuple(p.strip() for p in r["predecessors"].split(";") if p.strip()),
            )
        )
    return rows


def register_import(
    *, area_dir: Path | None = None, central_csv: Path = CENTRAL_CSV, actor: Any = None
) -> RegisterImportResult:
    """Bring the register in line with the shipped data (idempotent: a second run changes nothing).

    Institutions the data no longer lists are dissolved only when a listed successor names them;
    anything an admin added through an upload stays.
    """
    rows = register_rows_from_data(area_dir=area_dir, central_csv=central_csv)
    applied = register_apply(rows=rows, actor=actor, source="import_register", partial=True)
    return RegisterImportResult(
        created=applied.created, updated=applied.updated, unchanged=applied.unchanged, dissolved=applied.dissolved
    )


def register_upload_create(
    *, rows: list[RegisterRow], filename: str, effective_on: dt.date, user: Any
) -> RegisterUpload:
    require_admin(user)
    return RegisterUpload.objects.create(
        rows=[r.as_dict() for r in rows], filename=filename[:200], effective_on=effective_on, uploaded_by=user
    )


def register_upload_apply(*, upload: RegisterUpload, user: Any, fingerprint: str) -> RegisterApplyResult:
    """Apply a previewed upload once, to the register the preview was made from."""
    require_admin(user)
    with transaction.atomic():
        upload = RegisterUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.applied_at is not None:
            raise InvalidTransition(_("This register file has already been applied."))
        result = register_apply(
            rows=[RegisterRow.from_dict(r) for r in upload.rows],
            actor=user,
            effective_on=upload.effective_on,
            source=upload.filename,
            expected_fingerprint=fingerprint,
        )
        upload.applied_at = timezone.now()
        upload.batch = result.batch
        upload.save(update_fields=["applied_at", "batch"])
    return result


@transaction.atomic
def institution_account_create(
    *,
    institution: Institution,
    email: str,
    full_name: str,
    role: str,
    nip: str = "",
    user: AnyUser | None,
    request: HttpRequest | None = None,
) -> User:
    """Create an institution staff account and send its holder a link to set a password.

    The oversight body hands out accounts; nobody registers themselves.
    """
    require_admin(user)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(_("An account with the e-mail %(email)s already exists.") % {"email": email})
    if role not in MembershipRole.values:
        raise ValidationFailed(_("Unknown role %(role)s.") % {"role": role})
    # A random password nobody knows: the holder sets their own through the e-mailed link
    # (Django's reset form only mails users whose password is usable).
    user = User.objects.create_user(
        email=email, password=secrets.token_urlsafe(24), full_name=full_name, nip=nip, role=Role.INSTITUTION
    )
    Membership.objects.create(user=user, institution=institution, role=role)
    form = _OutboxPasswordResetForm(data={"email": email})
    if form.is_valid():
        # Rendered now, sent through the outbox: a mail server or broker outage delays the link,
        # never loses it nor turns the created account into an error page.
        form.save(
            request=request,
            use_https=bool(request and request.is_secure()),
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            domain_override=None if request else "127.0.0.1:8000",
        )
    return user


class _OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, its message recorded in the outbox instead of sent in the request."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        outbox_add(kind=SideEffectKind.EMAIL, task=email_send.name, args=[subject, body, [to_email]], ref="account")
