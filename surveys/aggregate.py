"""Sums of raw answers per survey and item, computed in the database.

The survey value needs, per item, the sum and the count of the answers of the counted (not
excluded) responses (see surveys.domain.survey_value). On PostgreSQL one grouped query over
`jsonb_each_text` returns them for one survey or for every survey at once, so a million stored
responses never travel to Python as JSON (bench/survey.py measures it). Other databases (the
embedded SQLite of `make run`) read the answers and add them up in Python.
"""

from collections.abc import Iterable

from django.db import connection

from surveys.domain import Totals
from surveys.models import Response

_PG_ITEMS = """
SELECT r.survey_id, e.key, SUM(e.value::int), COUNT(*)
FROM surveys_response r CROSS JOIN LATERAL jsonb_each_text(r.answers) e
WHERE NOT r.excluded {where}
GROUP BY r.survey_id, e.key
"""
_PG_RESPONSES = "SELECT r.survey_id, COUNT(*) FROM surveys_response r WHERE NOT r.excluded {where} GROUP BY r.survey_id"


def totals_by_survey(survey_ids: Iterable[int] | None = None) -> dict[int, Totals]:
    """Totals of the counted responses, per survey (all surveys when `survey_ids` is None)."""
    ids = None if survey_ids is None else [int(i) for i in survey_ids]
    out: dict[int, Totals] = {i: Totals.empty() for i in ids or []}
    if connection.vendor == "postgresql":
        where = "" if ids is None else "AND r.survey_id = ANY(%s)"
        params = [] if ids is None else [ids]
        with connection.cursor() as cursor:
            cursor.execute(_PG_ITEMS.format(where=where), params)
            for survey_id, code, total, count in cursor.fetchall():
                totals = out.setdefault(survey_id, Totals.empty())
                totals.sums[code] = int(total)
                totals.counts[code] = int(count)
            cursor.execute(_PG_RESPONSES.format(where=where), params)
            for survey_id, count in cursor.fetchall():
                out.setdefault(survey_id, Totals.empty()).responses = int(count)
        return out
    rows = Response.objects.filter(excluded=False)
    if ids is not None:
        rows = rows.filter(survey_id__in=ids)
    for survey_id, answers in rows.values_list("survey_id", "answers").iterator(chunk_size=5000):
        out.setdefault(survey_id, Totals.empty()).add(answers)
    return out
