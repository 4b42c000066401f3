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


# Room for the CMS signature in the PDF. Given, pyHanko does not sign twice (a dry run to measure
# the size); a 2048–4096-bit RSA signature with a chain of a few certificates needs 2–8 KB.
SIGNATURE_BYTES_RESERVED = 16384


@functools.cache
def _signer_class() -> type:
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses the private key from DER on every signature, and
        cryptography checks an RSA key's consistency on each parse: that was most of a charter's
        signing time (bench/documents.py). The parsed key is kept for RSA PKCS#1 v1.5."""

        _parsed_key: Any = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
            from pyhanko.sign.general import get_pyca_cryptography_hash

            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism["algorithm"].native not in {"rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa"}:
                return super().sign_raw(data, digest_algorithm)
            if self._parsed_key is None:
                self._parsed_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            if not isinstance(self._parsed_key, RSAPrivateKey):
                return super().sign_raw(data, digest_algorithm)
            return self._parsed_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    return KeptKeySigner


@functools.cache
def _signer(path: str, password: str) -> Any:
    from pyhanko.sign import signers

    if not Path(path).is_file():
        raise FileNotFoundError(f"DOCUMENT_SIGNING_PKCS12 does not name a file: {path}")
    loaded = signers.SimpleSigner.load_pkcs12(path, passphrase=password.encode() if password else None)
    if loaded is None:
        raise ValueError("The PKCS#12 file in DOCUMENT_SIGNING_PKCS12 could not be read (wrong password?).")
    return _signer_class()(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
        signature_mechanism=loaded.signature_mechanism,
    )


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
    out = signers.PdfSigner(meta, signer=signer()).sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES_RESERVED)
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
