"""Reads for decisions and certificates: lists, the annex, progress, and who may see what."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier, membership_of
from assessments.domain.bands import band_codes, charter_bands
from assessments.models import Assessment, Instrument, Score, ScoreBasis
from assessments.objections.selectors import decidable
from certificates.documents import KIND_NAMES_ID, AnnexRow, kind_order, score_text
from certificates.models import Certificate, Decision, DecisionStatus, RenderStatus, TalentPrivilege
from core.errors import ValidationFailed
from institutions.selectors import name_in_period, period_names

# Crockford's base32: no I, L, O or U, so a serial read aloud or retyped survives.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 10
_NOT_SERIAL = re.compile(r"[^0-9A-Z]")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def serial_normalise(text: str) -> str:
    """What a person typed or a QR carried → a serial: upper case, separators dropped, O→0, I/L→1."""
    return _NOT_SERIAL.sub("", (text or "").upper()).translate(_LOOKALIKES)[:32]


def charter_codes(*, instrument: Instrument) -> frozenset[str]:
    """The codes of the instrument's bands that earn a charter (their flag is data)."""
    bands = list(instrument.bands.all())
    if not bands:
        raise ValidationFailed(_("The period's instrument has no category bands."))
    return band_codes(bands, "earns_charter")


def charter_band_names(*, instrument: Instrument) -> list[str]:
    """The names of the bands that earn a charter, lowest first (for documents and pages)."""
    return [b.name for b in charter_bands(instrument.bands.all())]


@dataclass(frozen=True)
class AnnexEntry:
    """One included assessment with its verified score (None before it is computed)."""

    assessment: Assessment
    score: Score | None
    charter: bool
    # The name the institution had in the assessment's period (a later rename does not change it).
    institution_name: str = ""


def verified_assessments(*, period_id: int) -> QuerySet[Assessment]:
    """What a draft may include: verified, objections answered, the objection window closed."""
    return decidable(Assessment.objects.filter(period_id=period_id)).select_related("institution")


def annex_entries(*, assessments: list[Assessment], charter: frozenset[str]) -> list[AnnexEntry]:
    """Assessments with their verified scores, ordered by institution kind then name (one query)."""
    scores = {
        s.assessment_id: s
        for s in Score.objects.filter(assessment__in=[a.pk for a in assessments], basis=ScoreBasis.VERIFIED)
    }
    names = period_names(pairs=[(a.period_id, a.institution_id) for a in assessments])

    def name(a: Assessment) -> str:
        return names.get((a.period_id, a.institution_id), a.institution.name)

    ordered = sorted(assessments, key=lambda a: (kind_order(a.institution.kind), name(a), a.pk))
    return [
        AnnexEntry(
            assessment=a,
            score=scores.get(a.pk),
            charter=bool(scores.get(a.pk) and scores[a.pk].category_code in charter),
            institution_name=name(a),
        )
        for a in ordered
    ]


def decision_annex(*, decision: Decision) -> list[AnnexEntry]:
    """The annex of a decision (draft: a preview; issued: the final scores). Three queries."""
    assessments = list(decision.assessments.select_related("institution"))
    return annex_entries(assessments=assessments, charter=charter_codes(instrument=decision.period.instrument))


def annex_part_labels(entries: list[AnnexEntry]) -> tuple[str, ...]:
    """The component names of the annex's scores when there is more than one component."""
    for e in entries:
        if e.score is not None and len(e.score.components) > 1:
            return tuple(str(c.get("name", "")) for c in e.score.components)
    return ()


def _parts(score: Score | None, count: int, places: int) -> tuple[str, ...]:
    if not count:
        return ()
    components = list(score.components) if score is not None else []
    if len(components) != count:
        return ("—",) * count
    return tuple(score_text(Decimal(c["value"]), places) if c.get("value") is not None else "—" for c in components)


def annex_rows(entries: list[AnnexEntry], *, places: int) -> list[AnnexRow]:
    """The annex as the letter prints it (values at the instrument's display precision)."""
    count = len(annex_part_labels(entries))
    return [
        AnnexRow(
            number=n,
            name=e.institution_name or e.assessment.institution.name,
            kind=e.assessment.institution.kind,
            kind_name=KIND_NAMES_ID.get(e.assessment.institution.kind, e.assessment.institution.kind),
            score=score_text(e.score.total if e.score else None, places),
            category=e.score.category_name if e.score else "—",
            charter=e.charter,
            parts=_parts(e.score, count, places),
        )
        for n, e in enumerate(entries, start=1)
    ]


def decisions_visible_to(user: AnyUser) -> QuerySet[Decision]:
    """Admins see every decision; verifiers issued ones; institutions issued ones that include them."""
    qs = Decision.objects.select_related("period")
    if is_admin(user):
        return qs
    if is_verifier(user):
        return qs.filter(status=DecisionStatus.ISSUED)
    membership = membership_of(user)
    if membership is not None:
        return qs.filter(status=DecisionStatus.ISSUED, assessments__institution_id=membership.institution_id).distinct()
    return qs.none()


