"""The assessments app's models, one module per concept; import them from here."""

from assessments.models.answer import Answer, Clarification, Evidence, ReviewState, evidence_upload_to
from assessments.models.assessment import Assessment, AssessmentStatus
from assessments.models.history import ANSWER_HISTORY_FIELD_LABELS, AnswerHistory, TransitionLog
from assessments.models.instrument import (
    Aspect,
    CategoryBand,
    Component,
    ComponentKind,
    Indicator,
    Instrument,
    InstrumentStatus,
    Level,
    ScaleLevel,
    SubAspect,
)
from assessments.models.objection import Objection, ObjectionAnswerer, ObjectionStatus
from assessments.models.period import Extension, Period
from assessments.models.recommendation import AspectRecommendation
from assessments.models.reminder import ReminderDigest
from assessments.models.score import ComponentValue, Score, ScoreBasis
from assessments.models.target import Target

__all__ = [
    "ANSWER_HISTORY_FIELD_LABELS",
    "Answer",
    "Aspect",
    "AspectRecommendation",
    "Assessment",
    "AssessmentStatus",
    "AnswerHistory",
    "CategoryBand",
    "Clarification",
    "Component",
    "ComponentKind",
    "ComponentValue",
    "Evidence",
    "Extension",
    "Indicator",
    "Instrument",
    "InstrumentStatus",
    "Level",
    "Objection",
    "ObjectionAnswerer",
    "ObjectionStatus",
    "Period",
    "ReminderDigest",
    "ReviewState",
    "ScaleLevel",
    "Score",
    "ScoreBasis",
    "SubAspect",
    "Target",
    "TransitionLog",
    "evidence_upload_to",
]
