"""The one rule of a result's standing: provisional until the decision, then final.

A verified result is "verification result (provisional)" from the moment the verifier's levels
are shown until an issued decision includes its assessment; from then on it is "final". A
self-assessment result is never either. Pages, e-mails, exports and the dashboard ask this module
for the standing and its wording, so the same result is never called final in one place and
provisional in another.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import AssessmentStatus, ScoreBasis

S = AssessmentStatus

# Statuses in which an assessment has a verified result the institution sees as its result.
RESULT_STATUSES = frozenset({S.VERIFIED, S.OBJECTION, S.DECIDED})
# Only an issued decision makes a result final.
FINAL_STATUSES = frozenset({S.DECIDED})


class Standing(models.TextChoices):
    PROVISIONAL = "provisional", _("verification result (provisional)")
    FINAL = "final", _("final")


def standing_of(status: str) -> Standing:
    """The standing of an assessment's verified result in `status`."""
    return Standing.FINAL if status in FINAL_STATUSES else Standing.PROVISIONAL


def is_final(status: str) -> bool:
    return status in FINAL_STATUSES


def score_is_final(*, basis: str, status: str) -> bool:
    """What a stored Score's `is_final` says: only a verified score of a decided assessment."""
    # Finality follows the assessment's state when the score is computed, not the message that
    # asked for it: a late provisional message cannot unmark a final score.
    return basis == ScoreBasis.VERIFIED and status in FINAL_STATUSES
