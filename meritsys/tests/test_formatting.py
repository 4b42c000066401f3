"""Indonesian figures and dates: what a reader of a page or a charter sees."""

import datetime as dt

import pytest
from django.template import Context, Template

from meritsys.formatting import id_date

# 20:00 UTC on 22 November is 03:00 on 23 November in Jakarta (UTC+7).
LATE_UTC = dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.UTC)


def test_id_date_of_an_aware_datetime_is_the_jakarta_day():
    assert id_date(LATE_UTC) == "23 November 2026"


def test_id_date_of_a_plain_date_is_unchanged():
    assert id_date(dt.date(2026, 11, 22)) == "22 November 2026"


@pytest.mark.parametrize("language, expected", [("id", "23 November 2026"), ("en", "23 November 2026")])
def test_iddate_filter_shows_the_local_day(language, expected):
    from django.utils import translation

    with translation.override(language):
        text = Template("{% load merit %}{{ when|iddate }}").render(Context({"when": LATE_UTC}))
    assert text == expected
