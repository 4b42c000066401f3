"""Checks an evidence upload before anything is stored.

- The type is sniffed from the bytes (libmagic via python-magic), never taken from the name or
  the browser's Content-Type, so an executable renamed ``.pdf`` is refused.
- Empty files and files above ``settings.EVIDENCE_MAX_BYTES`` are refused.
- The file name must not carry a path (Django's multipart parser already strips directories; a
  name that still spells a path after Unicode normalisation, e.g. with a fullwidth solidus, is
  refused) and is reduced to a safe display name. The stored path is the SHA-256, never the name.
- The name's extension must agree with the sniffed type, so a download opens in the right program.
"""

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

import magic
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Sniffed content type → extensions a name may carry for it (first is canonical).
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}
ALLOWED_LABEL = "PDF, JPG, PNG, DOCX, XLSX"
ACCEPT_ATTR = ",".join(ext for exts in ALLOWED_TYPES.values() for ext in exts)

# libmagic needs the start of the file; OOXML detection looks a little further in.
_SNIFF_BYTES = 256 * 1024
_CHUNK = 64 * 1024
_MAX_NAME = 150
_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def name_sanitise(raw: str) -> str:
    """A safe display name, or ValidationFailed if the name tries to spell a path."""
    name = unicodedata.normalize("NFKC", raw or "").strip()
    if not name:
        raise ValidationFailed(_("The file has no name."))
    if "\x00" in name or "/" in name or "\\" in name or name.startswith(".."):
        raise ValidationFailed(
            _("The file name must not contain a path (“/”, “\\” or “..”). Rename the file and try again.")
        )
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or set(name) <= {"_", "."}:
        raise ValidationFailed(_("The file name has no usable characters. Rename the file and try again."))
    if len(name) > _MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: _MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:_MAX_NAME]
    return name


def _sniff(head: bytes, stream: IO[bytes]) -> str:
    content_type = magic.from_buffer(head, mime=True)
    if content_type in ("application/zip", "application/octet-stream") and head[:4] == b"PK\x03\x04":
        # Some libmagic builds call every OOXML file a zip: look at the parts it holds.
        try:
            stream.seek(0)
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return content_type
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
    return content_type


def evidence_check(upload: Any) -> CheckedFile:
    """Validate an uploaded file (a Django UploadedFile or any object with name/size/read/seek).

    Raises ValidationFailed with a message that says what to fix. Reads the file once for the
    hash and leaves it rewound.
    """
    name = name_sanitise(getattr(upload, "name", "") or "")
    limit = settings.EVIDENCE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationFailed(
            _("The file is too large (%(size)s); the limit is %(limit)s per file.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    digest = hashlib.sha256()
    total = 0
    head = b""
    upload.seek(0)
    while True:
        chunk = upload.read(_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise ValidationFailed(
                _("The file is too large; the limit is %(limit)s per file.") % {"limit": filesizeformat(limit)}
            )
        if len(head) < _SNIFF_BYTES:
            head += chunk[: _SNIFF_BYTES - len(head)]
        digest.update(chunk)
    if total == 0:
        raise ValidationFailed(_("The file is empty."))
    content_type = _sniff(head, upload)
    upload.seek(0)
    extensions = ALLOWED_TYPES.get(content_type)
    if extensions is None:
        raise ValidationFailed(
            _("This kind of file is not accepted (its content is %(type)s). Accepted: %(allowed)s.")
            % {"type": content_type, "allowed": ALLOWED_LABEL}
        )
    lower = name.lower()
    if not lower.endswith(extensions):
        if "." not in name:
            name = f"{name}{extensions[0]}"
        else:
            raise ValidationFailed(
                _("The file name ends in “.%(ext)s” but its content is %(type)s. Use the right extension (%(right)s).")
                % {"ext": name.rpartition(".")[2], "type": content_type, "right": " / ".join(extensions)}
            )
    return CheckedFile(name=name, content_type=content_type, size=total, sha256=digest.hexdigest())
