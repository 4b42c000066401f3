"""The result report (Laporan Hasil Penilaian) of one assessment: its data, read from what the
other apps already compute, and the rule for its strengths.

Nothing is recomputed here: the verified and self scores come from
`assessments.scoring.selectors.score_comparison` (stored Score rows rebuilt by the one scoring
module), the standing from `assessments.domain.standing`, the previous result from
the verified Score rows of its earlier decided assessments, the survey's dimensions from the
builder the surveys app registers (`survey_section_register`; it applies the questionnaire's
minimum of respondents).
The report is rendered on demand (see `certificates.views.report_download` and
docs/certificates.md): it is not a signed, stored document.

Strengths (a rule of this report, written in it): the aspects whose verified value reaches at
least `STRENGTH_SHARE` % of their maximum, highest share first (ties: aspect number).
"""

from collections.abc import Callable
from decimal import Decimal

from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier, membership_of
from assessments.access import is_assigned_verifier
from assessments.domain.scoring import BONUS, SURVEY, ComponentResult, ScoreResult
from assessments.domain.standing import FINAL_STATUSES, RESULT_STATUSES
from assessments.models import AspectRecommendation, Assessment, Score, ScoreBasis
from assessments.scoring.selectors import score_comparison
from certificates import documents
from certificates.models import Decision, DecisionStatus
from core import formatting
from core.errors import AccessDenied, NotFound
from institutions.selectors import name_in_period

# An aspect is a strength when its verified value reaches this share of its maximum.
STRENGTH_SHARE = Decimal(75)
_HUNDRED = Decimal(100)


def issued_decision_of(assessment: Assessment) -> Decision | None:
    """The issued decision that covers the assessment (None before it is issued)."""
    return (
        Decision.objects.filter(assessments=assessment, status=DecisionStatus.ISSUED).order_by("-date", "-pk").first()
    )


def access_report(user: AnyUser, pk: object) -> Assessment:
    """The assessment whose result report the user may download.

    Admins and the assessment's assigned verifiers: as soon as it has a verified result (a draft
    report before the decision). The institution's own users: once the decision covering it is
    issued (403 before, with the reason). Anyone else: 404, the assessment's existence is not
    confirmed.
    """
    try:
        number = int(str(pk))
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    assessment = Assessment.objects.select_related("institution", "period__instrument").filter(pk=number).first()
    if assessment is None:
        raise Http404
    if not is_admin(user):
        if is_verifier(user):
            if not is_assigned_verifier(user, assessment):
                raise Http404
        else:
            membership = membership_of(user)
            if membership is None or membership.institution_id != assessment.institution_id:
                raise Http404
            if issued_decision_of(assessment) is None:
                raise AccessDenied(
                    _("The result report is available to the institution once the decision on its result is issued.")
                )
    if assessment.status not in RESULT_STATUSES:
        raise NotFound(_("The result report exists once the verifier has finalised the verification."))
    return assessment


def can_download_report(user: AnyUser, assessment: Assessment) -> bool:
    """For links: the same rule as `access_report`, without raising."""
    try:
        access_report(user, assessment.pk)
    except (Http404, AccessDenied, NotFound):
        return False
    return True


def _issuer(decision: Decision | None) -> documents.Issuer:
    """Issued: the body stored on the decision (never the settings). Draft: the body as it would
    be stored today. A report is never signed."""
    from certificates import services

    if decision is None:
        decision = Decision()
        services.issuer_snapshot(decision=decision)
    issuer = services.issuer_data(decision=decision)
    return documents.Issuer(
        body_name=issuer.body_name,
        body_short=issuer.body_short,
        address=issuer.address,
        emblem=issuer.emblem,
        verify_url=issuer.verify_url,
        signed=False,
    )


def _share(value: Decimal | None, maximum: Decimal) -> Decimal | None:
    return value * _HUNDRED / maximum if value is not None and maximum else None


def strength_rule() -> str:
    return (
        f"Aspek yang nilai verifikasinya mencapai sekurang-kurangnya {formatting.share(STRENGTH_SHARE)} "
        "dari nilai maksimumnya, diurutkan dari capaian tertinggi."
    )


