"""Writes of the survey: the window, opening, answering, quality exclusions, shortfall, closing
and the result that becomes the survey component's value.

The survey's value is the one source of the assessment's survey `ComponentValue` once the survey
is opened here (hand entry is then refused, see assessments.scoring.components). The value is
written when the counted responses reach the sample target, or an admin accepted a shortfall, and
at least the questionnaire's minimum of respondents answered; until then the component is pending.
"""

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import person, require_admin
from assessments.models import Assessment, AssessmentStatus, Period
from assessments.scoring.components import component_value_computed_set
from core import formatting
from core.errors import AccessDenied, InvalidTransition, NotFound, ValidationFailed
from core.limits import REASON_MAX, text_check
from core.models import SideEffectKind
from core.outbox import outbox_add
from surveys import access, codes, domain
from surveys.aggregate import totals_by_survey
from surveys.models import (
    CodeBatch,
    Response,
    Survey,
    SurveyCode,
    SurveyEvent,
    SurveyEventKind,
    SurveyStatus,
    SurveyUnit,
    SurveyWindow,
)
from surveys.selectors import (
    questionnaire_data,
    questionnaire_for,
    survey_accepting,
    survey_by_public_id,
    survey_cache_forget,
    window_of,
)

POSTER_CSS = Path(__file__).resolve().parent / "templates" / "surveys" / "poster.css"
SLIPS_CSS = Path(__file__).resolve().parent / "templates" / "surveys" / "slips.css"
# Single-use codes: at most this many in one issue (one printable batch) and per survey.
CODES_PER_ISSUE_MAX = 5_000
CODES_TOTAL_MAX = 50_000
POPULATION_MAX = 2_000_000
UNITS_MAX = 200
TOKEN_SALT = "surveys.answer"  # noqa: S105 - a signing namespace, not a secret
TOKEN_MAX_AGE = 14 * 24 * 3600


class SurveyClosed(InvalidTransition):
    status_code = 410


class Replayed(InvalidTransition):
    status_code = 409


class BadForm(ValidationFailed):
    """A forged, foreign or expired form token: the page issues a fresh form."""


class CodeRefused(ValidationFailed):
    """A strict-mode code that is missing, malformed, unknown or used: nothing is stored.
    `guess` is True when it counts as a wrong guess for the flood limit (surveys.throttle)."""

    def __init__(self, message: str, *, guess: bool = True) -> None:
        super().__init__(message)
        self.guess = guess


def code_missing_message() -> str:
    return _("Enter the code from your slip to answer this survey.")


def code_read(survey: Survey, raw: str) -> str:
    """The normalized code if it can be one of this survey's (format and check characters; no
    query), or CodeRefused with the reason."""
    if not (raw or "").strip():
        raise CodeRefused(code_missing_message(), guess=False)
    code = codes.normalize(raw)
    if code is None:
        raise CodeRefused(
            _("A code has 8 letters and digits, like 7KQM-R2XD. Check what you typed."),
        )
    if not survey.code_key or not codes.checks(survey.code_key, code):
        raise CodeRefused(_("This is not a code of this survey. Check what you typed."))
    return code


def code_used_message() -> str:
    return _("This code was already used. Each code can be used only once.")


def code_check(survey: Survey, raw: str) -> str:
    """The code entry step: the normalized code if it is unused (one query), else CodeRefused."""
    code = code_read(survey, raw)
    if not SurveyCode.objects.filter(survey=survey, digest=codes.digest(survey.code_key, code)).exists():
        raise CodeRefused(code_used_message())
    return code


def survey_window_set(*, period: Period, opens_on: dt.date, closes_on: dt.date, user: AnyUser | None) -> SurveyWindow:
    """Set when the period's surveys take answers (admins only)."""
    require_admin(user)
    if opens_on > closes_on:
        raise ValidationFailed(_("The survey must open on or before the day it closes."))
    with transaction.atomic():
        window, _created = SurveyWindow.objects.update_or_create(
            period=period, defaults={"opens_on": opens_on, "closes_on": closes_on}
        )
        survey_cache_forget(Survey.objects.filter(assessment__period=period).values_list("public_id", flat=True))
    return window


