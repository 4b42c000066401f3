"""A realistic national data set for demos, dashboards and benchmarks (`seed_national`).

What it builds (idempotent, deterministic):
- the whole register (imported when the register is empty) and the reference instrument;
- N consecutive past semester periods ending with "Penilaian 2024 Semester I" (the last
  period with published national figures, see DOMAIN.md), e.g. N=5 gives 2022 I .. 2024 I;
- for each period, finalised assessments for every institution of the register, with self
  and verified levels on every indicator and their Score rows, and the decision of each
  decided period with its charters.

Shares follow the published milestones, interpolated per semester: early 2020 few at Baik or
better (ministries 29%, agencies 21%, provinces 15%, kabupaten/kota 0.4%); Jan 2021 81 at Baik+;
Dec 2022 460 assessed, 60 Sangat Baik and 157 Baik; Mar 2024 587 assessed, 314 Baik+.
Within each target group the institutions are ranked by a stable latent ability (with some
jitter per period), so an institution's history is coherent. Per-aspect profiles vary by kind.

Every institution of the register is assessed in each period. Status: DECIDED for every
period but the latest, with one issued Decision per decided period (all its assessments in the
annex, a Certificate for each at Baik or better; PDFs not rendered), VERIFIED for the latest
(seed data: the decision workflow is not run; no TransitionLog or Evidence rows are written).

Rerunning creates nothing that exists: periods are matched by name and assessments by
(institution, period); existing rows are never changed.
"""

import datetime as dt
import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from assessments.domain.scoring import InstrumentSpec, ScoreResult, score
from assessments.domain.standing import score_is_final
from assessments.instrument.reference import reference_instrument_ensure
from assessments.instrument.selectors import instrument_spec
from assessments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Indicator,
    Instrument,
    Period,
    ReviewState,
    Score,
    ScoreBasis,
)
from institutions.models import KIND_GROUP, Institution, InstitutionGroup, InstitutionKind
from institutions.services import register_import

LAST_PERIOD = (2024, 1)
SEED = "meritsys-national-v1"
BATCH = 2000

G = InstitutionGroup
K = InstitutionKind


@dataclass(frozen=True)
class Milestone:
    """Published figures for one semester, as shares of all institutions of each group."""

    coverage: float  # share of institutions assessed (finalised)
    baik_plus: dict[str, float]  # group -> share of the group's institutions at Baik or better
    sangat_baik: float  # share of the Baik+ institutions that are Sangat Baik


# Semester index = year * 2 + (semester - 1). Values between milestones are interpolated.
MILESTONES: dict[int, Milestone] = {
    # early 2020: K 29%, LPNK 21%, provinces 15%, kabupaten/kota 0.39%
    2020 * 2 + 0: Milestone(0.45, {G.KL: 0.20, G.PROVINSI: 0.13, G.KABKOTA: 0.004}, 0.15),
    # Jan 2021: 81 Baik+ (57 Baik, 24 Sangat Baik)
    2020 * 2 + 1: Milestone(0.55, {G.KL: 0.45, G.PROVINSI: 0.29, G.KABKOTA: 0.063}, 0.30),
    # Dec 2022: 460 assessed; 60 Sangat Baik, 157 Baik
    2022 * 2 + 1: Milestone(460 / 636, {G.KL: 0.80, G.PROVINSI: 0.60, G.KABKOTA: 0.247}, 60 / 217),
    # Mar 2024: 587 assessed, 314 Baik+
    2024 * 2 + 0: Milestone(587 / 636, {G.KL: 0.92, G.PROVINSI: 0.80, G.KABKOTA: 0.403}, 0.33),
}