def decision_list_for_user(*, user: AnyUser) -> list[Decision]:
    """Decisions with, for institution users, their own certificate attached as `own_certificate`."""
    decisions: list[Decision] = list(decisions_visible_to(user).annotate(certificate_count=Count("certificates")))
    membership = membership_of(user)
    if membership is not None and decisions:
        own = {
            c.decision_id: c
            for c in Certificate.objects.filter(decision__in=decisions, institution_id=membership.institution_id)
        }
        for decision in decisions:
            decision.own_certificate = own.get(decision.pk)  # type: ignore[attr-defined]  # a per-object cache attribute
    return decisions


def certificates_of(*, decision: Decision) -> QuerySet[Certificate]:
    return decision.certificates.select_related("institution").order_by("institution__kind", "institution__name")


@dataclass(frozen=True)
class Progress:
    letter: str
    letter_error: str
    counts: dict[str, int]
    failed: list[Certificate]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> bool:
        """Nothing left queued or rendering (failures are done: they wait for a retry)."""
        pending = {RenderStatus.QUEUED, RenderStatus.RENDERING}
        return self.letter not in pending and not any(self.counts.get(s, 0) for s in pending)

    @property
    def has_failures(self) -> bool:
        return self.letter == RenderStatus.FAILED or bool(self.counts.get(RenderStatus.FAILED))


def decision_progress(*, decision: Decision) -> Progress:
    """Render progress of the letter and the charters, in two queries whatever the size."""
    counts = {
        row["render_status"]: row["n"]
        for row in decision.certificates.values("render_status").annotate(n=Count("id")).order_by()
    }
    failed = list(
        decision.certificates.filter(render_status=RenderStatus.FAILED).select_related("institution")[:20]
        if counts.get(RenderStatus.FAILED)
        else []
    )
    return Progress(letter=decision.letter_status, letter_error=decision.letter_error, counts=counts, failed=failed)


def certificate_by_serial(*, serial: str) -> Certificate | None:
    serial = serial_normalise(serial)
    if len(serial) != SERIAL_LENGTH:
        return None
    certificate = (
        Certificate.objects.select_related("institution", "decision", "decision__period__instrument")
        .filter(serial=serial, decision__status=DecisionStatus.ISSUED)
        .first()
    )
    if certificate is not None:
        certificate.institution_name = certificate_institution_name(certificate=certificate)  # type: ignore[attr-defined]  # a per-object display attribute
    return certificate


def certificate_institution_name(*, certificate: Certificate) -> str:
    """The name the charter was issued to: the institution's name in the decision's period."""
    return name_in_period(institution=certificate.institution, period_id=certificate.decision.period_id)


@dataclass(frozen=True)
class MemberRow:
    """One institution an issued decision covers: its value and band, charter and privilege."""

    name: str
    kind: str
    score: Score | None
    category: str
    certificate: Certificate | None
    privilege: bool
    assessment_id: int = 0


def decision_members(*, decision: Decision, category: str = "", query: str = "") -> tuple[list[MemberRow], list[str]]:
    """Every institution the decision covers (filtered by category and name), and the categories.

    Five queries whatever the number of institutions: assessments, scores, names, certificates,
    privileges.
    """
    entries = decision_annex(decision=decision)
    charters = {c.institution_id: c for c in decision.certificates.all()}
    privileged = set(decision.privileges.values_list("institution_id", flat=True))
    rows = [
        MemberRow(
            name=e.institution_name or e.assessment.institution.name,
            kind=e.assessment.institution.get_kind_display(),
            score=e.score,
            category=e.score.category_name if e.score else "",
            certificate=charters.get(e.assessment.institution_id),
            privilege=e.assessment.institution_id in privileged,
            assessment_id=e.assessment.pk,
        )
        for e in entries
    ]
    categories = sorted({r.category for r in rows if r.category})
    needle = query.strip().lower()
    chosen = [r for r in rows if (not category or r.category == category) and (not needle or needle in r.name.lower())]
    return chosen, categories


def privilege_current(*, institution_id: int) -> TalentPrivilege | None:
    """The institution's talent-management privilege still in force (None when it has none)."""
    return (
        TalentPrivilege.objects.select_related("decision")
        .filter(institution_id=institution_id, ends_on__isnull=True)
        .first()
    )


def privileged_assessment_ids(*, assessment_ids: list[int]) -> set[int]:
    """Which of these assessments earned the privilege through an issued decision (one query)."""
    return set(TalentPrivilege.objects.filter(assessment_id__in=assessment_ids).values_list("assessment_id", flat=True))


@dataclass(frozen=True)
class IssuedFile:
    """An issued document whose stored bytes hash to an uploaded file's hash."""

    kind: str  # "letter" or "charter"
    decision: Decision
    certificate: Certificate | None = None


def issued_file_by_sha256(*, digest: str) -> IssuedFile | None:
    """The issued letter or charter stored with this SHA-256 (two indexed queries at most)."""
    if not digest:
        return None
    decision = Decision.objects.filter(letter_sha256=digest, status=DecisionStatus.ISSUED).first()
    if decision is not None:
        return IssuedFile(kind="letter", decision=decision)
    certificate = (
        Certificate.objects.select_related("institution", "decision")
        .filter(pdf_sha256=digest, decision__status=DecisionStatus.ISSUED)
        .first()
    )
    if certificate is not None:
        certificate.institution_name = certificate_institution_name(certificate=certificate)  # type: ignore[attr-defined]  # a per-object display attribute
        return IssuedFile(kind="charter", decision=certificate.decision, certificate=certificate)
    return None