def survey_open(
    *,
    assessment: Assessment,
    user: AnyUser | None,
    population: int,
    units: list[tuple[str, int]] | None = None,
    strict: bool = False,
) -> Survey:
    """Open the institution's survey: its staff population (and optionally per unit) sets the
    minimum sample (Slovin at 5 %). Only the institution's lead (or the system).

    Strict mode issues one single-use code per member of staff (per unit when units are given:
    each unit's population), printed on slips; answering then needs a code."""
    if user is not None and not access.can_open_survey(user, assessment):
        raise AccessDenied(_("Only the institution's lead can open its staff survey."))
    units = units or []
    if not 1 <= population <= POPULATION_MAX:
        raise ValidationFailed(
            _("The staff population runs from 1 to %(max)s.") % {"max": formatting.count(POPULATION_MAX)}
        )
    if len(units) > UNITS_MAX:
        raise ValidationFailed(_("At most %(max)s units.") % {"max": UNITS_MAX})
    if units and sum(p for _n, p in units) != population:
        raise ValidationFailed(
            _("The units' populations add up to %(sum)s, not to the staff population %(population)s.")
            % {"sum": formatting.count(sum(p for _n, p in units)), "population": formatting.count(population)}
        )
    if len({n for n, _p in units}) != len(units):
        raise ValidationFailed(_("Each unit may appear only once."))
    if strict:
        for count in [p for _n, p in units] or [population]:
            _codes_count_check(count, already=0)
        _codes_count_check(population, already=0, per_issue=False)
    questionnaire = questionnaire_for(assessment)
    if questionnaire is None:
        raise InvalidTransition(_("This period's instrument has no staff survey questionnaire."))
    if assessment.status == AssessmentStatus.DECIDED:
        raise InvalidTransition(_("The assessment is decided; its values are final."))
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if Survey.objects.filter(assessment=locked).exists():
            raise InvalidTransition(_("The survey is already open."))
        survey = Survey.objects.create(
            assessment=locked,
            questionnaire=questionnaire,
            public_id=secrets.token_urlsafe(12),
            salt=secrets.token_hex(32),
            population=population,
            sample_target=domain.slovin(population),
            opened_by=person(user),
            strict=strict,
            code_key=secrets.token_hex(32) if strict else "",
        )
        unit_rows = SurveyUnit.objects.bulk_create(
            SurveyUnit(survey=survey, name=name[:120], population=pop, position=i)
            for i, (name, pop) in enumerate(units)
        )
        SurveyEvent.objects.create(survey=survey, kind=SurveyEventKind.OPENED, actor=person(user))
        if strict:
            targets: list[SurveyUnit | None] = list(unit_rows) or [None]
            for unit_row in targets:
                _codes_issue_locked(
                    survey=survey,
                    unit=unit_row,
                    count=unit_row.population if unit_row is not None else population,
                    user=user,
                )
        survey_poster_queue(survey=survey)
        # The in-product survey now owns the value: a hand-entered one no longer counts.
        component_value_computed_set(assessment_id=locked.pk, component=questionnaire.component, value=None, note="")
    return survey


def _codes_count_check(count: int, *, already: int, per_issue: bool = True) -> None:
    if per_issue and not 1 <= count <= CODES_PER_ISSUE_MAX:
        raise ValidationFailed(
            _("Codes are issued from 1 to %(max)s at a time; open the survey with units or without strict mode.")
            % {"max": formatting.count(CODES_PER_ISSUE_MAX)}
        )
    if already + count > CODES_TOTAL_MAX:
        raise ValidationFailed(_("A survey has at most %(max)s codes.") % {"max": formatting.count(CODES_TOTAL_MAX)})


SLIPS_PER_BATCH = 1000  # one printable PDF (about 40 s of WeasyPrint on the shared 2-core machine)


def _codes_issue_locked(*, survey: Survey, unit: SurveyUnit | None, count: int, user: AnyUser | None) -> int:
    """Issue `count` more codes (the survey row is locked or new): their digests, the batches
    (one printable PDF per SLIPS_PER_BATCH codes) and the counters; the slips are rendered
    through the outbox."""
    first = Survey.objects.filter(pk=survey.pk).values_list("codes_issued", flat=True).get()
    SurveyCode.objects.bulk_create(
        (
            SurveyCode(
                survey=survey, unit=unit, digest=codes.digest(survey.code_key, codes.code_at(survey.code_key, i))
            )
            for i in range(first, first + count)
        ),
        batch_size=2000,
    )
    for start in range(first, first + count, SLIPS_PER_BATCH):
        batch = CodeBatch.objects.create(
            survey=survey,
            unit=unit,
            first_index=start,
            count=min(SLIPS_PER_BATCH, first + count - start),
            issued_by=person(user),
        )
        survey_slips_queue(batch=batch)
    Survey.objects.filter(pk=survey.pk).update(codes_issued=F("codes_issued") + count)
    if unit is not None:
        SurveyUnit.objects.filter(pk=unit.pk).update(codes_issued=F("codes_issued") + count)
    SurveyEvent.objects.create(survey=survey, kind=SurveyEventKind.CODES, actor=person(user), count=count)
    return count


