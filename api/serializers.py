"""What the API reads and writes. Output is built from the same selectors as the pages; input is
validated here first (types, lengths), then by the shared services (levels, states, permission)."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from assessments.models import Answer, AssessmentStatus
from core import formatting, limits
from institutions.models import InstitutionKind

# --- output ----------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def evidence_data(evidence: Any) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "name": evidence.original_name,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "content_type": evidence.content_type,
        "uploaded_at": _iso(evidence.uploaded_at),
    }


def answer_data(answer: Answer, *, show_verified: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "indicator": answer.indicator.code,
        "indicator_id": answer.indicator_id,
        "level": answer.self_level,
        "note": answer.self_note,
        "version": answer.version,
        "carried_over": answer.carried_over,
        "review_state": answer.review_state,
        "revision_reason": answer.revision_reason,
        "updated_at": _iso(answer.updated_at),
        "evidence": [evidence_data(e) for e in answer.evidence.all()],
    }
    if show_verified:
        data["verified_level"] = answer.verified_level
        data["verified_note"] = answer.verified_note
    return data


def figure(value: Decimal | None, places: int) -> str | None:
    """A value as the pages show it (cut at the instrument's precision), dot decimal."""
    return formatting.data_number(value, places) if value is not None else None


class EvidenceOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class AnswerOut(serializers.Serializer):
    indicator = serializers.CharField(help_text="the indicator's code, e.g. 3.2")
    indicator_id = serializers.IntegerField()
    level = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="send it back (or as If-Match) when you change the answer")
    carried_over = serializers.BooleanField()
    review_state = serializers.CharField()
    revision_reason = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()
    evidence = EvidenceOut(many=True)
    verified_level = serializers.IntegerField(allow_null=True, required=False)
    verified_note = serializers.CharField(allow_blank=True, required=False)


class ScoreOut(serializers.Serializer):
    basis = serializers.CharField()
    total = serializers.CharField(help_text="as shown on the pages (cut at the instrument's precision)")
    total_exact = serializers.CharField()
    index = serializers.CharField()
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    is_final = serializers.BooleanField(help_text="a verified score of a decided assessment")
    standing = serializers.CharField(
        allow_null=True, help_text="verified scores: provisional until the decision includes them, then final"
    )
    standing_label = serializers.CharField(allow_null=True, help_text="the pages' wording of the standing")
    computed_at = serializers.DateTimeField()


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    institution = serializers.DictField()
    period = serializers.DictField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    scores = ScoreOut(many=True)


class AssessmentDetailOut(AssessmentOut):
    moves = serializers.DictField(child=serializers.BooleanField())
    progress = serializers.DictField(child=serializers.IntegerField())
    self_assessment_closes = serializers.DateField()


class AspectScoreOut(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    total = serializers.CharField()
    max = serializers.CharField()


class ScoreDetailOut(ScoreOut):
    is_stale = serializers.BooleanField()
    missing_count = serializers.IntegerField()
    aspects = AspectScoreOut(many=True)


class ScoresOut(serializers.Serializer):
    assessment = serializers.IntegerField()
    status = serializers.CharField()
    result_label = serializers.CharField()
    self = ScoreDetailOut(allow_null=True)
    verified = ScoreDetailOut(allow_null=True)
    verified_hidden = serializers.BooleanField()


class ClarificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.CharField()
    question = serializers.CharField()
    due_date = serializers.DateField()
    asked_at = serializers.DateTimeField()
    reply = serializers.CharField(allow_blank=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    resolved = serializers.BooleanField()
    version = serializers.IntegerField()


class InstrumentOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    result_label = serializers.CharField()
    max_score = serializers.CharField()
    result_decimals = serializers.IntegerField()
    evidence_from_level = serializers.IntegerField()
    levels = serializers.ListField(child=serializers.DictField())
    aspects = serializers.ListField(child=serializers.DictField())
    bands = serializers.ListField(child=serializers.DictField())


# --- input -----------------------------------------------------------------------------------


class AnswerIn(serializers.Serializer):
    level = serializers.IntegerField(min_value=0, max_value=10)
    note = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=limits.NOTE_MAX,
        trim_whitespace=True,
        error_messages={"max_length": limits.too_long_message(limits.NOTE_MAX)},
    )
    version = serializers.IntegerField(
        min_value=1, max_value=2_000_000_000, required=False, help_text="the version you read (or send If-Match)"
    )


class BulkAnswerIn(AnswerIn):
    indicator = serializers.CharField(max_length=10)
    version = serializers.IntegerField(min_value=1, max_value=2_000_000_000)


class BulkIn(serializers.Serializer):
    answers = BulkAnswerIn(many=True, allow_empty=False, max_length=500)


class ReplyIn(serializers.Serializer):
    reply = serializers.CharField(
        max_length=limits.REPLY_MAX, error_messages={"max_length": limits.too_long_message(limits.REPLY_MAX)}
    )
    version = serializers.IntegerField(min_value=1, max_value=2_000_000_000)


class EvidenceIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class AssessmentFilter(serializers.Serializer):
    period = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    institution = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    status = serializers.ChoiceField(choices=AssessmentStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=InstitutionKind.choices, required=False)


class InstitutionFilter(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InstitutionKind.choices, required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class CertificateFilter(serializers.Serializer):
    period = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    institution = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class OpenResultsFilter(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InstitutionKind.choices, required=False)


class InstitutionOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    province = serializers.CharField(allow_null=True)
    region = serializers.CharField()
    active = serializers.BooleanField()
    separately_assessed = serializers.BooleanField()


class PeriodOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    instrument = serializers.CharField()
    self_assessment_opens = serializers.DateField()
    self_assessment_closes = serializers.DateField()
    verification_closes = serializers.DateField()


class DecisionOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    date = serializers.DateField()
    period = serializers.IntegerField()
    status = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    assessments = serializers.IntegerField(help_text="how many assessments it decides")


class CertificateOut(serializers.Serializer):
    id = serializers.IntegerField()
    serial = serializers.CharField()
    institution = serializers.IntegerField()
    institution_name = serializers.CharField()
    decision = serializers.CharField()
    period = serializers.IntegerField()
    value = serializers.CharField()
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    status = serializers.CharField()
    valid = serializers.BooleanField()
    verification_url = serializers.CharField()


class OpenResultOut(serializers.Serializer):
    institution_code = serializers.CharField()
    institution = serializers.CharField()
    kind = serializers.CharField()
    province = serializers.CharField(allow_null=True)
    total = serializers.CharField()
    index = serializers.CharField()
    category = serializers.CharField()


class OpenResultsOut(serializers.Serializer):
    period = PeriodOut()
    licence = serializers.CharField()
    licence_url = serializers.CharField()
    result_label = serializers.CharField()
    count = serializers.IntegerField()
    results = OpenResultOut(many=True)


class OpenPeriodOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    json = serializers.CharField()
    csv = serializers.CharField()


class KeyInfoOut(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    kind = serializers.CharField()
    scope = serializers.CharField()
    institution = serializers.IntegerField(allow_null=True)
    owner = serializers.CharField()
    expires_at = serializers.DateTimeField()


def paged(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of a cursor page of `item`: follow `next` until it is null."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.CharField(allow_null=True, help_text="the next page's URL, or null at the end"),
            "previous": serializers.CharField(allow_null=True),
            "results": item(many=True),
        },
    )


AssessmentPage = paged(AssessmentOut, "AssessmentPage")
InstitutionPage = paged(InstitutionOut, "InstitutionPage")
CertificatePage = paged(CertificateOut, "CertificatePage")
