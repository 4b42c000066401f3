import hashlib
import io

import pytest
from django.utils import translation

from assessments.self_assessment.evidence import DOCX, XLSX, evidence_check, name_sanitise
from assessments.self_assessment.tests.support import (
    ELF_BYTES,
    JPEG_BYTES,
    MZ_BYTES,
    PNG_BYTES,
    docx_bytes,
    pdf_bytes,
    upload,
    xlsx_bytes,
)
from core.errors import ValidationFailed


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here; the pages' Indonesian is asserted in test_self_views."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("laporan.pdf", pdf_bytes(), "application/pdf"),
        ("foto.PNG", PNG_BYTES, "image/png"),
        ("scan.jpeg", JPEG_BYTES, "image/jpeg"),
        ("scan.jpg", JPEG_BYTES, "image/jpeg"),
        ("sk.docx", docx_bytes(), DOCX),
        ("rekap.xlsx", xlsx_bytes(), XLSX),
    ],
)
def test_accepted_types_are_sniffed_from_the_bytes(name, data, expected):
    checked = evidence_check(upload(name, data, content_type="application/octet-stream"))
    assert checked.content_type == expected
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.name == name


@pytest.mark.parametrize("data", [ELF_BYTES, MZ_BYTES], ids=["elf", "mz"])
def test_an_executable_renamed_pdf_is_refused(data):
    with pytest.raises(ValidationFailed, match="not accepted"):
        evidence_check(upload("laporan.pdf", data))


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed, match="empty"):
        evidence_check(upload("kosong.pdf", b""))


def test_a_file_above_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationFailed, match="too large"):
        evidence_check(upload("besar.pdf", pdf_bytes("x" * 200)))
    # The limit holds even when the reported size lies.
    lying = upload("besar.pdf", pdf_bytes("y" * 200))
    lying.size = 10
    with pytest.raises(ValidationFailed, match="too large"):
        evidence_check(lying)


def test_at_the_limit_is_accepted(settings):
    data = pdf_bytes()
    settings.EVIDENCE_MAX_BYTES = len(data)
    assert evidence_check(upload("pas.pdf", data)).size == len(data)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "a/b.pdf", "..／..／x.pdf", "..", "nul\x00.pdf", ""]
)
def test_path_names_are_refused(name):
    with pytest.raises(ValidationFailed):
        evidence_check(_named(name))


class _RawUpload(io.BytesIO):
    """A file object with any name: what the service gets from a caller that is not Django's parser."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


def _named(name):
    return _RawUpload(name, pdf_bytes())


def test_names_are_sanitised():
    assert name_sanitise("Laporan <final>?.pdf") == "Laporan _final_.pdf"
    assert name_sanitise("  ﻿rekap\u202e.pdf ") == "rekap.pdf"
    long = "a" * 300 + ".pdf"
    assert name_sanitise(long).endswith(".pdf") and len(name_sanitise(long)) <= 150


def test_extension_must_match_the_content():
    with pytest.raises(ValidationFailed, match="ends in"):
        evidence_check(upload("foto.pdf", PNG_BYTES))
    # A name without an extension gets the right one.
    assert evidence_check(upload("laporan", pdf_bytes())).name == "laporan.pdf"