def codes_issue(*, survey: Survey, user: AnyUser, count: int, unit_id: int | None = None) -> int:
    """Issue more single-use codes to an open strict-mode survey (its lead; per unit when the
    survey has units)."""
    if not access.can_open_survey(user, survey.assessment):
        raise AccessDenied(_("Only the institution's lead can issue codes."))
    if not survey.strict:
        raise InvalidTransition(_("This survey does not use single-use codes."))
    if survey.status != SurveyStatus.OPEN:
        raise InvalidTransition(_("The survey is closed."))
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        units = list(SurveyUnit.objects.filter(survey=locked))
        unit = next((u for u in units if u.pk == unit_id), None)
        if units and unit is None:
            raise ValidationFailed(_("Choose the unit the codes are for."))
        if not units and unit_id:
            raise ValidationFailed(_("This survey has no units."))
        _codes_count_check(count, already=locked.codes_issued)
        return _codes_issue_locked(survey=locked, unit=unit, count=count, user=user)


def form_token(survey: Survey) -> str:
    """A signed one-time form: the survey, a nonce (one response per form) and when it was shown."""
    return signing.dumps({"s": survey.public_id, "n": secrets.token_hex(16), "t": int(time.time())}, salt=TOKEN_SALT)


def _read_token(token: str, public_id: str) -> tuple[str, int]:
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise BadForm(_("This form is too old. Your answers are kept: send them again.")) from None
    except signing.BadSignature:
        raise BadForm(_("This form was not issued by this survey. Your answers are kept: send them again.")) from None
    if not isinstance(data, dict) or data.get("s") != public_id or not isinstance(data.get("n"), str):
        raise BadForm(_("This form was not issued by this survey. Your answers are kept: send them again."))
    started = data.get("t")
    return data["n"][:32], max(0, int(time.time()) - int(started if isinstance(started, int) else 0))


def _answers(raw: Mapping[str, Any], codes: frozenset[str], points: int) -> dict[str, int]:
    answers: dict[str, int] = {}
    missing = 0
    for code in codes:
        value = str(raw.get(code, "") or "").strip()
        if not value:
            missing += 1
            continue
        if not value.isdigit() or not 1 <= int(value) <= points:
            raise ValidationFailed(
                _("An answer runs from 1 to %(points)s; %(value)s was refused.")
                % {"points": points, "value": value[:10]}
            )
        answers[code] = int(value)
    if missing:
        raise ValidationFailed(_("%(count)s statement(s) still need an answer.") % {"count": formatting.count(missing)})
    return answers


def device_hash(*, salt: str, address: str, user_agent: str) -> str:
    return hashlib.sha256(f"{salt}|{address}|{user_agent}".encode()).hexdigest()