# Who gets assessed first: ministries and provinces earlier than kabupaten/kota (lower = earlier).
ENGAGEMENT: dict[str, float] = {
    K.KEMENTERIAN: 0.35,
    K.LPNK: 0.45,
    K.LNS: 0.7,
    K.LEMBAGA_NEGARA: 0.5,
    K.PROVINSI: 0.4,
    K.KABUPATEN: 1.0,
    K.KOTA: 0.85,
}
# Ability bonus within a target group (ministries ahead of agencies ahead of LNS; cities ahead).
ABILITY_BONUS: dict[str, float] = {
    K.KEMENTERIAN: 0.35,
    K.LPNK: 0.2,
    K.LNS: 0.0,
    K.LEMBAGA_NEGARA: 0.25,
    K.PROVINSI: 0.0,
    K.KABUPATEN: 0.0,
    K.KOTA: 0.15,
}
# Per-aspect strengths by kind, in level units (aspects 1..8 of the reference instrument).
ASPECT_PROFILE: dict[str, tuple[float, ...]] = {
    K.KEMENTERIAN: (0.1, 0.0, 0.1, -0.1, 0.3, 0.0, -0.2, 0.45),
    K.LPNK: (0.0, 0.2, 0.0, -0.1, 0.1, 0.0, -0.1, 0.3),
    K.LNS: (-0.3, 0.1, -0.4, -0.2, 0.0, 0.2, 0.1, 0.1),
    K.LEMBAGA_NEGARA: (0.0, 0.1, 0.0, -0.1, 0.2, 0.1, 0.0, 0.2),
    K.PROVINSI: (0.0, 0.1, -0.2, 0.2, 0.0, 0.1, 0.1, -0.1),
    K.KABUPATEN: (-0.2, 0.0, -0.4, 0.0, -0.1, 0.3, 0.3, -0.5),
    K.KOTA: (-0.1, 0.1, -0.3, 0.0, 0.0, 0.2, 0.2, -0.2),
}
# Target totals drawn inside each band, away from the edges so a level step never crosses one.
BAND_RANGES = {"I": (112.0, 171.0), "II": (179.0, 246.0), "III": (254.0, 321.0), "IV": (329.0, 385.0)}


@dataclass
class SeedResult:
    periods_created: int = 0
    assessments_created: int = 0
    answers_created: int = 0
    scores_created: int = 0
    decisions_created: int = 0
    certificates_created: int = 0
    register_imported: bool = False
    period_names: list[str] = field(default_factory=list)


def semester_index(year: int, semester: int) -> int:
    return year * 2 + (semester - 1)


def semester_of(index: int) -> tuple[int, int]:
    return index // 2, index % 2 + 1


def period_name(index: int) -> str:
    year, semester = semester_of(index)
    return f"Penilaian {year} Semester {'I' if semester == 1 else 'II'}"


def period_dates(index: int) -> tuple[dt.date, dt.date, dt.date]:
    year, semester = semester_of(index)
    if semester == 1:
        return dt.date(year, 1, 15), dt.date(year, 2, 28), dt.date(year, 4, 30)
    return dt.date(year, 7, 15), dt.date(year, 8, 31), dt.date(year, 10, 31)


def milestone_at(index: int) -> Milestone:
    """The milestone figures for a semester: interpolated between, damped before, held after."""
    keys = sorted(MILESTONES)
    if index <= keys[0]:
        first = MILESTONES[keys[0]]
        damp = 0.75 ** (keys[0] - index)
        return Milestone(
            max(0.2, first.coverage - 0.05 * (keys[0] - index)),
            {g: v * damp for g, v in first.baik_plus.items()},
            first.sangat_baik * damp,
        )
    if index >= keys[-1]:
        return MILESTONES[keys[-1]]
    for low, high in zip(keys, keys[1:], strict=False):
        if low <= index <= high:
            t = (index - low) / (high - low)
            a, b = MILESTONES[low], MILESTONES[high]
            return Milestone(
                a.coverage + t * (b.coverage - a.coverage),
                {g: a.baik_plus[g] + t * (b.baik_plus[g] - a.baik_plus[g]) for g in a.baik_plus},
                a.sangat_baik + t * (b.sangat_baik - a.sangat_baik),
            )
    raise AssertionError("unreachable")


def _rng(*parts: object) -> random.Random:
    # String seeds are hashed with SHA-512 by `random`, independent of PYTHONHASHSEED.
    return random.Random(":".join([SEED, *map(str, parts)]))


