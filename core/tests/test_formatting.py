"""Dates, times and figures as a reader sees them, in every month and both languages.

Nine months have names that differ between Indonesian and English, so a test pinned to one
month (November, say) cannot tell the two apart: every test here runs in all twelve. The
instants sit at the edges of the UTC day, where the Jakarta day (UTC+7) is another one.
"""

import calendar
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from pypdf import PdfReader

from assessments import notifications
from assessments.verification import services as svc
from certificates import documents
from certificates.models import Certificate, Decision
from certificates.services import charter_data
from core import formatting
from core.errors import ValidationFailed
from institutions.models import Institution

MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
ALL_MONTHS = list(range(1, 13))


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogues():
    # Month names come from the compiled catalogues (.mo files are built by `make test`).
    call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
    translation.trans_real._translations = {}
    translation.trans_real._default = None


def late_utc(month: int) -> dt.datetime:
    """17:30 UTC on the 15th: already 00:30 on the 16th in Jakarta."""
    return dt.datetime(2026, month, 15, 17, 30, tzinfo=dt.UTC)


def month_end_utc(month: int) -> dt.datetime:
    """23:00 UTC on the month's last day: 06:00 on the 1st of the next month in Jakarta."""
    return dt.datetime(2026, month, calendar.monthrange(2026, month)[1], 23, 0, tzinfo=dt.UTC)


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load merit %}" + source).render(Context(context))


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("month", ALL_MONTHS)
def test_date_filter_writes_the_jakarta_day_and_the_month_in_the_page_language(month, language):
    name = MONTHS[language][month - 1]
    assert render("{{ when|as_date }}", language, when=late_utc(month)) == f"16 {name} 2026"
    assert render("{{ when|as_date }}", language, when=dt.date(2026, month, 3)) == f"3 {name} 2026"


@pytest.mark.parametrize("month", ALL_MONTHS)
def test_a_late_utc_instant_on_a_month_end_is_the_first_of_the_next_month_in_jakarta(month):
    following = month % 12 + 1
    year = 2027 if month == 12 else 2026
    assert formatting.date(month_end_utc(month), language="id") == f"1 {MONTHS['id'][following - 1]} {year}"
    assert formatting.date(month_end_utc(month), language="en") == f"1 {MONTHS['en'][following - 1]} {year}"


@pytest.mark.parametrize("month", ALL_MONTHS)
def test_datetime_names_the_zone_and_uses_each_language_time_style(month):
    when = late_utc(month)
    assert render("{{ when|as_datetime }}", "id", when=when) == f"16 {MONTHS['id'][month - 1]} 2026 00.30 WIB"
    assert render("{{ when|as_datetime }}", "en", when=when) == f"16 {MONTHS['en'][month - 1]} 2026, 00:30 WIB"


def test_audit_times_carry_seconds_in_each_language():
    when = dt.datetime(2026, 8, 31, 17, 0, 5, tzinfo=dt.UTC)
    assert formatting.datetime_seconds(when, language="id") == "1 September 2026 00.00.05 WIB"
    assert formatting.datetime_seconds(when, language="en") == "1 September 2026, 00:00:05 WIB"


def test_values_the_audit_log_kept_as_text_read_like_every_page():
    with translation.override("id"):
        assert formatting.recorded("2026-08-01") == "1 Agustus 2026"
        assert formatting.recorded("2026-07-31 20:00:05+00:00") == "1 Agustus 2026 03.00.05 WIB"
        assert formatting.recorded("1234.50") == "1.234,50"
        assert formatting.recorded("Banjir") == "Banjir"
        assert formatting.recorded(None) == ""


def test_first_hour_of_a_utc_day_is_seven_in_the_morning_in_jakarta():
    when = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)
    assert formatting.datetime(when, language="id") == "1 Maret 2026 07.00 WIB"
    assert formatting.time(when, language="en") == "07:00 WIB"


