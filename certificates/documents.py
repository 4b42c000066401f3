"""HTML → PDF for the decision letter and the charters (WeasyPrint).

Pure rendering: callers pass plain data (see `LetterData`, `CharterData`), no database access
here, so the benchmark and the tests can render without fixtures.

Fonts ship in `certificates/fonts/` (DejaVu Serif, regular and bold) and are referenced by
relative URLs against a file:// base URL, so a document looks the same on every machine. A
WeasyPrint `FontConfiguration` and the parsed stylesheets are kept per thread: building them
costs more than laying out a one-page charter, and a worker renders many documents.
"""

import atexit
import base64
import functools
import io
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import segno
from django.template.loader import render_to_string

from core import formatting

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
STYLES_DIR = Path(__file__).resolve().parent / "templates" / "certificates" / "documents"

# Official documents are in Indonesian whatever the reader's UI language.
KIND_NAMES_ID = {
    "KEMENTERIAN": "Kementerian",
    "LPNK": "Lembaga Pemerintah Nonkementerian",
    "LNS": "Lembaga Nonstruktural",
    "LEMBAGA_NEGARA": "Lembaga Negara/Kesekretariatan Lembaga Negara",
    "PROVINSI": "Pemerintah Provinsi",
    "KABUPATEN": "Pemerintah Kabupaten",
    "KOTA": "Pemerintah Kota",
}


@dataclass(frozen=True)
class AnnexRow:
    number: int
    name: str
    kind: str
    kind_name: str
    score: str
    category: str
    charter: bool
    # Each component's value (maturity, staff survey, bonus) when the instrument has more than
    # one, in the order of `LetterData.part_labels`: the annex shows the survey part apart.
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterData:
    body_name: str
    body_short: str
    number: str
    date: str
    place: str
    period_name: str
    signatory_name: str
    signatory_title: str
    rows: list[AnnexRow]
    # From the period's instrument: the Mengingat entries, the bands that earn a charter (lowest
    # first) and the name of the reported value.
    legal_basis: tuple[str, ...] = ()
    charter_bands: tuple[str, ...] = ()
    result_label: str = ""
    part_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class CharterData:
    body_name: str
    body_short: str
    institution: str
    category: str
    score: str
    decision_number: str
    decision_date: str
    place: str
    period_name: str
    signatory_name: str
    signatory_title: str
    serial: str
    verify_url: str
    result_label: str = ""


_local = threading.local()


@atexit.register
def _release_fonts() -> None:
    # WeasyPrint's FontConfiguration deletes its temporary folder in __del__, which fails
    # noisily if it runs during interpreter shutdown; release it while the runtime is intact.
    _local.__dict__.clear()


def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
        _local.stylesheets = {}
        _local.url_fetcher = _document_fetcher_class()()
    return config


@functools.cache
def _document_fetcher_class():
    # Built on first use: WeasyPrint is imported lazily, like everywhere in this module.
    from email.message import EmailMessage

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DocumentFetcher(URLFetcher):
        """Reads only the shipped fonts (file:) and inline images (data:).

        No network fetch can be triggered from a document. One instance per thread, reused:
        WeasyPrint would otherwise build a urllib opener for every document. Base64 data URIs
        (the QR code) are decoded here directly: urllib's data: handler parses MIME headers
        with the email package, which cost more than the image itself.
        """

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"})
            self._headers: dict[str, EmailMessage] = {}

        def fetch(self, url: str, headers: Any = None) -> Any:
            head, comma, payload = url.partition(",")
            if comma and head.startswith("data:image/") and head.endswith(";base64"):
                mime = head[len("data:") : -len(";base64")]
                if mime not in self._headers:
                    message = self._headers[mime] = EmailMessage()
                    message["Content-Type"] = mime
                return URLFetcherResponse(url, base64.b64decode(payload), self._headers[mime])
            return super().fetch(url, headers)

    return DocumentFetcher


def _stylesheet(name: str):
    from weasyprint import CSS

    config = _font_config()
    sheet = _local.stylesheets.get(name)
    if sheet is None:
        sheet = CSS(
            string=(STYLES_DIR / name).read_text(encoding="utf-8"),
            base_url=FONTS_DIR.as_uri() + "/",
            font_config=config,
            url_fetcher=_local.url_fetcher,
        )
        _local.stylesheets[name] = sheet
    return sheet


def pdf_from_html(html: str, stylesheet: str) -> bytes:
    """Render one HTML document with one of the shipped stylesheets."""
    from weasyprint import HTML

    config = _font_config()
    return HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=_local.url_fetcher).write_pdf(
        stylesheets=[_stylesheet(stylesheet)], font_config=config
    )


# Module value → grey level: 0 (light) → white, 1 (dark) → black.
_GREY = bytes([255, 0]) + bytes(254)


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as a PNG data URI, one pixel per module (the stylesheet scales it up
    with `image-rendering: pixelated`, so it prints sharp).

    The mask is fixed: every mask is valid for readers, and choosing the "best" one costs
    more than the rest of the code (measured in bench/documents.py). A PNG of a few hundred
    bytes was cheaper for WeasyPrint than the same code as an SVG path, and an 8-bit grey PNG
    cheaper than segno's 1-bit one: WeasyPrint takes it as it is, where it converted a 1-bit
    image to RGB and encoded it again.
    """
    from PIL import Image, ImageOps

    matrix = segno.make(url, error="m", mask=0).matrix  # rows of 0 (light) and 1 (dark)
    image = Image.frombytes("L", (len(matrix[0]), len(matrix)), b"".join(matrix).translate(_GREY))
    buffer = io.BytesIO()
    ImageOps.expand(image, border=2, fill=255).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def letter_html(data: LetterData) -> str:
    return render_to_string("certificates/documents/letter.html", {"d": data})


def charter_html(data: CharterData) -> str:
    return render_to_string("certificates/documents/charter.html", {"d": data, "qr": qr_data_uri(data.verify_url)})


def letter_pdf(data: LetterData) -> bytes:
    return pdf_from_html(letter_html(data), "letter.css")


def charter_pdf(data: CharterData) -> bytes:
    return pdf_from_html(charter_html(data), "charter.css")


def kind_order(kind: str) -> int:
    """Institutions are listed by kind in the register's order (ministries first), then name."""
    keys = list(KIND_NAMES_ID)
    return keys.index(kind) if kind in keys else len(keys)


def score_text(total: Decimal | None, places: int = formatting.SCORE_PLACES) -> str:
    """A value at its instrument's display precision, cut so it never reads as a band it missed."""
    return formatting.score(total, places)