def _stable_key(code: str) -> str:
    return hashlib.sha256(f"{SEED}:{code}".encode()).hexdigest()


def sample_institutions(institutions: Sequence[Institution], limit: int | None) -> list[Institution]:
    """A deterministic, kind-mixed subset (all of them when limit is None)."""
    ordered = sorted(institutions, key=lambda i: _stable_key(i.code))
    return ordered if limit is None else ordered[:limit]


@dataclass(frozen=True)
class _IndicatorRow:
    pk: int
    code: str
    max_score: float
    aspect_index: int


def _plan_categories(institutions: Sequence[Institution], index: int) -> dict[int, str]:
    """Institution id -> category code for the institutions assessed in this semester."""
    milestone = milestone_at(index)
    engagement = {i.pk: _rng("engage", i.code).random() * ENGAGEMENT[i.kind] for i in institutions}
    # Every institution of the register has a result in each seeded period, so the dashboards
    # show the whole country; the milestones' Baik+ shares are shares of each whole group.
    assessed = sorted(institutions, key=lambda i: (engagement[i.pk], i.code))
    plan: dict[int, str] = {}
    by_group: dict[str, list[Institution]] = {}
    for inst in assessed:
        by_group.setdefault(inst.target_group or KIND_GROUP[InstitutionKind(inst.kind)], []).append(inst)
    group_sizes: dict[str, int] = {}  # group -> institutions
    for inst in institutions:
        own_group = inst.target_group or KIND_GROUP[InstitutionKind(inst.kind)].value
        group_sizes[own_group] = group_sizes.get(own_group, 0) + 1
    for group, members in by_group.items():

        def ability(inst: Institution) -> float:
            return (
                _rng("ability", inst.code).gauss(0, 1)
                + ABILITY_BONUS[inst.kind]
                + _rng("jitter", inst.code, index).gauss(0, 0.35)
            )

        ranked = sorted(members, key=lambda i: (-ability(i), i.code))
        n_good = min(len(ranked), round(milestone.baik_plus[group] * group_sizes[group]))
        n_best = round(n_good * milestone.sangat_baik)
        rest = len(ranked) - n_good
        # Kurang gains on Buruk over the years.
        kurang_share = min(0.75, 0.35 + 0.08 * (index - semester_index(2020, 1)))
        n_kurang = round(rest * max(0.2, kurang_share))
        for position, inst in enumerate(ranked):
            if position < n_best:
                plan[inst.pk] = "IV"
            elif position < n_good:
                plan[inst.pk] = "III"
            elif position < n_good + n_kurang:
                plan[inst.pk] = "II"
            else:
                plan[inst.pk] = "I"
    return plan


