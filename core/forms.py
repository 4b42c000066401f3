"""Form widgets shared by every app."""

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """The browser's own date widget: it takes and sends ISO values ("2026-12-02") and shows them
    in the reader's locale. Typed text such as "31/12/2026" is still accepted by the field
    (DATE_INPUT_FORMATS in core/formats)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)