def response_submit(
    *,
    public_id: str,
    token: str,
    raw_answers: Mapping[str, Any],
    unit: str,
    address: str,
    user_agent: str,
    survey: Survey | None = None,
    code: str = "",
) -> Response:
    """Store one anonymous response. Everything is checked before the one write; a refused
    response stores nothing. The address and user agent are used only through the survey's
    salted hash (dropped at close). A caller that already read the survey (`survey_by_public_id`)
    passes it to save the query; this is the endpoint of the rush (bench/survey.py).

    In strict mode the code is checked first (format and check characters, no query) and used
    by one statement inside the transaction that stores the response (a DELETE of its digest:
    of two concurrent answers with one code, one stores, the other is refused). The code's unit
    is the response's unit. Queries: 5 in open mode once the survey is cached (selectors); strict adds
    the one DELETE."""
    if survey is None or survey.public_id != public_id:
        survey = survey_by_public_id(public_id)
    if survey is None:
        raise NotFound(_("There is no survey at this address. Check the link you were given."))
    if not survey_accepting(survey, window_of(survey.assessment.period)):
        raise SurveyClosed(_("This survey is not taking answers now."))
    nonce, duration = _read_token(token, survey.public_id)
    code_digest = codes.digest(survey.code_key, code_read(survey, code)) if survey.strict else ""
    data = questionnaire_data(survey.questionnaire_id)
    answers = _answers(raw_answers, data.codes, data.questionnaire.points)
    unit_row = None
    if unit and not survey.strict:
        unit_row = SurveyUnit.objects.filter(survey=survey, pk=int(unit) if unit.isdigit() else 0).first()
        if unit_row is None:
            raise ValidationFailed(_("Choose your unit from the list."))
    fingerprint = device_hash(salt=survey.salt, address=address, user_agent=user_agent[:300])
    ordered = [answers[i.code] for i in data.items]
    flags = {
        "too_fast": domain.too_fast(duration, min_seconds=data.questionnaire.min_seconds),
        "straight_lined": domain.straight_lined(ordered),
        "duplicate": Response.objects.filter(survey=survey, device_hash=fingerprint).exists(),
    }
    flagged = any(flags.values())
    unit_id = unit_row.pk if unit_row is not None else None
    try:
        with transaction.atomic():
            if survey.strict:
                found, unit_id = _code_use(survey.pk, code_digest)
                if not found:
                    if Response.objects.filter(nonce=nonce).exists():  # a double tap: thanked
                        raise IntegrityError
                    raise CodeRefused(code_used_message())
            response = Response.objects.create(
                survey=survey,
                unit_id=unit_id,
                answers=answers,
                submitted_on=timezone.localdate(),
                duration_seconds=min(duration, 2**31 - 1),
                nonce=nonce,
                device_hash=fingerprint,
                **flags,
            )
            # The status guard: the survey read above may be a cached copy (selectors), and
            # a close may have committed since; then nothing is counted and nothing stored.
            used = {"codes_used": F("codes_used") + 1} if survey.strict else {}
            counted = Survey.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(
                responses_count=F("responses_count") + 1, flagged_count=F("flagged_count") + int(flagged), **used
            )
            if not counted:
                raise SurveyClosed(_("This survey is not taking answers now."))
            if unit_id is not None:
                SurveyUnit.objects.filter(pk=unit_id).update(responses_count=F("responses_count") + 1, **used)
    except IntegrityError:
        raise Replayed(_("This response was already received. Thank you.")) from None
    return response


def _code_use(survey_id: int, digest: str) -> tuple[bool, int | None]:
    """Delete the unused code's row in one statement: (found, the code's unit). Concurrent uses
    of one code wait on the row; the one that comes second finds nothing."""
    table = connection.ops.quote_name(SurveyCode._meta.db_table)
    with connection.cursor() as cursor:
        sql = f"DELETE FROM {table} WHERE survey_id = %s AND digest = %s RETURNING unit_id"  # noqa: S608 - the model's table
        cursor.execute(sql, [survey_id, digest])
        row = cursor.fetchone()
    return (row is not None, row[0] if row is not None else None)


def survey_result_queue(*, survey: Survey) -> None:
    """Record the survey's aggregation in the current transaction (core.outbox)."""
    from surveys.tasks import survey_result_task

    outbox_add(kind=SideEffectKind.SCORE, task=survey_result_task.name, args=[survey.pk], ref=f"survey:{survey.pk}")


def survey_poster_queue(*, survey: Survey) -> None:
    """Record the poster's rendering in the current transaction (core.outbox)."""
    from surveys.tasks import survey_poster_task

    outbox_add(
        kind=SideEffectKind.DOCUMENT,
        task=survey_poster_task.name,
        args=[survey.pk],
        queue="pdf",
        ref=f"survey-poster:{survey.pk}",
    )


def survey_poster_render(*, survey_id: int) -> None:
    """Render and store the survey's A4 poster (in Indonesian, like every printed document)."""
    from django.core.files.base import ContentFile
    from django.template.loader import render_to_string
    from django.utils import translation

    from certificates.documents import pdf_from_html, qr_data_uri
    from surveys.selectors import public_url

    survey = Survey.objects.select_related("assessment__institution", "assessment__period", "questionnaire").get(
        pk=survey_id
    )
    link = public_url(survey)
    with translation.override("id"):
        html = render_to_string(
            "surveys/poster.html",
            {
                "survey": survey,
                "link": link,
                "qr": qr_data_uri(link),
                "window": window_of(survey.assessment.period),
                "minimum": survey.questionnaire.min_respondents,
            },
        )
    pdf = pdf_from_html(html, str(POSTER_CSS))
    if survey.poster:
        survey.poster.delete(save=False)
    survey.poster.save("poster-survei.pdf", ContentFile(pdf), save=False)
    Survey.objects.filter(pk=survey.pk).update(poster=survey.poster.name)