def _levels_for(
    inst: Institution, index: int, band: str, indicators: Sequence[_IndicatorRow], spec: InstrumentSpec
) -> tuple[dict[str, int], dict[str, int]]:
    """Verified and self levels (indicator code -> level) whose verified total sits in `band`.

    Levels come from the instrument's scale (`spec.fractions`); only the band ranges above are
    this history's own data."""
    rng = _rng("levels", inst.code, index)
    low, high = BAND_RANGES[band]
    target = rng.uniform(low, high)
    fractions = {lv: float(f) for lv, f in spec.fractions.items()}
    levels = sorted(lv for lv in fractions if fractions[lv] > 0)
    bottom, top = levels[0], levels[-1]
    # The mean level whose worth is the target's share of the maximum (levels worth level / top).
    mean = target / float(spec.max_score) * top
    tolerance = float(spec.max_score) / 160  # 2,5 of 400
    profile = ASPECT_PROFILE[inst.kind]
    own = [_rng("aspect", inst.code, a).gauss(0, 0.25) for a in range(len(profile))]

    def lean(row: _IndicatorRow) -> float:
        a = row.aspect_index
        return (profile[a] if a < len(profile) else 0.0) + (own[a] if a < len(own) else 0.0)

    verified: dict[str, int] = {}
    frozen: set[str] = set()
    for row in indicators:
        level = round(mean + lean(row) + rng.gauss(0, 0.45))
        verified[row.code] = min(top, max(bottom, level))
        # Now and then a verifier finds no evidence at all (level 0), more often early on.
        if band in {"I", "II"} and rng.random() < 0.02:
            verified[row.code] = 0
            frozen.add(row.code)
    weights = {row.code: row.max_score for row in indicators}

    def total() -> float:
        return sum(weights[c] * fractions[lv] for c, lv in verified.items())

    # Nudge single levels towards the target, preferring the institution's strong aspects when
    # raising and its weak ones when lowering, so the aspect profile survives.
    for _ in range(400):
        current = total()
        if abs(current - target) <= tolerance:
            break
        if current < target:
            choices = [r for r in indicators if r.code not in frozen and verified[r.code] < top]
            if not choices:
                break
            row = max(choices, key=lambda r: lean(r) + rng.random() * 0.8)
            verified[row.code] += 1
        else:
            choices = [r for r in indicators if r.code not in frozen and verified[r.code] > bottom]
            if not choices:
                break
            row = min(choices, key=lambda r: lean(r) + rng.random() * 0.8)
            verified[row.code] -= 1
    # Institutions claim more than the evidence shows, less so as the cycles go by.
    overclaim = max(0.15, 0.45 - 0.04 * (index - semester_index(2020, 1)))
    own_claim: dict[str, int] = {}
    for row in indicators:
        level = max(bottom, verified[row.code])
        draw = rng.random()
        if verified[row.code] == 0:
            level = rng.choice(levels[1:3] or levels)
        elif draw < overclaim:
            level += 1 if rng.random() < 0.85 else 2
        elif draw < overclaim + 0.05:
            level -= 1
        own_claim[row.code] = min(top, max(bottom, level))
    return verified, own_claim


def _score_row(
    *, assessment: Assessment, basis: str, result: ScoreResult, instrument: Instrument, at: dt.datetime
) -> Score:
    return Score(
        assessment=assessment,
        basis=basis,
        instrument=instrument,
        total=result.total,
        index=result.index,
        category_code=result.category.code,
        category_name=result.category.name,
        aspect_totals=[
            {"number": a.number, "name": a.name, "total": str(a.total), "max": str(a.max_score)} for a in result.aspects
        ],
        missing_count=len(result.missing),
        is_final=score_is_final(basis=basis, status=assessment.status),
        computed_at=at,
    )


