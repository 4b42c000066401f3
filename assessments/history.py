"""The one writer of answer history: who changed which field of an answer, from what to what.

Institution and verifier services both write through here, so every row has the same shape: text
values ("" for none), no row for a change that changes nothing, and no user for system writes.
"""

from collections.abc import Iterable
from typing import Any

from accounts.models import AnyUser
from accounts.roles import person
from assessments.models import Answer, AnswerHistory


def history_row(*, answer: Answer, user: AnyUser | None, field: str, old: Any, new: Any) -> AnswerHistory | None:
    """An unsaved history row, or None when the value did not change."""
    old_text = "" if old is None else str(old)
    new_text = "" if new is None else str(new)
    if old_text == new_text:
        return None
    return AnswerHistory(
        answer=answer,
        user=person(user),
        field=field,
        old_value=old_text,
        new_value=new_text,
    )


def history_record(*, answer: Answer, user: AnyUser | None, field: str, old: Any, new: Any) -> AnswerHistory | None:
    """Write one history row (nothing when the value did not change)."""
    row = history_row(answer=answer, user=user, field=field, old=old, new=new)
    if row is not None:
        row.save()
    return row


def history_record_many(rows: Iterable[AnswerHistory | None]) -> None:
    AnswerHistory.objects.bulk_create([row for row in rows if row is not None])
