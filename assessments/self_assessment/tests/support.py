"""Helpers for the self-assessment tests: valid files of each accepted type, filling answers."""

import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Answer, Assessment


def pdf_bytes(tag: str = "x") -> bytes:
    """A small PDF that libmagic identifies as application/pdf; `tag` makes the bytes unique."""
    body = (
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        f"% {tag}\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body.encode()


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 100
MZ_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def fill_all(
    assessment: Assessment, user: Any, *, level: int = 1, skip: set[str] | None = None, aspects: set[int] | None = None
) -> None:
    """Answer indicators through the services; levels above 1 get one evidence file each."""
    from assessments.self_assessment.services import answer_update, evidence_add

    skip = skip or set()
    for answer in Answer.objects.filter(assessment=assessment).select_related("indicator__aspect"):
        if answer.indicator.code in skip or (aspects is not None and answer.indicator.aspect.number not in aspects):
            continue
        answer_update(answer=answer, user=user, level=level, note="", version=answer.version)
        if level > 1:
            evidence_add(
                answer=answer, user=user, upload=upload("bukti.pdf", pdf_bytes(f"{assessment.pk}-{answer.pk}"))
            )