def _moment(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    days = max(0, (end - start).days)
    day = start + dt.timedelta(days=rng.randint(0, days))
    naive = dt.datetime.combine(day, dt.time(hour=rng.randint(8, 16), minute=rng.randint(0, 59)))
    return timezone.make_aware(naive)


def _fix_band(
    spec: InstrumentSpec,
    verified: dict[str, int],
    band: str,
    indicators: Sequence[_IndicatorRow],
) -> ScoreResult:
    """Score the levels; in the rare case a level step left the band, step back inside it."""
    result = score(spec, verified)
    order = sorted(indicators, key=lambda r: r.max_score)
    guard = 0
    while result.category.code != band and guard < 100:
        guard += 1
        raise_it = result.total < Decimal(str(BAND_RANGES[band][0]))
        for row in order:
            if raise_it and 0 < verified[row.code] < 4:
                verified[row.code] += 1
                break
            if not raise_it and verified[row.code] > 1:
                verified[row.code] -= 1
                break
        result = score(spec, verified)
    return result


def seed_national(
    *,
    periods: int,
    limit: int | None = None,
    institutions: Iterable[Institution] | None = None,
    stdout: object | None = None,
) -> SeedResult:
    """Build (or complete) the national demo data set. Idempotent; see the module docstring.

    `limit` seeds assessments for a deterministic, kind-mixed subset of the register;
    `institutions` (tests) restricts the seed to the given institutions.
    """
    if periods < 1:
        raise ValueError("periods must be at least 1")
    result = SeedResult()
    with transaction.atomic():
        if institutions is None and not Institution.objects.exists():
            register_import()
            result.register_imported = True
        instrument = reference_instrument_ensure()
        pool = (
            list(institutions)
            if institutions is not None
            else list(Institution.objects.filter(active=True, separately_assessed=True))
        )
        chosen = sample_institutions(pool, limit)
        last = semester_index(*LAST_PERIOD)
        indexes = list(range(last - periods + 1, last + 1))
        verifier_ids = list(
            User.objects.filter(role=Role.VERIFIER, is_active=True).order_by("pk").values_list("pk", flat=True)
        )
        for index in indexes:
            name = period_name(index)
            result.period_names.append(name)
            period = Period.objects.filter(name=name).select_related("instrument").first()
            if period is None:
                opens, closes, verification_closes = period_dates(index)
                period = Period.objects.create(
                    name=name,
                    instrument=instrument,
                    self_assessment_opens=opens,
                    self_assessment_closes=closes,
                    verification_closes=verification_closes,
                )
                result.periods_created += 1
            _seed_period(
                period=period,
                index=index,
                latest=index == last,
                institutions=chosen,
                verifier_ids=verifier_ids,
                result=result,
            )
    return result


def _seed_period(
    *,
    period: Period,
    index: int,
    latest: bool,
    institutions: Sequence[Institution],
    verifier_ids: Sequence[int],
    result: SeedResult,
) -> None:
    instrument = period.instrument
    spec = instrument_spec(instrument=instrument)
    aspect_numbers = [a.number for a in spec.aspects]
    indicators = [
        _IndicatorRow(pk, code, float(max_score), aspect_numbers.index(number))
        for pk, code, max_score, number in Indicator.objects.filter(aspect__instrument=instrument)
        .order_by("aspect__number", "position", "code")
        .values_list("pk", "code", "max_score", "aspect__number")
    ]
    existing = set(Assessment.objects.filter(period=period).values_list("institution_id", flat=True))
    plan = _plan_categories(institutions, index)
    todo = [i for i in institutions if i.pk in plan and i.pk not in existing]
    if not todo:
        return
    opens, closes, verification_closes = period_dates(index)
    decided_day = verification_closes + dt.timedelta(days=45)
    status = AssessmentStatus.VERIFIED if latest else AssessmentStatus.DECIDED
    staged: list[tuple[Assessment, dict[str, int], dict[str, int], ScoreResult, ScoreResult]] = []
    for inst in sorted(todo, key=lambda i: i.code):
        band = plan[inst.pk]
        verified, own_claim = _levels_for(inst, index, band, indicators, spec)
        verified_result = _fix_band(spec, verified, band, indicators)
        self_result = score(spec, own_claim)
        rng = _rng("dates", inst.code, index)
        submitted_at = _moment(rng, opens + dt.timedelta(days=20), closes)
        verified_at = _moment(rng, closes + dt.timedelta(days=10), verification_closes)
        assessment = Assessment(
            institution=inst,
            period=period,
            status=status,
            submitted_at=submitted_at,
            verified_at=verified_at,
            decided_at=None if latest else timezone.make_aware(dt.datetime.combine(decided_day, dt.time(10))),
            answers_changed_at=verified_at,
        )
        staged.append((assessment, verified, own_claim, verified_result, self_result))
    created = Assessment.objects.bulk_create([s[0] for s in staged], batch_size=BATCH)
    answers: list[tuple] = []
    scores: list[Score] = []
    through: list = []
    Through = Assessment.verifiers.through
    at_answer = connection.ops.adapt_datetimefield_value(timezone.now())
    for n, (assessment, verified, own_claim, verified_result, self_result) in enumerate(
        zip(
            created,
            (s[1] for s in staged),
            (s[2] for s in staged),
            (s[3] for s in staged),
            (s[4] for s in staged),
            strict=True,
        )
    ):
        for row in indicators:
            answers.append((assessment.pk, row.pk, own_claim[row.code], verified[row.code], at_answer))
        at = (assessment.verified_at or timezone.now()) + dt.timedelta(minutes=1)
        scores.append(
            _score_row(assessment=assessment, basis=ScoreBasis.SELF, result=self_result, instrument=instrument, at=at)
        )
        scores.append(
            _score_row(
                assessment=assessment, basis=ScoreBasis.VERIFIED, result=verified_result, instrument=instrument, at=at
            )
        )
        if verifier_ids:
            through.append(Through(assessment_id=assessment.pk, user_id=verifier_ids[(n + index) % len(verifier_ids)]))
    _answers_insert(answers)
    Score.objects.bulk_create(scores, batch_size=BATCH)
    if through:
        Through.objects.bulk_create(through, batch_size=BATCH)
    if not latest:
        _decision_issue(period=period, index=index, assessments=created, scores=scores, day=decided_day, result=result)
    result.assessments_created += len(created)
    result.answers_created += len(answers)
    result.scores_created += len(scores)


def _answers_insert(rows: Sequence[tuple]) -> None:
    """Insert answer rows (assessment, indicator, self level, verified level, updated at) with one
    prepared statement per batch.

    The seed writes about 21,000 answers per period; building an `Answer` object for each and
    letting `bulk_create` prepare every value took about two thirds of `seed_national`'s time
    (cProfile: 29 of 51 s for five periods). The raw statement writes the same rows, with the
    model's defaults spelled out, in a fraction of that.
    """
    fields = ["assessment", "indicator", "self_level", "verified_level", "updated_at"]
    defaults = {
        "self_note": "",
        "verified_note": "",
        "review_state": ReviewState.VERIFIED.value,
        "revision_reason": "",
        "carried_over": False,
        "version": 1,
    }
    meta = Answer._meta
    columns = [str(meta.get_field(name).column) for name in [*fields, *defaults]]  # type: ignore[union-attr]  # concrete fields
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, values bound
        quote(str(meta.db_table)), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    extra = tuple(defaults.values())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH * 5):
            cursor.executemany(sql, [row + extra for row in rows[start : start + BATCH * 5]])


