"""Length limits of free text people type (issue 14): one home for forms, services and the database.

Each limit is enforced three times: the form field (`max_length`, with `too_long_message`), the
service (`text_check`, for callers that bypass forms) and a CHECK constraint in the database
(`length_constraint`), so no path stores a text longer than its limit.
"""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.functional import lazy
from django.utils.translation import gettext

from core import formatting
from core.errors import ValidationFailed

NOTE_MAX = 4000  # an answer's note, the verifier's note
REPLY_MAX = 4000  # a reply to a clarification
QUESTION_MAX = 4000  # a verifier's clarification question
REASON_MAX = 2000  # reasons: revision, return message, reopening, extension, revocation


def _too_long(limit: int) -> str:
    return gettext("The text is too long: at most %(max)s characters.") % {"max": formatting.count(limit)}


too_long_message = lazy(_too_long, str)
"""The form error for a text over `limit` characters, in the reader's language (lazy)."""


def text_check(text: str, *, limit: int, what: str) -> None:
    """Refuse a text over `limit` characters; `what` names the field in the message."""
    if len(text) > limit:
        raise ValidationFailed(
            gettext("%(what)s is too long: at most %(max)s characters.")
            % {"what": what, "max": formatting.count(limit)}
        )


def length_constraint(field: str, limit: int, *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)
