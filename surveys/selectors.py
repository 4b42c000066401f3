"""Reads of the survey: which assessments run one, the questionnaire as a spec, progress."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import AnyUser
from assessments.access import assessments_visible_to
from assessments.models import Assessment, Component, Period
from surveys.domain import DimensionSpec, ItemSpec, QuestionnaireSpec, enough_respondents
from surveys.models import (
    CodeBatch,
    Dimension,
    Item,
    Questionnaire,
    Survey,
    SurveyStatus,
    SurveyUnit,
    SurveyWindow,
)


def public_url(survey: Survey) -> str:
    """The survey's public address (PUBLIC_BASE_URL: the same in the page, the QR code and the poster)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("surveys:answer", args=[survey.public_id])


def code_link(survey: Survey, code: str) -> str:
    """The link printed (and in the QR code) on a slip: the code arrives filled in."""
    from surveys.codes import grouped

    return f"{public_url(survey)}?kode={grouped(code)}"


def codes_of_batch(survey: Survey, batch: CodeBatch) -> list[str]:
    """The batch's codes, derived again from the survey's key (none once the survey closed)."""
    from surveys.codes import code_at

    if not survey.code_key:
        return []
    return [code_at(survey.code_key, i) for i in range(batch.first_index, batch.first_index + batch.count)]


def code_rows(survey: Survey) -> list[tuple[int, str, str, str]]:
    """Every issued code for the lead's list: (batch number, unit, code as printed, link).
    Whether a code was used is not shown (nothing says who answered)."""
    from surveys.codes import grouped

    rows: list[tuple[int, str, str, str]] = []
    for number, batch in enumerate(survey.code_batches.select_related("unit"), start=1):
        unit = batch.unit.name if batch.unit else ""
        rows.extend((number, unit, grouped(code), code_link(survey, code)) for code in codes_of_batch(survey, batch))
    return rows


def assessments_with_survey(assessment_ids: Iterable[int]) -> set[int]:
    ids = list(assessment_ids)
    if not ids:
        return set()
    return set(Survey.objects.filter(assessment_id__in=ids).values_list("assessment_id", flat=True))


def questionnaire_for(assessment: Assessment) -> Questionnaire | None:
    return (
        Questionnaire.objects.filter(component__instrument_id=assessment.period.instrument_id)
        .select_related("component")
        .first()
    )


@dataclass(frozen=True)
class QuestionnaireData:
    """A questionnaire read once per process: one in use is immutable (the import refuses)."""

    questionnaire: Questionnaire
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    spec: QuestionnaireSpec

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.items)


@lru_cache(maxsize=64)
def questionnaire_data(questionnaire_id: int) -> QuestionnaireData:
    questionnaire = Questionnaire.objects.select_related("component").get(pk=questionnaire_id)
    dimensions = tuple(questionnaire.dimensions.all())
    items = tuple(questionnaire.items.select_related("dimension"))
    spec = QuestionnaireSpec(
        points=questionnaire.points,
        dimensions=tuple(DimensionSpec(d.code, d.weight) for d in dimensions),
        items=tuple(ItemSpec(i.code, i.dimension.code, i.weight, i.reverse) for i in items),
    )
    return QuestionnaireData(questionnaire=questionnaire, dimensions=dimensions, items=items, spec=spec)


def labels(questionnaire: Questionnaire) -> list[str]:
    english = (get_language() or "id").startswith("en")
    return list(
        questionnaire.scale_labels_en if english and questionnaire.scale_labels_en else questionnaire.scale_labels
    )


def window_of(period: Period) -> SurveyWindow | None:
    """The period's survey window (no query when `survey_window` was selected with the period)."""
    try:
        return period.survey_window
    except SurveyWindow.DoesNotExist:
        return None