def _decision_issue(
    *,
    period: Period,
    index: int,
    assessments: Sequence[Assessment],
    scores: Sequence[Score],
    day: dt.date,
    result: SeedResult,
) -> None:
    """An issued decision for a decided period: every seeded assessment in its annex and a charter
    for each one in a band that earns one (the instrument's flag). Seed data: no transition rows, and the PDFs are not rendered
    (the admin's "Render all documents again" on the decision page renders them)."""
    from certificates.models import Certificate, Decision, DecisionStatus
    from certificates.selectors import charter_codes
    from certificates.services import serial_new

    year, semester = semester_of(index)
    number = f"{semester}/KEP.DEMO/{year}"
    if Decision.objects.filter(number=number).exists():
        return
    issued_at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    decision = Decision.objects.create(
        number=number,
        date=day,
        period=period,
        signatory_name="Ketua",
        signatory_title="Ketua Lembaga Pengawas",
        status=DecisionStatus.ISSUED,
        issued_at=issued_at,
    )
    Through = Decision.assessments.through
    Through.objects.bulk_create(
        [Through(decision_id=decision.pk, assessment_id=a.pk) for a in assessments], batch_size=BATCH
    )
    charter = charter_codes(instrument=period.instrument)
    verified = {s.assessment_id: s for s in scores if s.basis == ScoreBasis.VERIFIED}
    taken: set[str] = set()
    charters = [
        Certificate(
            decision=decision,
            institution_id=a.institution_id,
            assessment=a,
            serial=serial_new(taken=taken),
            score_total=verified[a.pk].total,
            category_code=verified[a.pk].category_code,
            category_name=verified[a.pk].category_name,
        )
        for a in assessments
        if verified[a.pk].category_code in charter
    ]
    Certificate.objects.bulk_create(charters, batch_size=BATCH)
    result.decisions_created += 1
    result.certificates_created += len(charters)
