"""National aggregates of the staff survey (PermenPANRB 19/2025: 25 % of the index).

Read from the surveys' stored counters and last computed results (`surveys.selectors.
period_survey_figures`, one query): no request ever reads a response, so the cost does not
grow with the number of responses.

The national (and per-kind) survey value is the **mean of the institutions' survey values**, each
institution counting once, over the institutions whose survey is ready (its value counts in the
index). Not the pooled responses: the survey value is a component of each institution's index,
the dashboard's other national figures are per-institution means too, pooled responses would let
a large ministry's thousands of answers outweigh a kabupaten's hundred, and pooling would need the
item sums of every response (a scan) rather than the stored results. Dimension values likewise:
the mean of the institutions' dimension values (each already weighted by its items' weights as
docs/survey.md defines). The mean is linear, so the national value is also the dimension-weighted
mean of the national dimension values when every dimension is present.

Anonymity: no value (institution, dimension, group) is given when fewer than the questionnaire's
minimum of respondents stand behind it (10 in the reference): the figure is None and `too_few`
says why (the page shows "fewer than N").
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_admin, is_verifier, membership_of, person
from assessments.models import Assessment, AssessmentStatus, Period
from institutions.models import Institution, InstitutionKind
from institutions.selectors import period_coverage
from surveys import selectors as survey_selectors
from surveys.domain import enough_respondents, sample_ready
from surveys.selectors import SurveyFigures

# States of an institution's survey in the period, and whether it counts.
NOT_OPENED, OPEN, CLOSED = "not_opened", "open", "closed"
READY, PENDING = "ready", "pending"
STATE_LABELS = {
    NOT_OPENED: _("Not opened"),
    OPEN: _("Open"),
    CLOSED: _("Closed"),
    READY: _("Ready"),
    PENDING: _("Pending"),
}
# Distribution of institutions' survey values (0–1) in five equal bands; the lower bound is
# inclusive, the top band includes 1.
BAND_EDGES = (Decimal("0"), Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8"), Decimal("1"))

SORTS = {
    "name": _("Name (A–Z)"),
    "progress": _("Progress, lowest first"),
    "-progress": _("Progress, highest first"),
    "-value": _("Survey value, highest first"),
    "value": _("Survey value, lowest first"),
    "-counted": _("Counted responses, most first"),
}


@dataclass(frozen=True)
class DimensionInfo:
    code: str
    name: str


@dataclass
class GroupFigures:
    """Counts and mean values for the nation, one kind, or any set of institutions."""

    key: str
    minimum: int
    dimension_codes: tuple[str, ...]
    institutions: int = 0
    opened: int = 0
    open: int = 0
    closed: int = 0
    ready: int = 0
    received: int = 0
    counted: int = 0
    target: int = 0
    # Ready institutions whose value enters the mean, and the respondents behind them.
    valued: int = 0
    respondents: int = 0
    value_sum: Decimal = Decimal(0)
    dimension_sums: dict[str, Decimal] = field(default_factory=dict)
    dimension_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.opened - self.ready

    @property
    def not_opened(self) -> int:
        return self.institutions - self.opened

    @property
    def too_few(self) -> bool:
        """Values exist but fewer than the minimum of respondents stand behind them."""
        return self.valued > 0 and not enough_respondents(self.respondents, self.minimum)

    @property
    def counts_hidden(self) -> bool:
        """The group's response counts are under the minimum (shown as "fewer than N")."""
        return self.counted > 0 and not enough_respondents(self.counted, self.minimum)

    @property
    def value(self) -> Decimal | None:
        if not self.valued or self.too_few:
            return None
        return self.value_sum / self.valued

    @property
    def dimensions(self) -> list[Decimal | None]:
        if self.too_few:
            return [None for _c in self.dimension_codes]
        return [
            self.dimension_sums[c] / self.dimension_counts[c] if self.dimension_counts.get(c) else None
            for c in self.dimension_codes
        ]

    @property
    def progress_share(self) -> Decimal | None:
        """Counted responses against the opened surveys' sample targets (%), capped at 100."""
        return min(Decimal(100), Decimal(self.counted * 100) / self.target) if self.target else None

    def add(self, row: "InstitutionRow") -> None:
        self.institutions += 1
        figures = row.figures
        if figures is None:
            return
        self.opened += 1
        self.open += figures.status == OPEN
        self.closed += figures.status == CLOSED
        self.ready += row.ready
        self.received += figures.received
        self.counted += figures.counted
        self.target += figures.sample_target
        if row.in_mean and figures.result_value is not None:
            self.valued += 1
            self.respondents += figures.result_counted
            self.value_sum += figures.result_value
            for code in self.dimension_codes:
                value = figures.result_dimensions.get(code)
                if value is not None:
                    self.dimension_sums[code] = self.dimension_sums.get(code, Decimal(0)) + value
                    self.dimension_counts[code] = self.dimension_counts.get(code, 0) + 1


