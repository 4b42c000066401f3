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
import re
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
class Signatory:
    office: str  # the signing office (jabatan), e.g. "Ketua Komisi Aparatur Sipil Negara"
    name: str
    nip: str = ""


@dataclass(frozen=True)
class Issuer:
    """Who issues the documents, as stored on the decision at issue (never re-read from settings)."""

    body_name: str
    body_short: str
    address: str
    emblem: str  # data URI
    # The public verification page and whether the file will carry an electronic signature.
    verify_url: str
    signed: bool


@dataclass(frozen=True)
class LetterData:
    issuer: Issuer
    signatory: Signatory
    number: str
    date: str
    place: str
    period_name: str
    rows: list[AnnexRow]
    # From the period's instrument: the Mengingat entries, the bands that earn a charter (lowest
    # first) and the name of the reported value.
    legal_basis: tuple[str, ...] = ()
    charter_bands: tuple[str, ...] = ()
    result_label: str = ""
    part_labels: tuple[str, ...] = ()
    copies_to: tuple[str, ...] = ()

    @property
    def office_upper(self) -> str:
        return self.signatory.office.upper()

    @property
    def subject(self) -> str:
        return f"PENETAPAN HASIL PENILAIAN PENERAPAN SISTEM MERIT {self.period_name.upper()}"

    @property
    def considering(self) -> tuple[str, ...]:
        return considering_points(period_name=self.period_name, office=self.signatory.office)

    @property
    def mengingat(self) -> tuple[str, ...]:
        return legal_basis_points(self.legal_basis)

    @property
    def dictums(self) -> tuple[tuple[str, str], ...]:
        texts = [
            f"Menetapkan hasil penilaian penerapan Sistem Merit dalam Manajemen Aparatur Sipil Negara "
            f"terhadap {len(self.rows)} instansi pemerintah pada {self.period_name}, berupa "
            f"{self.result_label or 'Nilai'} dan kategorinya, sebagaimana tercantum "
            f"dalam Lampiran yang merupakan bagian tidak terpisahkan dari Keputusan ini."
        ]
        if self.charter_bands:
            bands = list(self.charter_bands)
            named = bands[0] if len(bands) == 1 else ", ".join(bands[:-1]) + " atau " + bands[-1]
            texts.append(
                f"Instansi pemerintah dengan kategori {named} diberikan Piagam Penghargaan yang "
                f"keasliannya dapat diperiksa melalui nomor seri atau kode QR pada piagam."
            )
        texts.append("Keputusan ini mulai berlaku pada tanggal ditetapkan.")
        return tuple(zip(DICTUM_ORDINALS, texts, strict=False))


@dataclass(frozen=True)
class CharterData:
    issuer: Issuer
    signatory: Signatory
    institution: str
    category: str
    score: str
    decision_number: str
    decision_date: str
    place: str
    period_name: str
    serial: str
    verify_url: str
    result_label: str = ""
    # Revoked charters carry a large mark with the date of the revocation.
    revoked_on: str = ""
    # When the instrument has more than one component (19/2025: maturity, staff survey, bonus):
    # each component's short name, value and weight, printed next to the value. Empty: one line.
    parts: tuple["ValuePart", ...] = ()


@dataclass(frozen=True)
class ValuePart:
    """One component of a multi-component value, as a charter or report prints it."""

    name: str
    value: str
    weight: str  # as a share of the final value ("75%"); empty for a bonus added as it is


_PARENTHESIS = re.compile(r"\s*\([^)]*\)")


def part_name(name: str) -> str:
    """A component's name without its parenthetical note, for one line on a charter:
    "Kematangan penerapan (penilaian mandiri terverifikasi)" → "Kematangan penerapan"."""
    return _PARENTHESIS.sub("", name).strip() or name


@dataclass(frozen=True)
class ReportAspect:
    number: int
    name: str
    self_value: str
    verified_value: str
    gap: str
    maximum: str


@dataclass(frozen=True)
class ReportStrength:
    number: int
    name: str
    value: str
    maximum: str
    share: str


@dataclass(frozen=True)
class ReportRecommendation:
    number: int
    name: str
    text: str