def strengths(aspects: list[tuple[int, str, Decimal | None, Decimal]], places: int) -> list[documents.ReportStrength]:
    """Apply the strength rule to (number, name, verified value, maximum) rows."""
    chosen = []
    for number, name, value, maximum in aspects:
        share = _share(value, maximum)
        if share is not None and share >= STRENGTH_SHARE:
            chosen.append((share, number, name, value, maximum))
    chosen.sort(key=lambda row: (-row[0], row[1]))
    return [
        documents.ReportStrength(
            number=number,
            name=name,
            value=formatting.score(value, places),
            maximum=formatting.weight(maximum),
            share=formatting.share(share),
        )
        for share, number, name, value, maximum in chosen
    ]


def value_parts(
    components: tuple[ComponentResult, ...] | list[ComponentResult], places: int
) -> list[documents.ValuePart]:
    """Each component of a multi-component value (none for a value of one component)."""
    if len(components) < 2:
        return []
    parts = []
    for c in components:
        weight = "" if c.kind == BONUS else formatting.share(c.weight * _HUNDRED)
        parts.append(documents.ValuePart(name=c.name, value=formatting.score(c.value, places), weight=weight))
    return parts


def charter_parts(components: list[dict], places: int) -> tuple[documents.ValuePart, ...]:
    """A stored Score's components as the charter prints them: maturity and survey with their
    weights, a bonus only when it added something. None for a value of one component."""
    if len(components) < 2:
        return ()
    parts = []
    for c in components:
        value = Decimal(str(c["value"])) if c.get("value") is not None else None
        if c.get("kind") == BONUS and not value:
            continue
        weight = "" if c.get("kind") == BONUS else formatting.share(Decimal(str(c["weight"])) * _HUNDRED)
        parts.append(
            documents.ValuePart(
                name=documents.part_name(str(c.get("name", ""))), value=formatting.score(value, places), weight=weight
            )
        )
    return tuple(parts)


def previous_final(assessment: Assessment) -> tuple[Assessment, Score] | None:
    """The institution's last final (decided) result in a period that opened before this one's,
    with its verified score (one query). The same reading as the institution profile's history
    (`dashboards.selectors.institution_history`), which certificates may not import: dashboards
    comes after it in the app order (meritsys/tests/test_architecture.py)."""
    row = (
        Score.objects.select_related("assessment__period__instrument")
        .filter(
            basis=ScoreBasis.VERIFIED,
            assessment__institution_id=assessment.institution_id,
            assessment__status__in=FINAL_STATUSES,
            assessment__period__self_assessment_opens__lt=assessment.period.self_assessment_opens,
        )
        .order_by("-assessment__period__self_assessment_opens", "-assessment__period_id")
        .first()
    )
    return (row.assessment, row) if row is not None else None


def _previous(assessment: Assessment, result: ScoreResult) -> documents.ReportPrevious | None:
    """The previous final result and the change from it."""
    found = previous_final(assessment)
    if found is None:
        return None
    earlier, score = found
    instrument = earlier.period.instrument
    if instrument.pk == assessment.period.instrument_id:
        change = formatting.signed(result.total - score.total, instrument.result_decimals)
        note = ""
        if score.category_code != result.category.code:
            note = f"kategori {score.category_name} menjadi {result.category.name}"
    else:
        change = "indeks " + formatting.signed(result.index - score.index, formatting.INDEX_PLACES)
        note = "instrumen berbeda: dibandingkan dengan indeks (nilai dibagi maksimum)"
    return documents.ReportPrevious(
        period_name=earlier.period.name,
        value=formatting.score(score.total, instrument.result_decimals),
        category=score.category_name,
        change=change,
        note=note,
        label=instrument.result_label,
    )


# The staff survey's section comes from the surveys app, which comes after this one in the app
# order: it registers its builder when it starts (surveys/apps.py, surveys/reports.py), so this
# module never imports it and the minimum-respondents rule stays in the surveys app.
SurveySection = Callable[[Assessment, str], documents.ReportSurvey]
_survey_sections: list[SurveySection] = []