# The answer endpoint reads the survey behind its link on every request of the survey rush. The
# row (with institution, period and window) is kept in the shared cache for a minute; whatever
# changes what the endpoint reads (closing, the window's dates) forgets it on commit
# (`survey_cache_forget`). A stale copy can never store a response in a closed survey: the one
# write that counts it is guarded by the status in the database (services.response_submit).
SURVEY_CACHE_SECONDS = 60


def _survey_cache_key(public_id: str) -> str:
    return f"survey:public:{public_id}"


def survey_by_public_id(public_id: str) -> Survey | None:
    """The survey behind a public link, with its institution, period and window (the cache, or
    one query)."""
    public_id = public_id[:32]
    cacheable = public_id.replace("-", "").replace("_", "").isalnum()
    if cacheable:
        survey = cache.get(_survey_cache_key(public_id))
        if isinstance(survey, Survey):
            return survey
    survey = (
        Survey.objects.select_related("assessment__institution", "assessment__period__survey_window")
        .filter(public_id=public_id)
        .first()
    )
    if survey is not None and cacheable:
        window_of(survey.assessment.period)  # a period without a window: nothing more to fetch
        cache.set(_survey_cache_key(public_id), survey, SURVEY_CACHE_SECONDS)
    return survey


def survey_cache_forget(public_ids: Iterable[str]) -> None:
    """Drop the cached copies of these surveys now and again once the current transaction
    commits (a request that read the old row in between would have cached it again)."""
    keys = [_survey_cache_key(p) for p in public_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def survey_accepting(survey: Survey, window: SurveyWindow | None, today: object = None) -> bool:
    """Open, and today inside the period's survey window."""
    day = today or timezone.localdate()
    return survey.status == SurveyStatus.OPEN and window is not None and window.opens_on <= day <= window.closes_on  # type: ignore[operator]


@dataclass(frozen=True)
class UnitProgress:
    name: str
    target: int
    codes_issued: int
    codes_used: int
    # None when below the minimum of respondents (shown as "fewer than n").
    count: int | None


@dataclass(frozen=True)
class Progress:
    counted: int
    received: int
    target: int
    share: Decimal
    percent: int
    target_met: bool
    units: list[UnitProgress]
    dimensions: list[tuple[Dimension, Decimal | None]]
    min_respondents: int


def survey_progress(survey: Survey) -> Progress:
    """Progress from the stored counters (a constant number of queries, however many responses)."""
    from surveys.domain import slovin

    data = questionnaire_data(survey.questionnaire_id)
    minimum = data.questionnaire.min_respondents
    units = [
        UnitProgress(
            name=u.name,
            target=slovin(u.population),
            codes_issued=u.codes_issued,
            codes_used=u.codes_used,
            count=u.responses_count if enough_respondents(u.responses_count, minimum) else None,
        )
        for u in SurveyUnit.objects.filter(survey=survey)
    ]
    shown = enough_respondents(survey.result_counted, minimum)
    dims = [
        (d, Decimal(survey.result_dimensions[d.code]) if shown and survey.result_dimensions.get(d.code) else None)
        for d in data.dimensions
    ]
    target = survey.sample_target
    return Progress(
        counted=survey.counted,
        received=survey.responses_count,
        target=target,
        share=Decimal(min(survey.counted, target)) / target if target else Decimal(0),
        percent=(min(survey.counted, target) * 100) // target if target else 0,
        target_met=survey.counted >= target,
        units=units,
        dimensions=dims,
        min_respondents=minimum,
    )


@dataclass(frozen=True)
class FlagCounts:
    too_fast: int
    straight_lined: int
    duplicate: int
    excluded: int


def flag_counts(survey: Survey) -> FlagCounts:
    counts = survey.responses.aggregate(
        too_fast=Count("pk", filter=Q(too_fast=True, excluded=False)),
        straight_lined=Count("pk", filter=Q(straight_lined=True, excluded=False)),
        duplicate=Count("pk", filter=Q(duplicate=True, excluded=False)),
        excluded=Count("pk", filter=Q(excluded=True)),
    )
    return FlagCounts(**counts)


LIST_PAGE_SIZE = 50


def survey_list_for_user(*, user: AnyUser, page: str | None) -> Page:
    """The assessments the user may see whose instrument carries a staff survey, with their
    survey (or none yet), newest period first; a page of rows in two queries."""
    rows = (
        assessments_visible_to(user)
        .filter(period__instrument__components__questionnaire__isnull=False)
        .select_related("institution", "period", "survey")
        .order_by("-period__self_assessment_opens", "institution__name", "pk")
    )
    return Paginator(rows, LIST_PAGE_SIZE).get_page(page)


def survey_periods() -> list[tuple[Period, SurveyWindow | None]]:
    """Periods whose instrument carries a staff survey, with their survey window (admin)."""
    periods = list(
        Period.objects.filter(instrument__components__questionnaire__isnull=False)
        .select_related("survey_window")
        .order_by("-self_assessment_opens")
    )
    return [(p, getattr(p, "survey_window", None)) for p in periods]


# ---------------------------------------------------------------------------------------------
# National aggregates (read by the dashboards app): stored counters and results only, never a response


@dataclass(frozen=True)
class SurveyFigures:
    """One survey's stored counters and last computed result (no response is read)."""

    survey_id: int
    assessment_id: int
    institution_id: int
    status: str
    population: int
    sample_target: int
    received: int
    excluded: int
    shortfall_accepted: bool
    result_value: Decimal | None
    result_dimensions: dict[str, Decimal | None]
    result_counted: int

    @property
    def counted(self) -> int:
        return self.received - self.excluded


def period_questionnaire(period: Period) -> Questionnaire | None:
    """The questionnaire of the period's instrument (None: the instrument has no staff survey)."""
    return Questionnaire.objects.filter(component__instrument_id=period.instrument_id).first()


def period_survey_figures(*, period_id: int) -> list[SurveyFigures]:
    """Every survey of a period with its stored counters and result: one query, however many
    responses (the counters are kept by the services; `Response` is never touched)."""
    rows = Survey.objects.filter(assessment__period_id=period_id).values_list(
        "pk",
        "assessment_id",
        "assessment__institution_id",
        "status",
        "population",
        "sample_target",
        "responses_count",
        "excluded_count",
        "shortfall_reason",
        "result_value",
        "result_dimensions",
        "result_counted",
    )
    return [
        SurveyFigures(
            survey_id=pk,
            assessment_id=assessment_id,
            institution_id=institution_id,
            status=status,
            population=population,
            sample_target=target,
            received=received,
            excluded=excluded,
            shortfall_accepted=bool(shortfall),
            result_value=value,
            result_dimensions={k: Decimal(v) if v is not None else None for k, v in (dimensions or {}).items()},
            result_counted=result_counted,
        )
        for (
            pk,
            assessment_id,
            institution_id,
            status,
            population,
            target,
            received,
            excluded,
            shortfall,
            value,
            dimensions,
            result_counted,
        ) in rows
    ]


@dataclass(frozen=True)
class ComponentQuestionnaire:
    component: Component
    questionnaire: Questionnaire | None
    in_use: bool


def survey_components() -> list[ComponentQuestionnaire]:
    """Every instrument's survey component with its questionnaire (admin's questionnaire page)."""
    from assessments.domain.scoring import SURVEY

    components = list(
        Component.objects.filter(kind=SURVEY).select_related("instrument").order_by("instrument__code", "code")
    )
    questionnaires = {q.component_id: q for q in Questionnaire.objects.filter(component__in=components)}
    used = set(
        Survey.objects.filter(questionnaire__in=questionnaires.values()).values_list("questionnaire_id", flat=True)
    )
    return [
        ComponentQuestionnaire(
            component=c,
            questionnaire=questionnaires.get(c.pk),
            in_use=c.pk in questionnaires and questionnaires[c.pk].pk in used,
        )
        for c in components
    ]