@dataclass
class InstitutionRow:
    institution_id: int
    code: str
    name: str
    kind: str
    province_id: int | None
    province_name: str
    figures: SurveyFigures | None
    minimum: int
    dimension_codes: tuple[str, ...]
    ready: bool = False
    # The value enters the national mean (ready, and a result over the minimum).
    in_mean: bool = False
    # The viewer may read this institution's value (admin; assigned verifier or decided; own).
    visible: bool = False

    @property
    def state(self) -> str:
        return NOT_OPENED if self.figures is None else self.figures.status

    @property
    def readiness(self) -> str | None:
        if self.figures is None:
            return None
        return READY if self.ready else PENDING

    @property
    def state_label(self) -> str:
        label = str(STATE_LABELS[self.state])
        return label if self.readiness is None else f"{label}, {str(STATE_LABELS[self.readiness]).lower()}"

    @property
    def counted(self) -> int | None:
        return None if self.figures is None else self.figures.counted

    @property
    def received(self) -> int | None:
        return None if self.figures is None else self.figures.received

    @property
    def target(self) -> int | None:
        return None if self.figures is None else self.figures.sample_target

    @property
    def progress_share(self) -> Decimal | None:
        if self.figures is None or not self.figures.sample_target:
            return None
        return min(Decimal(100), Decimal(max(self.figures.counted, 0) * 100) / self.figures.sample_target)

    @property
    def too_few(self) -> bool:
        """A result exists but rests on fewer than the minimum of respondents."""
        return self.figures is not None and not enough_respondents(self.figures.result_counted, self.minimum)

    @property
    def value(self) -> Decimal | None:
        if self.figures is None or not self.visible or self.too_few:
            return None
        return self.figures.result_value

    @property
    def dimensions(self) -> list[Decimal | None]:
        if self.figures is None or not self.visible or self.too_few:
            return [None for _c in self.dimension_codes]
        return [self.figures.result_dimensions.get(c) for c in self.dimension_codes]


@dataclass
class SurveyPanel:
    period: Period
    minimum: int
    dimensions: list[DimensionInfo]
    national: GroupFigures
    kinds: list[GroupFigures]
    bands: list[tuple[Decimal, Decimal, int]]
    rows: list[InstitutionRow]


@dataclass(frozen=True)
class PanelFilters:
    kind: str = ""
    province: int | None = None
    state: str = ""
    sort: str = "name"


def survey_period_choices() -> list[Period]:
    """Periods whose instrument carries a staff survey, newest first (one query)."""
    return [p for p, _w in survey_selectors.survey_periods()]


def _dimension_infos(period: Period) -> tuple[int, list[DimensionInfo]]:
    questionnaire = survey_selectors.period_questionnaire(period)
    if questionnaire is None:
        return 10, []
    data = survey_selectors.questionnaire_data(questionnaire.pk)
    english = (get_language() or "id").startswith("en")
    infos = [DimensionInfo(d.code, (d.name_en if english and d.name_en else d.name)) for d in data.dimensions]
    return data.questionnaire.min_respondents, infos


def _visible_assessments(user: Any, assessment_ids: Iterable[int]) -> set[int] | None:
    """Assessments whose survey value the viewer may read: None for all (admin)."""
    if is_admin(user):
        return None
    ids = list(assessment_ids)
    if is_verifier(user):
        return set(
            Assessment.objects.filter(pk__in=ids)
            .filter(Q(status=AssessmentStatus.DECIDED) | Q(verifiers=person(user)))
            .values_list("pk", flat=True)
        )
    return set()