def survey_section_register(builder: SurveySection) -> None:
    """Let the surveys app build the report's survey section (called from its AppConfig.ready)."""
    if builder not in _survey_sections:
        _survey_sections.append(builder)


def _survey(assessment: Assessment, components: tuple[ComponentResult, ...]) -> documents.ReportSurvey | None:
    """The staff survey's dimensions when the value has a survey component."""
    codes = [c.code for c in components if c.kind == SURVEY]
    if not codes or not _survey_sections:
        return None
    return _survey_sections[0](assessment, codes[0])


def report_data(*, assessment: Assessment) -> documents.ReportData:
    """Everything the report prints, as text in Indonesian (the official language)."""
    with translation.override(formatting.OFFICIAL_LANGUAGE):
        return _report_data(assessment)


def _report_data(assessment: Assessment) -> documents.ReportData:
    instrument = assessment.period.instrument
    places = instrument.result_decimals
    data = score_comparison(assessment=assessment, show_verified=True)
    if data.verified_score is None:
        raise NotFound(_("The verified score of this assessment is not computed yet. Try again in a moment."))
    result = data.verified_score.result
    decision = issued_decision_of(assessment)
    aspects = []
    for a in data.comparison.aspects:
        aspects.append(
            documents.ReportAspect(
                number=a.number,
                name=a.name,
                self_value=formatting.score(a.self_total, places),
                verified_value=formatting.score(a.verified_total, places),
                gap=formatting.signed(a.gap, places),
                maximum=formatting.weight(a.max_score),
            )
        )
    self_maturity = data.self_score.result.maturity if data.self_score else None
    totals = documents.ReportAspect(
        number=0,
        name="Jumlah (kematangan)" if len(result.components) > 1 else "Jumlah",
        self_value=formatting.score(self_maturity, places),
        verified_value=formatting.score(result.maturity, places),
        gap=formatting.signed(result.maturity - self_maturity, places)
        if self_maturity is not None
        else formatting.EMPTY,
        maximum=formatting.weight(sum((a.max_score for a in data.comparison.aspects), Decimal(0))),
    )
    recommendations = [
        documents.ReportRecommendation(number=r.aspect.number, name=r.aspect.name, text=r.text)
        for r in AspectRecommendation.objects.filter(assessment=assessment)
        .select_related("aspect")
        .order_by("aspect__number")
    ]
    multi = len(result.components) > 1
    regulation = documents.legal_basis_points(tuple(instrument.legal_basis_entries))[1:]
    return documents.ReportData(
        issuer=_issuer(decision),
        institution=name_in_period(institution=assessment.institution, period_id=assessment.period_id),
        kind_name=documents.KIND_NAMES_ID.get(assessment.institution.kind, assessment.institution.kind),
        period_name=assessment.period.name,
        instrument_name=instrument.name,
        regulation=tuple(regulation),
        result_label=instrument.result_label,
        final=decision is not None,
        decision_number=decision.number if decision else "",
        decision_date=formatting.date(decision.date, language=formatting.OFFICIAL_LANGUAGE) if decision else "",
        value=formatting.score(result.total, places),
        maximum=formatting.weight(instrument.max_score),
        category=result.category.name,
        index=formatting.index(result.index) if multi else "",
        parts=tuple(value_parts(result.components, places)),
        previous=_previous(assessment, result),
        aspects=tuple(aspects),
        totals=totals,
        strength_rule=strength_rule(),
        strengths=tuple(
            strengths([(a.number, a.name, a.verified_total, a.max_score) for a in data.comparison.aspects], places)
        ),
        recommendations=tuple(recommendations),
        survey=_survey(assessment, result.components),
        generated_at=formatting.datetime(timezone.now(), language=formatting.OFFICIAL_LANGUAGE),
    )


def report_file_name(assessment: Assessment) -> str:
    from certificates.services import safe_file_name

    return f"Laporan-Hasil-{safe_file_name(assessment.institution.code)}-{safe_file_name(assessment.period.name)}.pdf"
