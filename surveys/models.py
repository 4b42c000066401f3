"""The staff survey: a questionnaire (data, attached to an instrument's survey component), one
survey per assessment, and its anonymous responses.

Anonymity is in the shape of the rows: a response holds the answers, the unit chosen by the
respondent, the day (not the time) it came in, how long answering took and its quality flags.
No account, name, address or user agent is stored; `device_hash` (a salted hash of address and
user agent, for de-duplication) is emptied, with the survey's salt, when the survey closes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Component, Period
from core.limits import REASON_MAX, length_constraint

# The Likert scale runs 1..n with n labels; n between these.
SCALE_POINTS_MIN = 2
SCALE_POINTS_MAX = 11


class Questionnaire(models.Model):
    """The survey component's questionnaire: dimensions of Likert items."""

    component = models.OneToOneField(Component, on_delete=models.CASCADE, related_name="questionnaire")
    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    is_reference = models.BooleanField(_("reference texts"), default=False)
    reference_note = models.TextField(_("reference note"), blank=True)
    # Labels of the scale's points, lowest first (point 1 .. n), in Indonesian and English.
    scale_labels = models.JSONField(_("scale labels"), default=list)
    scale_labels_en = models.JSONField(_("scale labels (English)"), default=list)
    # No figure (per dimension or unit) is shown below this many counted responses.
    min_respondents = models.PositiveSmallIntegerField(_("minimum respondents for any figure"), default=10)
    # A response finished faster than this is flagged as too fast.
    min_seconds = models.PositiveSmallIntegerField(_("fastest plausible answering time (seconds)"), default=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def points(self) -> int:
        return len(self.scale_labels)


class Dimension(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=6)

    class Meta:
        ordering = ["questionnaire", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "code"], name="survey_dimension_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Item(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    statement = models.TextField(_("statement"))
    statement_en = models.TextField(_("statement (English)"), blank=True)
    reverse = models.BooleanField(_("reverse-scored"), default=False)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=6, default=1)

    class Meta:
        ordering = ["questionnaire", "dimension__position", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "code"], name="survey_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.statement[:60]}"


class SurveyWindow(models.Model):
    """When the period's surveys take answers (set by the admin on the period)."""

    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="survey_window")
    opens_on = models.DateField(_("survey opens"))
    closes_on = models.DateField(_("survey closes"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_on__lte=models.F("closes_on")), name="survey_window_ordered"
            )
        ]


def poster_upload_to(instance: "Survey", filename: str) -> str:
    return f"surveys/{instance.assessment_id}/{filename}"


class SurveyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Survey(models.Model):
    """One institution's survey in one period, opened by its lead."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="survey")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="surveys")
    public_id = models.CharField(max_length=32, unique=True)
    # Per-survey secret for the de-duplication hash; emptied when the survey closes.
    salt = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.OPEN)
    population = models.PositiveIntegerField(_("staff population"))
    sample_target = models.PositiveIntegerField(_("minimum sample"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Stored counters, kept by the services, so progress pages never count responses.
    responses_count = models.PositiveIntegerField(default=0)
    flagged_count = models.PositiveIntegerField(default=0)
    excluded_count = models.PositiveIntegerField(default=0)
    shortfall_reason = models.TextField(blank=True, max_length=REASON_MAX)
    shortfall_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last computed result: value 0..1 and per dimension (code -> value or None when hidden).
    result_value = models.DecimalField(max_digits=22, decimal_places=10, null=True, blank=True)
    result_dimensions = models.JSONField(default=dict)
    result_counted = models.PositiveIntegerField(default=0)
    result_at = models.DateTimeField(null=True, blank=True)
    # The printable A4 poster (link, QR code, the anonymity rules), rendered through the outbox.
    poster = models.FileField(upload_to=poster_upload_to, max_length=255, blank=True)
    # The day the lead was reminded that the close date nears with the sample not met (once).
    reminded_on = models.DateField(null=True, blank=True)
    # Strict mode: answering needs a single-use code (surveys.codes). The key derives the codes
    # and their digests; it is emptied, with every unused code, when the survey closes.
    strict = models.BooleanField(_("strict mode (single-use codes)"), default=False)
    code_key = models.CharField(max_length=64, blank=True)
    codes_issued = models.PositiveIntegerField(default=0)
    codes_used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [length_constraint("shortfall_reason", REASON_MAX, name="survey_shortfall_reason_length")]

    def __str__(self) -> str:
        return f"{self.assessment} survey"

    @property
    def counted(self) -> int:
        return self.responses_count - self.excluded_count


class SurveyUnit(models.Model):
    """A unit of the institution with its own population (optional)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("unit"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    population = models.PositiveIntegerField(_("staff population"))
    responses_count = models.PositiveIntegerField(default=0)
    codes_issued = models.PositiveIntegerField(default=0)
    codes_used = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [models.UniqueConstraint(fields=["survey", "name"], name="survey_unit_unique")]

    def __str__(self) -> str:
        return self.name


def slips_upload_to(instance: "CodeBatch", filename: str) -> str:
    return f"surveys/{instance.survey.assessment_id}/codes/{filename}"


class CodeBatch(models.Model):
    """One issue of single-use codes: the indices first_index .. first_index + count - 1 of the
    survey's code sequence (the codes are derived again from the survey's key when printed)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="code_batches")
    unit = models.ForeignKey(SurveyUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    first_index = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The printable A4 slips (link, QR code, code, instruction), rendered through the outbox.
    slips = models.FileField(upload_to=slips_upload_to, max_length=255, blank=True)

    class Meta:
        ordering = ["survey", "first_index"]


class SurveyCode(models.Model):
    """An unused single-use code, as its keyed digest only. Using the code deletes the row (in
    the transaction that stores the response), so nothing stored ties a code to a response."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(SurveyUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "digest"], name="survey_code_digest_unique")]


class Response(models.Model):
    """One anonymous response. See the module docstring for what is (not) kept."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(SurveyUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Item code -> point on the scale (1..n), as answered (reverse scoring applies when aggregating).
    answers = models.JSONField()
    submitted_on = models.DateField()
    duration_seconds = models.PositiveIntegerField()
    # The one-time number of the form this response came from: a replay is refused by uniqueness.
    nonce = models.CharField(max_length=32, unique=True)
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    too_fast = models.BooleanField(default=False)
    straight_lined = models.BooleanField(default=False)
    duplicate = models.BooleanField(default=False)
    excluded = models.BooleanField(default=False)

    @property
    def flagged(self) -> bool:
        return self.too_fast or self.straight_lined or self.duplicate


class SurveyEventKind(models.TextChoices):
    OPENED = "opened", _("Survey opened")
    EXCLUDED = "excluded", _("Flagged responses excluded")
    SHORTFALL = "shortfall", _("Sample shortfall accepted")
    CODES = "codes", _("Single-use codes issued")
    CLOSED = "closed", _("Survey closed")


class SurveyEvent(models.Model):
    """The survey's history: who did what, when, why."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=SurveyEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    count = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True, max_length=REASON_MAX)

    class Meta:
        ordering = ["survey", "at", "pk"]
        constraints = [length_constraint("reason", REASON_MAX, name="survey_event_reason_length")]
