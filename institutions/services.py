"""Writes for institutions: the national register import and staff accounts."""

import csv
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import AnyUser, Role, User
from accounts.roles import require_admin
from core.errors import ValidationFailed
from institutions.models import Institution, InstitutionKind, Membership, MembershipRole, Region

CENTRAL_CSV = Path(__file__).resolve().parent / "data" / "central_institutions.csv"

# Default oversight work group: Sumatra, Java and Banten (province codes below 50) are Region I
# with the central institutions; the rest are Region II. Admins can change any institution.
REGION_I_PROVINCE_CODE_BELOW = 50


@dataclass
class RegisterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _upsert(result: RegisterImportResult, *, code: str, **fields: object) -> Institution:
    institution = Institution.objects.filter(code=code).first()
    if institution is None:
        institution = Institution.objects.create(code=code, **fields)
        result.created += 1
        return institution
    changed = [name for name, value in fields.items() if getattr(institution, name) != value]
    if changed:
        for name in changed:
            setattr(institution, name, fields[name])
        institution.save(update_fields=changed)
        result.updated += 1
    else:
        result.unchanged += 1
    return institution


def _read_csv(path: Path, required: set[str]) -> list[dict[str, str]]:
    if not path.exists():
        raise ValidationFailed(f"{path}: file not found (run 'make assets' to install idn-area-data)")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise ValidationFailed(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        return list(reader)


def register_import(*, area_dir: Path | None = None, central_csv: Path = CENTRAL_CSV) -> RegisterImportResult:
    """Load provinces, kabupaten and kota (official codes) and the curated central institutions.

    Idempotent: rows are matched by code; a second run changes nothing. Regional codes and names
    come from the idn-area-data package (ODbL). Institution names follow the usual form
    "Pemerintah Provinsi X", "Pemerintah Kabupaten Y", "Pemerintah Kota Z".
    """
    area_dir = Path(area_dir or settings.IDN_AREA_DATA_DIR)
    provinces = _read_csv(area_dir / "provinces.csv", {"code", "name"})
    regencies = _read_csv(area_dir / "regencies.csv", {"code", "province_code", "name"})
    central = _read_csv(central_csv, {"code", "name", "short_name", "kind"})
    result = RegisterImportResult()
    with transaction.atomic():
        by_code: dict[str, Institution] = {}
        for row in provinces:
            code = row["code"].strip()
            region = Region.WILAYAH_I if int(code) < REGION_I_PROVINCE_CODE_BELOW else Region.WILAYAH_II
            by_code[code] = _upsert(
                result,
                code=code,
                name=f"Pemerintah Provinsi {row['name'].strip()}",
                short_name=f"Prov. {row['name'].strip()}",
                kind=InstitutionKind.PROVINSI,
                province=None,
                region=region,
            )
        for row in regencies:
            name = row["name"].strip()
            if name.startswith("Kabupaten "):
                kind, bare, short = InstitutionKind.KABUPATEN, name.removeprefix("Kabupaten "), "Kab."
            elif name.startswith("Kota "):
                kind, bare, short = InstitutionKind.KOTA, name.removeprefix("Kota "), "Kota"
            else:
                raise ValidationFailed(f"regencies.csv: {row['code']}: name {name!r} is neither Kabupaten nor Kota")
            province = by_code.get(row["province_code"].strip())
            if province is None:
                raise ValidationFailed(f"regencies.csv: {row['code']}: unknown province {row['province_code']}")
            _upsert(
                result,
                code=row["code"].strip(),
                name=f"Pemerintah {name}",
                short_name=f"{short} {bare}",
                kind=kind,
                province=province,
                region=province.region,
            )
        for row in central:
            central_kind = row["kind"].strip()
            if central_kind not in {InstitutionKind.KEMENTERIAN, InstitutionKind.LPNK, InstitutionKind.LNS}:
                raise ValidationFailed(f"{central_csv.name}: {row['code']}: unknown kind {central_kind!r}")
            _upsert(
                result,
                code=row["code"].strip(),
                name=row["name"].strip(),
                short_name=row["short_name"].strip(),
                kind=central_kind,
                province=None,
                region=Region.WILAYAH_I,
            )
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
    form = PasswordResetForm(data={"email": email})
    if form.is_valid():
        transaction.on_commit(
            lambda: form.save(
                request=request,
                use_https=bool(request and request.is_secure()),
                email_template_name="registration/password_reset_email.txt",
                subject_template_name="registration/password_reset_subject.txt",
                domain_override=None if request else "127.0.0.1:8000",
            )
        )
    return user
