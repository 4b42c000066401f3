from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution


class InstrumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Instrument(models.Model):
    """A version of the assessment instrument. Published instruments are immutable."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InstrumentStatus.choices, default=InstrumentStatus.DRAFT
    )
    is_reference = models.BooleanField(
        _("reference texts"),
        default=False,
        help_text=_("The texts are the development team's reference, to be replaced by the official ones."),
    )
    reference_note = models.TextField(_("reference note"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2, default=Decimal("400"))
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_published(self) -> bool:
        return self.status == InstrumentStatus.PUBLISHED


class CategoryBand(models.Model):
    """A category: the band with the highest min score not above a total applies."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bands")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=60)
    min_score = models.DecimalField(_("minimum score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["instrument", "min_score"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="band_code_unique"),
            models.UniqueConstraint(fields=["instrument", "min_score"], name="band_min_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} (≥ {self.min_score})"


class Aspect(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="aspects")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["instrument", "number"]
        constraints = [models.UniqueConstraint(fields=["instrument", "number"], name="aspect_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Indicator(models.Model):
    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=10)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    statement = models.TextField(_("statement"))
    guidance = models.TextField(_("guidance"), blank=True)
    evidence_hint = models.TextField(_("evidence hint"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["aspect__number", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["aspect", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.statement[:60]}"


class Level(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("level"))
    descriptor = models.TextField(_("descriptor"))

    class Meta:
        ordering = ["indicator", "level"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "level"], name="level_unique"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="level_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} L{self.level}"


class Period(models.Model):
    """An assessment cycle (siklus)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="periods")
    self_assessment_opens = models.DateField(_("self-assessment opens"))
    self_assessment_closes = models.DateField(_("self-assessment closes"))
    verification_closes = models.DateField(_("verification closes"))
    show_verified_to_institutions = models.BooleanField(
        _("show verified levels to institutions before finalisation"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["-self_assessment_opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(self_assessment_opens__lte=models.F("self_assessment_closes"))
                & models.Q(self_assessment_closes__lte=models.F("verification_closes")),
                name="period_dates_ordered",
                violation_error_message=_(
                    "The dates must follow each other: opens ≤ self-assessment closes ≤ verification closes."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Extension(models.Model):
    """An admin's extension of the self-assessment deadline for one institution."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="extensions")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="extensions")
    until = models.DateField(_("until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "institution"], name="extension_unique")]


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_VERIFICATION = "in_verification", _("In verification")
    REVISION = "revision", _("Returned for revision")
    VERIFIED = "verified", _("Verified")
    DECIDED = "decided", _("Decided")


class Assessment(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="assessments")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT, db_index=True
    )
    verifiers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="verifier_assessments", verbose_name=_("verifiers")
    )
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every answer write; the score sweep compares it with Score.computed_at.
    answers_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["period", "institution__name"]
        constraints = [models.UniqueConstraint(fields=["institution", "period"], name="assessment_unique")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.period}"


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Not reviewed")
    VERIFIED = "verified", _("Verified")
    FLAGGED = "flagged", _("Flagged for revision")


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="answers")
    self_level = models.PositiveSmallIntegerField(_("self-assessed level"), null=True, blank=True)
    self_note = models.TextField(_("note"), blank=True)
    verified_level = models.PositiveSmallIntegerField(_("verified level"), null=True, blank=True)
    verified_note = models.TextField(_("verifier's note"), blank=True)
    review_state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    revision_reason = models.TextField(_("reason for revision"), blank=True)
    carried_over = models.BooleanField(_("carried over, to confirm"), default=False)
    # Optimistic locking: every write must name the version it read.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator__aspect__number", "indicator__position", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="answer_unique"),
            models.CheckConstraint(
                condition=models.Q(self_level__isnull=True) | models.Q(self_level__gte=1, self_level__lte=4),
                name="answer_self_level_1_to_4",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_level__isnull=True) | models.Q(verified_level__lte=4),
                name="answer_verified_level_0_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.indicator.code}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    # The stored name is the content hash, never the user's name: no traversal, no collisions.
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    carried_over = models.BooleanField(default=False)

    class Meta:
        ordering = ["uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["answer", "sha256"], name="evidence_unique_per_answer")]

    def __str__(self) -> str:
        return self.original_name


class Clarification(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="clarifications")
    question = models.TextField(_("question"))
    due_date = models.DateField(_("due date"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-asked_at"]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# What each AnswerHistory.field means, for people reading a history (self-assessment events
# and the verifier's fields); an unknown code is shown as it is.
ANSWER_HISTORY_FIELD_LABELS = {
    "level": _("level"),
    "self_level": _("self-assessed level"),
    "note": _("note"),
    "evidence_added": _("evidence added"),
    "evidence_removed": _("evidence removed"),
    "carried_over": _("carried over from"),
    "confirmed": _("carry-over confirmed"),
    "clarification_reply": _("clarification reply"),
    "verified_level": _("verified level"),
    "verified_note": _("verifier's note"),
    "review_state": _("review state"),
    "revision_reason": _("reason for revision"),
}


class AnswerHistory(models.Model):
    """One change to an answer: who, when, which field, from → to."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="history")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    field = models.CharField(max_length=30)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    @property
    def field_label(self) -> str:
        return str(ANSWER_HISTORY_FIELD_LABELS.get(self.field, self.field))

    def _value_display(self, value: str) -> str:
        if self.field == "review_state" and value in ReviewState.values:
            return str(ReviewState(value).label)
        return value

    @property
    def old_display(self) -> str:
        return self._value_display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._value_display(self.new_value)


class TransitionLog(models.Model):
    """One workflow transition of an assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    to_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class ScoreBasis(models.TextChoices):
    SELF = "self", _("Self-assessment")
    VERIFIED = "verified", _("Verified")


class Score(models.Model):
    """A computed score. Written only by the scoring service; always recomputable."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    basis = models.CharField(max_length=10, choices=ScoreBasis.choices)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    # Four places: a quarter of an indicator maximum such as 12,5 is 3,125; totals stay exact.
    total = models.DecimalField(max_digits=10, decimal_places=4)
    index = models.DecimalField(max_digits=6, decimal_places=4)
    category_code = models.CharField(max_length=10)
    category_name = models.CharField(max_length=60)
    aspect_totals = models.JSONField(default=list)
    missing_count = models.PositiveSmallIntegerField(default=0)
    is_final = models.BooleanField(default=False)
    computed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "basis"], name="score_unique")]

    def __str__(self) -> str:
        return f"{self.assessment} {self.basis}: {self.total}"