@dataclass(frozen=True)
class ReportPrevious:
    """The institution's previous final result and the change from it."""

    period_name: str
    value: str
    category: str
    change: str
    # Set when the previous period used another instrument: the change is then the index's.
    note: str = ""
    # The previous instrument's name for its value ("Nilai"); empty: the same as the report's.
    label: str = ""


@dataclass(frozen=True)
class ReportDimension:
    name: str
    value: str  # "—" below the questionnaire's minimum of respondents


@dataclass(frozen=True)
class ReportSurvey:
    """The staff survey's dimensions (19/2025), under the minimum-respondents rule."""

    run_here: bool  # False: the figure was entered from a survey run elsewhere
    minimum: str
    counted: str  # "" below the minimum (no figure is shown)
    dimensions: tuple[ReportDimension, ...] = ()

    @property
    def shown(self) -> bool:
        return bool(self.counted)


@dataclass(frozen=True)
class ReportData:
    """The result report (Laporan Hasil Penilaian) of one institution in one period."""

    issuer: Issuer
    institution: str
    kind_name: str
    period_name: str
    instrument_name: str
    regulation: tuple[str, ...]
    result_label: str
    final: bool  # the decision that covers the assessment is issued
    decision_number: str
    decision_date: str
    value: str
    maximum: str
    category: str
    index: str  # "" unless the value has more than one component
    parts: tuple[ValuePart, ...]
    previous: ReportPrevious | None
    aspects: tuple[ReportAspect, ...]
    totals: ReportAspect
    strength_rule: str
    strengths: tuple[ReportStrength, ...]
    recommendations: tuple[ReportRecommendation, ...]
    survey: ReportSurvey | None
    generated_at: str


DICTUM_ORDINALS = ("KESATU", "KEDUA", "KETIGA", "KEEMPAT", "KELIMA", "KEENAM", "KETUJUH", "KEDELAPAN")

# The law in force: UU 20/2023 revoked and replaced UU 5/2014 (its Article 75), so it is cited on
# its own, first, with its promulgation references, and any entry naming either law is replaced.
ASN_LAW = (
    "Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara (Lembaran Negara Republik "
    "Indonesia Tahun 2023 Nomor 141, Tambahan Lembaran Negara Republik Indonesia Nomor 6897)"
)
_ASN_LAW_ENTRY = re.compile(
    r"^\s*(Undang-Undang|UU)\s+(Nomor\s+)?(5\s+Tahun\s+2014|20\s+Tahun\s+2023|5/2014|20/2023)\b", re.I
)


def legal_basis_points(legal_basis: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The numbered Mengingat: the ASN law in force, then the instrument's own legal basis."""
    rest = [entry.strip().rstrip(";.") for entry in legal_basis if entry.strip() and not _ASN_LAW_ENTRY.match(entry)]
    return (ASN_LAW, *rest)


def considering_points(*, period_name: str, office: str) -> tuple[str, ...]:
    """The lettered Menimbang."""
    return (
        "bahwa untuk menjamin penerapan Sistem Merit dalam Manajemen Aparatur Sipil Negara pada "
        "instansi pemerintah, perlu dilakukan penilaian penerapan Sistem Merit secara berkala",
        f"bahwa penilaian mandiri dan verifikasi penerapan Sistem Merit pada {period_name} telah "
        "dilaksanakan dan hasilnya perlu ditetapkan",
        "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu "
        f"menetapkan Keputusan {office} tentang Penetapan Hasil Penilaian Penerapan Sistem Merit {period_name}",
    )


ARTWORK_DIR = Path(__file__).resolve().parent / "artwork"
DEFAULT_EMBLEM = ARTWORK_DIR / "emblem-default.svg"
_EMBLEM_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def emblem_data_uri(path: str | Path | None) -> str:
    """The emblem file as a data URI (stored on the decision at issue); the shipped neutral
    emblem when no file is configured."""
    source = Path(path) if path else DEFAULT_EMBLEM
    mime = _EMBLEM_TYPES.get(source.suffix.lower())
    if mime is None:
        raise ValueError(f"The emblem must be an SVG, PNG or JPEG file: {source}")
    return f"data:{mime};base64," + base64.b64encode(source.read_bytes()).decode("ascii")


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


def report_html(data: ReportData) -> str:
    return render_to_string("certificates/documents/report.html", {"d": data})


def report_pdf(data: ReportData) -> bytes:
    return pdf_from_html(report_html(data), "report.css")


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
