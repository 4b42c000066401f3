"""Electronic signatures on issued documents (PAdES baseline B-B, pyHanko) and their checking.

The operator configures one certificate as a PKCS#12 file (`DOCUMENT_SIGNING_PKCS12`, password in
`DOCUMENT_SIGNING_PASSWORD`); in Indonesia that is the body's certificate from BSrE, here any
certificate works. Without one, documents are issued unsigned and say so on the page.

Checking an uploaded copy answers two questions separately: is this byte for byte a file we
issued (its SHA-256 against the stored ones), and does it carry a signature that is intact,
covers the whole file and chains to the configured certificate (pyHanko's validator).
"""

import functools
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "TandaTanganElektronik"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signing_configured() -> bool:
    return bool(settings.DOCUMENT_SIGNING_PKCS12)


@functools.cache
def _signer(path: str, password: str) -> Any:
    from pyhanko.sign import signers

    if not Path(path).is_file():
        raise FileNotFoundError(f"DOCUMENT_SIGNING_PKCS12 does not name a file: {path}")
    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=password.encode() if password else None)
    if signer is None:
        raise ValueError("The PKCS#12 file in DOCUMENT_SIGNING_PKCS12 could not be read (wrong password?).")
    return signer


def signer() -> Any:
    return _signer(settings.DOCUMENT_SIGNING_PKCS12, settings.DOCUMENT_SIGNING_PASSWORD)


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    """Sign a PDF with the configured certificate (an invisible PAdES signature over the whole file)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    out = signers.PdfSigner(meta, signer=signer()).sign_pdf(writer)
    return out.getvalue()


def _trust_roots() -> list[Any]:
    """The configured certificate and the chain shipped with it: what our signatures chain to."""
    if not signing_configured():
        return []
    current = signer()
    roots = [current.signing_cert]
    registry = getattr(current, "cert_registry", None)
    if registry is not None:
        roots.extend(registry)
    return roots


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool  # the file carries at least one signature
    intact: bool  # the signed bytes were not changed
    whole_file: bool  # nothing was added after signing
    trusted: bool  # the signer chains to the configured certificate
    signer_name: str = ""
    error: str = ""

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.whole_file and self.trusted


def signature_check(data: bytes) -> SignatureCheck:
    """Validate the last signature of an uploaded PDF against the configured certificate."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:  # a damaged or non-PDF upload: reported, never a 500
        return SignatureCheck(False, False, False, False, error=f"{type(exc).__name__}: {exc}")
    if not embedded:
        return SignatureCheck(False, False, False, False)
    roots = _trust_roots()
    context = ValidationContext(trust_roots=roots, allow_fetching=False) if roots else None
    try:
        status = validate_pdf_signature(embedded[-1], context)
    except Exception as exc:  # a malformed signature dictionary
        return SignatureCheck(True, False, False, False, error=f"{type(exc).__name__}: {exc}")
    name = ""
    try:
        name = status.signing_cert.subject.native.get("common_name", "")
    except Exception:  # the name is only for display
        name = ""
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(roots) and bool(status.trusted),
        signer_name=name,
    )