@pytest.mark.parametrize("language", ["id", "en"])
def test_figures_read_the_same_in_both_languages(language):
    with translation.override(language):
        assert formatting.count(2548) == "2.548"
        assert formatting.count(640) == "640"
        assert formatting.score(Decimal("367.5")) == "367,50"
        assert formatting.score(Decimal("1234.567")) == "1.234,56"  # cut, never rounded up
        assert formatting.number(Decimal("12.50")) == "12,5"
        assert formatting.number(Decimal("400")) == "400"
        assert formatting.index(Decimal("0.7375")) == "0,73"
        # A value of 0,405 is below the band that starts at 0,41: it must not read "0,41".
        assert formatting.score(Decimal("0.405")) == "0,40"
        assert formatting.score(Decimal("324.999"), 2) == "324,99"
        assert formatting.weight(Decimal("0.037500")) == "0,0375"
        assert formatting.signed(Decimal("-7.5")) == "−7,50"
        assert formatting.signed(Decimal("0.001")) == "0"
        assert formatting.score(None) == "—"


def test_a_share_is_never_rounded_onto_a_target_it_missed():
    assert formatting.share(Decimal("29.96")) == "29,96%"
    assert formatting.share(Decimal("29.999")) == "29,99%"
    assert formatting.share(Decimal("30"), 0) == "30%"
    assert render("{{ s|as_share }}", "en", s=Decimal("85.004")) == "85%"


def test_data_exports_write_machine_readable_figures():
    assert formatting.data_number(Decimal("367.5")) == "367.50"
    assert formatting.data_number(None) == ""
    assert formatting.data_date(dt.date(2026, 12, 2)) == "2026-12-02"


@pytest.mark.parametrize("month", ALL_MONTHS)
def test_a_charter_pdf_is_indonesian_whatever_the_reader_language(month):
    decision = Decision(
        number="800/1/KEP/2026",
        date=dt.date(2026, month, 9),
        place="Jakarta",
        signatory_name="Nama Penandatangan",
        signatory_title="Kepala",
    )
    decision.period = _period_stub()
    certificate = Certificate(
        decision=decision,
        institution=Institution(name="Pemerintah Kabupaten Ciamis"),
        serial="ABCD-EFGH-JKLM",
        score_total=Decimal("1234.5"),
        category_name="Baik",
    )
    with translation.override("en"):
        pdf = documents.charter_pdf(charter_data(certificate=certificate))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"9 {MONTHS['id'][month - 1]} 2026" in text
    assert "1.234,50" in text
    if MONTHS["en"][month - 1] != MONTHS["id"][month - 1]:
        assert MONTHS["en"][month - 1] not in text


def _period_stub():
    from assessments.models import Instrument, Period

    instrument = Instrument(name="Uji", result_label="Nilai", result_decimals=2, max_score=Decimal(400))
    return Period(name="Penilaian 2026 Semester I", instrument=instrument)


@pytest.mark.django_db
def test_the_clarification_mail_writes_its_due_date_in_indonesian_in_every_month(verification_started, verifier):
    # One assessment for the twelve months: building it is the slow part.
    answers = list(verification_started.answers.select_related("indicator")[:12])
    for month, answer in zip(ALL_MONTHS, answers, strict=True):
        with translation.override("en"):
            clarification = svc.clarification_ask(
                answer=answer, user=verifier, question="Mohon SK", due_date=dt.date(2099, month, 28)
            )
        mail.outbox.clear()
        notifications.notify_clarification_asked(clarification.pk)
        body = mail.outbox[0].body
        assert f"28 {MONTHS['id'][month - 1]} 2099" in body, body
        assert "2099-" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["id", "en"])
def test_a_service_message_writes_its_date_in_the_reader_language_in_every_month(
    language, verification_started, verifier
):
    answer = verification_started.answers.first()
    for month in ALL_MONTHS:
        with translation.override(language), pytest.raises(ValidationFailed) as raised:
            svc.clarification_ask(answer=answer, user=verifier, question="Mohon SK", due_date=dt.date(2025, month, 28))
        text = " ".join(raised.value.errors)
        assert f"28 {MONTHS[language][month - 1]} 2025" in text
        assert "2025-" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["id", "en"])
def test_date_inputs_carry_iso_values_and_accept_a_typed_day_first_date(language):
    from django.utils import timezone

    from certificates.forms import DecisionForm

    with translation.override(language):
        html = str(DecisionForm()["date"])
        assert 'type="date"' in html
        assert f'value="{timezone.localdate().isoformat()}"' in html
        for typed in ("31/12/2026", "2026-12-31"):
            form = DecisionForm(data={"date": typed})
            form.is_valid()
            assert "date" not in form.errors, form.errors
            assert form.cleaned_data["date"] == dt.date(2026, 12, 31)