def survey_panel(*, period: Period, user: Any) -> SurveyPanel:
    """Every figure of the survey panel for one period, as the viewer may see it.

    A fixed number of queries (questionnaire, coverage, surveys, institutions, the verifier's
    assignments), whatever the number of institutions or responses.
    """
    minimum, dimensions = _dimension_infos(period)
    codes = tuple(d.code for d in dimensions)
    figures = {f.institution_id: f for f in survey_selectors.period_survey_figures(period_id=period.pk)}
    covered = set(period_coverage(period_ids=[period.pk])[period.pk]) | set(figures)
    institutions = Institution.objects.filter(pk__in=list(covered)).values_list(
        "pk", "code", "name", "kind", "province_id", "province__name"
    )
    oversight = is_admin(user) or is_verifier(user)
    membership = None if oversight else membership_of(user)
    # An institution user sees its own row only; anyone else without a role sees no row.
    own = membership.institution_id if membership is not None else None
    visible = _visible_assessments(user, [f.assessment_id for f in figures.values()])

    national = GroupFigures("ALL", minimum, codes)
    kinds = {k.value: GroupFigures(k.value, minimum, codes) for k in InstitutionKind}
    band_counts = [0] * (len(BAND_EDGES) - 1)
    rows: list[InstitutionRow] = []
    for pk, code, name, kind, province_id, province_name in institutions:
        f = figures.get(pk)
        row = InstitutionRow(
            institution_id=pk,
            code=code,
            name=name,
            kind=kind,
            province_id=pk if kind == InstitutionKind.PROVINSI else province_id,
            province_name=name if kind == InstitutionKind.PROVINSI else (province_name or ""),
            figures=f,
            minimum=minimum,
            dimension_codes=codes,
        )
        if f is not None:
            row.ready = sample_ready(
                counted=f.counted,
                minimum=minimum,
                sample_target=f.sample_target,
                shortfall_accepted=f.shortfall_accepted,
            )
            row.in_mean = row.ready and f.result_value is not None and enough_respondents(f.result_counted, minimum)
            row.visible = pk == own or visible is None or f.assessment_id in visible
        national.add(row)
        if kind in kinds:
            kinds[kind].add(row)
        if row.in_mean and f is not None and f.result_value is not None:
            band_counts[_band_index(f.result_value)] += 1
        if oversight or (own is not None and pk == own):
            rows.append(row)
    bands = [(BAND_EDGES[i], BAND_EDGES[i + 1], n) for i, n in enumerate(band_counts)]
    return SurveyPanel(
        period=period,
        minimum=minimum,
        dimensions=dimensions,
        national=national,
        kinds=[kinds[k.value] for k in InstitutionKind],
        bands=bands,
        rows=rows,
    )


def _band_index(value: Decimal) -> int:
    for i in range(len(BAND_EDGES) - 2, -1, -1):
        if value >= BAND_EDGES[i]:
            return i
    return 0


def filtered_rows(rows: list[InstitutionRow], filters: PanelFilters) -> list[InstitutionRow]:
    """The institution list with the filters and the sort applied (in memory: one period's rows)."""
    out = [
        r
        for r in rows
        if (not filters.kind or r.kind == filters.kind)
        and (filters.province is None or r.province_id == filters.province)
        and (not filters.state or filters.state in (r.state, r.readiness))
    ]

    def num(value: Decimal | int | None, sign: int) -> Decimal:
        return Decimal(0) if value is None else sign * Decimal(value)

    # Rows without the figure (no survey, or a value hidden) go last whatever the direction.
    keys = {
        "name": lambda r: (r.name,),
        "progress": lambda r: (r.progress_share is None, num(r.progress_share, 1), r.name),
        "-progress": lambda r: (r.progress_share is None, num(r.progress_share, -1), r.name),
        "value": lambda r: (r.value is None, num(r.value, 1), r.name),
        "-value": lambda r: (r.value is None, num(r.value, -1), r.name),
        "-counted": lambda r: (r.counted is None, num(r.counted, -1), r.name),
    }
    out.sort(key=keys.get(filters.sort, keys["name"]))
    return out