def survey_slips_queue(*, batch: CodeBatch) -> None:
    """Record the rendering of a batch's slips in the current transaction (core.outbox)."""
    from surveys.tasks import survey_slips_task

    outbox_add(
        kind=SideEffectKind.DOCUMENT,
        task=survey_slips_task.name,
        args=[batch.pk],
        queue="pdf",
        ref=f"survey-slips:{batch.pk}",
    )


SLIPS_PER_PAGE = 10


def survey_slips_render(*, batch_id: int) -> None:
    """Render and store a batch's A4 sheets of cut-out slips (in Indonesian): each slip carries
    the link, a QR code of the link with the code filled in, the code and a short instruction."""
    from django.core.files.base import ContentFile
    from django.template.loader import render_to_string
    from django.utils import translation

    from certificates.documents import pdf_from_html, qr_data_uri
    from surveys.selectors import code_link, codes_of_batch, public_url

    batch = CodeBatch.objects.select_related("survey__assessment__institution", "unit").get(pk=batch_id)
    survey = batch.survey
    if not survey.code_key:  # closed: the codes are gone
        return
    slips = [(code, qr_data_uri(code_link(survey, code))) for code in codes_of_batch(survey, batch)]
    pages = [slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
    with translation.override("id"):
        html = render_to_string(
            "surveys/slips.html", {"survey": survey, "batch": batch, "pages": pages, "link": public_url(survey)}
        )
    pdf = pdf_from_html(html, str(SLIPS_CSS))
    if batch.slips:
        batch.slips.delete(save=False)
    batch.slips.save(f"kode-survei-{batch.pk}.pdf", ContentFile(pdf), save=False)
    CodeBatch.objects.filter(pk=batch.pk).update(slips=batch.slips.name)


def survey_result_queue_now(*, survey: Survey) -> None:
    """Ask for the result to be computed again (the institution, its verifier, the admin)."""
    with transaction.atomic():
        survey_result_queue(survey=survey)


def survey_ready(survey: Survey, minimum: int) -> bool:
    return domain.sample_ready(
        counted=survey.counted,
        minimum=minimum,
        sample_target=survey.sample_target,
        shortfall_accepted=bool(survey.shortfall_reason),
    )


def survey_result_compute(*, survey_id: int) -> Decimal | None:
    """Aggregate the counted responses into the survey value (0–1) and its dimensions, and write
    the survey component's value (on the instrument's scale) when the survey is ready, clearing
    it (pending) otherwise."""
    survey = Survey.objects.select_related("assessment__period__instrument").get(pk=survey_id)
    data = questionnaire_data(survey.questionnaire_id)
    totals = totals_by_survey([survey.pk])[survey.pk]
    result = domain.survey_value(data.spec, totals)
    minimum = data.questionnaire.min_respondents
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        locked.result_value = result.value.quantize(domain_quantum()) if result.value is not None else None
        locked.result_dimensions = {
            k: str(v.quantize(domain_quantum())) if v is not None else None for k, v in result.dimensions.items()
        }
        locked.result_counted = totals.responses
        locked.result_at = timezone.now()
        locked.save(update_fields=["result_value", "result_dimensions", "result_counted", "result_at"])
        ready = result.value is not None and survey_ready(locked, minimum)
        maximum = survey.assessment.period.instrument.max_score
        component_value_computed_set(
            assessment_id=survey.assessment_id,
            component=data.questionnaire.component,
            value=(result.value * maximum).quantize(domain_quantum()) if ready and result.value is not None else None,
            note=_("staff survey: %(count)s responses") % {"count": formatting.count(totals.responses)},
        )
    return result.value


def domain_quantum() -> Decimal:
    return Decimal("1e-10")


def responses_exclude(*, survey: Survey, user: AnyUser, flags: list[str], reason: str) -> int:
    """Exclude the counted responses carrying any of the given flags, with a reason (history)."""
    if not access.can_review_quality(user, survey.assessment):
        raise AccessDenied(_("Only the admin and the assigned verifier can exclude responses."))
    chosen = [f for f in flags if f in ("too_fast", "straight_lined", "duplicate")]
    if not chosen:
        raise ValidationFailed(_("Choose which flagged responses to exclude."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the exclusion."))
    text_check(reason, limit=REASON_MAX, what=_("The reason"))
    condition = Q()
    for flag in chosen:
        condition |= Q(**{flag: True})
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        count = Response.objects.filter(condition, survey=survey, excluded=False).update(excluded=True)
        if not count:
            raise ValidationFailed(_("No counted response carries these flags."))
        Survey.objects.filter(pk=survey.pk).update(excluded_count=F("excluded_count") + count)
        SurveyEvent.objects.create(
            survey=survey, kind=SurveyEventKind.EXCLUDED, actor=person(user), count=count, reason=reason
        )
        survey_result_queue(survey=survey)
    return count


def shortfall_accept(*, survey: Survey, user: AnyUser, reason: str) -> None:
    """Accept a sample below the target (admins only): the value counts once the minimum of
    respondents answered."""
    require_admin(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for accepting the shortfall."))
    text_check(reason, limit=REASON_MAX, what=_("The reason"))
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).update(
            shortfall_reason=reason, shortfall_accepted_by=person(user)
        )
        SurveyEvent.objects.create(survey=survey, kind=SurveyEventKind.SHORTFALL, actor=person(user), reason=reason)
        survey_result_queue(survey=survey)


def survey_close(*, survey: Survey, user: AnyUser | None) -> None:
    """Close the survey: no more answers; the salt and every de-duplication hash are dropped."""
    if user is not None and not access.can_open_survey(user, survey.assessment):
        require_admin(user)
    with transaction.atomic():
        updated = Survey.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(
            status=SurveyStatus.CLOSED, salt="", code_key="", closed_at=timezone.now()
        )
        if not updated:
            raise InvalidTransition(_("The survey is already closed."))
        Response.objects.filter(survey=survey).exclude(device_hash="").update(device_hash="")
        # Strict mode: the unused codes, the key that derives them and the printed slips go too.
        SurveyCode.objects.filter(survey=survey).delete()
        for batch in CodeBatch.objects.filter(survey=survey).exclude(slips=""):
            batch.slips.delete(save=False)
        CodeBatch.objects.filter(survey=survey).update(slips="")
        SurveyEvent.objects.create(survey=survey, kind=SurveyEventKind.CLOSED, actor=person(user))
        survey_result_queue(survey=survey)
        survey_cache_forget([survey.public_id])


def surveys_close_due(*, today: dt.date | None = None) -> int:
    """Close every open survey whose period's window has ended (beat, daily)."""
    day = today or timezone.localdate()
    due = Survey.objects.filter(status=SurveyStatus.OPEN, assessment__period__survey_window__closes_on__lt=day)
    closed = 0
    for survey in due.select_related("assessment"):
        survey_close(survey=survey, user=None)
        closed += 1
    return closed


REMINDER_DAYS_BEFORE_CLOSE = 3


def survey_reminders_queue(*, today: dt.date | None = None) -> int:
    """Remind the lead of every open survey whose close date is at most
    REMINDER_DAYS_BEFORE_CLOSE days away while its counted responses are below the sample
    target (once per survey; the e-mail goes through the outbox). Beat, daily."""
    from surveys.tasks import notify_survey_reminder

    day = today or timezone.localdate()
    due = Survey.objects.filter(
        status=SurveyStatus.OPEN,
        reminded_on__isnull=True,
        assessment__period__survey_window__closes_on__gte=day,
        assessment__period__survey_window__closes_on__lte=day + dt.timedelta(days=REMINDER_DAYS_BEFORE_CLOSE),
        responses_count__lt=F("sample_target") + F("excluded_count"),
    )
    sent = 0
    with transaction.atomic():
        for survey in due.select_for_update(skip_locked=True):
            Survey.objects.filter(pk=survey.pk).update(reminded_on=day)
            outbox_add(
                kind=SideEffectKind.EMAIL,
                task=notify_survey_reminder.name,
                args=[survey.pk],
                ref=f"survey-reminder:{survey.pk}",
            )
            sent += 1
    return sent
