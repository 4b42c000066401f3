"""Benchmark of the WeasyPrint documents (a script that prints figures; not a test).

    .venv/bin/python bench/documents.py [--charters 640] [--rows 640] [--repeat 31]

Prints side by side:
- per document, the median wall and CPU time to render (as the `pdf` worker does: warm fonts and
  stylesheet) and to sign it (PAdES, pyHanko), beside a minimal one-line HTML page rendered the
  plain way, `HTML(string=...).write_pdf()` (the floor, for context: the old 1.5x target against
  it is retired, the charter is ceremonial now);
- the time for a signed decision letter with an annex of 640 rows (target: under 10 s);
- the wall time for 640 signed charters on two worker processes (target: under 60 s);
- the wall time for 640 result reports (Laporan Hasil Penilaian, unsigned, half of them 40/2018
  and half 19/2025 with survey dimensions) on two worker processes (target: under 3 minutes).
No database: the documents are rendered from plain data, as `certificates.documents` allows. The
signing certificate is a throwaway one made by `certificates.testing.make_pkcs12`.
"""

import argparse
import os
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meritsys.settings")

KINDS = ["KEMENTERIAN", "LPNK", "LNS", "PROVINSI", "KABUPATEN", "KOTA"]
CATEGORIES = [("Sangat Baik", "362,50"), ("Baik", "310,50"), ("Baik", "271,50"), ("Kurang", "183,50")]


def _setup() -> None:
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def charter_data(i: int):
    from certificates import documents

    category, score = CATEGORIES[i % 2]
    serial = f"{i:010d}".translate(str.maketrans("0123456789", "7K3QH9XW2M"))
    return documents.CharterData(
        issuer=issuer(),
        signatory=SIGNATORY(),
        institution=f"Pemerintah Kabupaten Contoh Nomor {i} Provinsi Percobaan",
        category=category,
        score=score,
        result_label="Nilai",
        decision_number="12/KEP.KASN/XI/2026",
        decision_date="22 November 2026",
        place="Jakarta",
        period_name="Penilaian 2026 Semester II",
        serial=serial,
        verify_url=f"https://meritsys.example.go.id/v/{serial}/",
    )


def SIGNATORY():  # noqa: N802  # built after django.setup()
    from certificates import documents

    return documents.Signatory(
        office="Ketua Komisi Aparatur Sipil Negara", name="Prof. Dr. Penandatangan Contoh", nip="197001011995031001"
    )


def issuer():
    from certificates import documents

    return documents.Issuer(
        body_name="Komisi Aparatur Sipil Negara",
        body_short="KASN",
        address="Jalan Contoh Nomor 1, Jakarta",
        emblem=documents.emblem_data_uri(None),
        verify_url="https://meritsys.example.go.id/v/",
        signed=True,
    )


def sign(pdf: bytes) -> bytes:
    from certificates import signing

    return signing.sign_pdf(pdf, reason="Bench", location="Jakarta")


def letter_data(rows: int):
    from certificates import documents

    annex = [
        documents.AnnexRow(
            number=n,
            name=f"Pemerintah {KINDS[n % 6].title()} Contoh Nomor {n}",
            kind=KINDS[n % 6],
            kind_name=documents.KIND_NAMES_ID[KINDS[n % 6]],
            score=CATEGORIES[n % 4][1],
            category=CATEGORIES[n % 4][0],
            charter=n % 4 < 3,
        )
        for n in range(1, rows + 1)
    ]
    return documents.LetterData(
        issuer=issuer(),
        signatory=SIGNATORY(),
        number="12/KEP.KASN/XI/2026",
        date="22 November 2026",
        place="Jakarta",
        period_name="Penilaian 2026 Semester II",
        rows=annex,
        legal_basis=("Peraturan Menteri PANRB Nomor 40 Tahun 2018 tentang Pedoman Sistem Merit",),
        charter_bands=("Baik", "Sangat Baik"),
        result_label="Nilai",
        copies_to=("Presiden Republik Indonesia",),
    )


ASPECTS = [
    ("Perencanaan Kebutuhan dan Standardisasi Jabatan", "0.125"),
    ("Manajemen Talenta", "0.125"),
    ("Pengembangan Kompetensi dan Karier", "0.15"),
    ("Promosi, Rotasi, dan Mutasi", "0.1"),
    ("Manajemen Kinerja", "0.15"),
    ("Penggajian, Penghargaan, dan Disiplin", "0.125"),
    ("Perlindungan dan Pelayanan", "0.1"),
    ("Sistem Informasi Manajemen ASN", "0.125"),
]
SURVEY_DIMENSIONS = ["Keadilan", "Keterbukaan", "Kompetensi", "Kinerja", "Netralitas"]


def report_data(i: int):
    """A result report from plain data: even numbers 19/2025 (index, parts, survey), odd 40/2018."""
    from decimal import Decimal

    from certificates import documents, reports
    from core import formatting

    regime_2 = i % 2 == 0
    scale = Decimal(1) if regime_2 else Decimal(400)
    places = 2
    aspects, rows = [], []
    total_self = total_verified = Decimal(0)
    for n, (name, weight) in enumerate(ASPECTS, start=1):
        maximum = Decimal(weight) * scale
        verified = maximum * Decimal(60 + (n * 7 + i) % 40) / 100
        self_value = min(maximum, verified + maximum * Decimal((n + i) % 3) / 10)
        total_self, total_verified = total_self + self_value, total_verified + verified
        aspects.append(
            documents.ReportAspect(
                number=n,
                name=name,
                self_value=formatting.score(self_value, places),
                verified_value=formatting.score(verified, places),
                gap=formatting.signed(verified - self_value, places),
                maximum=formatting.weight(maximum),
            )
        )
        rows.append((n, name, verified, maximum))
    survey_value = Decimal("0.7125")
    value = total_verified * Decimal("0.75") + survey_value * Decimal("0.25") if regime_2 else total_verified
    parts = (
        (
            documents.ValuePart(
                "Kematangan penerapan (penilaian mandiri terverifikasi)",
                formatting.score(total_verified, places),
                "75%",
            ),
            documents.ValuePart("Survei pegawai", formatting.score(survey_value, places), "25%"),
            documents.ValuePart("Nilai tambah inovasi", formatting.score(0, places), ""),
        )
        if regime_2
        else ()
    )
    return documents.ReportData(
        issuer=issuer(),
        institution=f"Pemerintah Kabupaten Contoh Nomor {i} Provinsi Percobaan",
        kind_name="Pemerintah Kabupaten",
        period_name="Penilaian 2026 Semester II",
        instrument_name=(
            "Instrumen Pengukuran Penerapan Sistem Merit (referensi PermenPANRB 19/2025)"
            if regime_2
            else "Instrumen Penilaian Sistem Merit (referensi PermenPANRB 40/2018)"
        ),
        regulation=(
            "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 19 Tahun 2025 "
            "tentang Penyelenggaraan Sistem Merit dalam Manajemen Aparatur Sipil Negara"
            if regime_2
            else "Peraturan Menteri PANRB Nomor 40 Tahun 2018 tentang Pedoman Sistem Merit",
        ),
        result_label="Indeks Sistem Merit (NISM)" if regime_2 else "Nilai",
        final=True,
        decision_number="12/KEP.KASN/XI/2026",
        decision_date="22 November 2026",
        value=formatting.score(value, places),
        maximum=formatting.weight(scale),
        category="Menengah" if regime_2 else "Baik",
        index=formatting.index(value / scale) if regime_2 else "",
        parts=parts,
        previous=documents.ReportPrevious(
            period_name="Penilaian 2025 Semester II",
            value=formatting.score(value * Decimal("0.9"), places),
            category="Lanjutan" if regime_2 else "Kurang",
            change=formatting.signed(value * Decimal("0.1"), places),
            note=("kategori Lanjutan menjadi Menengah" if regime_2 else "kategori Kurang menjadi Baik"),
        ),
        aspects=tuple(aspects),
        totals=documents.ReportAspect(
            number=0,
            name="Jumlah (kematangan)" if regime_2 else "Jumlah",
            self_value=formatting.score(total_self, places),
            verified_value=formatting.score(total_verified, places),
            gap=formatting.signed(total_verified - total_self, places),
            maximum=formatting.weight(scale),
        ),
        strength_rule=reports.strength_rule(),
        strengths=tuple(reports.strengths(rows, places)),
        recommendations=tuple(
            documents.ReportRecommendation(
                number=n,
                name=name,
                text=(
                    f"Lengkapi bukti dukung pelaksanaan aspek {name.lower()} dan tetapkan target tahunan yang "
                    "terukur; pantau pelaksanaannya setiap triwulan dan laporkan kepada pejabat pembina kepegawaian."
                ),
            )
            for n, (name, _weight) in enumerate(ASPECTS, start=1)
        ),
        survey=documents.ReportSurvey(
            run_here=True,
            minimum="10",
            counted=formatting.count(212 + i),
            dimensions=tuple(
                documents.ReportDimension(name=name, value=formatting.index(Decimal("0.6") + Decimal(k) / 20))
                for k, name in enumerate(SURVEY_DIMENSIONS)
            ),
        )
        if regime_2
        else None,
        generated_at="3 Desember 2026 09.30 WIB",
    )


def median_seconds(fn, repeat: int) -> float:
    fn()  # warm-up: imports, fonts, stylesheet
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _render_charter(i: int) -> int:
    from certificates import documents

    return len(sign(documents.charter_pdf(charter_data(i))))


def _render_report(i: int) -> tuple[int, float]:
    """One report's size and the CPU time its worker spent on it (machine load does not count)."""
    from certificates import documents

    start = time.process_time()
    size = len(documents.report_pdf(report_data(i)))
    return size, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charters", type=int, default=640)
    parser.add_argument("--rows", type=int, default=640)
    parser.add_argument("--reports", type=int, default=640)
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()
    import tempfile

    from certificates.testing import PKCS12_PASSWORD, make_pkcs12

    # Spawned workers read the same variables when they set Django up.
    pki = Path(tempfile.mkdtemp(prefix="bench-pki-"))
    os.environ["DOCUMENT_SIGNING_PKCS12"] = str(make_pkcs12(pki)[0])
    os.environ["DOCUMENT_SIGNING_PASSWORD"] = PKCS12_PASSWORD
    _setup()
    from weasyprint import HTML

    from certificates import documents

    data = charter_data(1)
    one_row = letter_data(1)
    floor_html = "<p>Penilaian Sistem Merit</p>"
    charter_bytes = documents.charter_pdf(data)
    # Interleave the measurements so machine noise hits all alike; keep wall and CPU time
    # (CPU time of this process is the steadier figure on a shared machine).
    jobs = {
        "floor: one-line page, plain write_pdf()": lambda: HTML(string=floor_html).write_pdf(),
        "charter, render": lambda: documents.charter_pdf(data),
        "charter, sign": lambda: sign(charter_bytes),
        "letter with 1 annex row, render + sign": lambda: sign(documents.letter_pdf(one_row)),
        "result report 19/2025, render": lambda: documents.report_pdf(report_data(0)),
    }
    wall: dict[str, list[float]] = {name: [] for name in jobs}
    cpu: dict[str, list[float]] = {name: [] for name in jobs}
    for job in jobs.values():
        job()
    for _ in range(args.repeat):
        for name, job in jobs.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            job()
            wall[name].append(time.perf_counter() - start_wall)
            cpu[name].append(time.process_time() - start_cpu)

    letter = letter_data(args.rows)
    start = time.perf_counter()
    letter_pdf = sign(documents.letter_pdf(letter))
    letter_seconds = time.perf_counter() - start
    import io

    from pypdf import PdfReader

    letter_pages = len(PdfReader(io.BytesIO(letter_pdf)).pages)

    start = time.perf_counter()
    with get_context("spawn").Pool(2, initializer=_setup) as pool:
        pool_ready = time.perf_counter()
        sizes = pool.map(_render_charter, range(args.charters), chunksize=8)
    batch_seconds = time.perf_counter() - start
    batch_render_seconds = time.perf_counter() - pool_ready

    start = time.perf_counter()
    with get_context("spawn").Pool(2, initializer=_setup) as pool:
        pool_ready = time.perf_counter()
        report_results = pool.map(_render_report, range(args.reports), chunksize=8)
    report_sizes = [size for size, _cpu in report_results]
    report_cpu = sum(cpu for _size, cpu in report_results)
    reports_seconds = time.perf_counter() - start
    reports_render_seconds = time.perf_counter() - pool_ready

    print(f"WeasyPrint {__import__('weasyprint').__version__}, {os.cpu_count()} CPUs, {args.repeat} repeats")
    print(f"{'per document, median':<46}{'wall':>9}      {'CPU':>9}    CPU / floor")
    floor_cpu = statistics.median(cpu["floor: one-line page, plain write_pdf()"])
    for name in jobs:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:<46}{w * 1000:9.1f} ms   {c * 1000:9.1f} ms   {c / floor_cpu:6.1f} x")
    print(f"{'charter size':<46}{len(sign(charter_bytes)) / 1024:9.1f} KiB")
    print(
        f"{f'letter, {args.rows} annex rows, signed':<46}{letter_seconds:9.2f} s    "
        f"({letter_pages} pages, target < 10 s)"
    )
    print(
        f"{f'{args.charters} signed charters, 2 worker processes':<46}{batch_seconds:9.2f} s    "
        f"({batch_render_seconds:.2f} s after pool start; {sum(sizes) / 1024 / 1024:.1f} MiB; target < 60 s)"
    )
    print(
        f"{f'{args.reports} result reports, 2 worker processes':<46}{reports_seconds:9.2f} s    "
        f"({reports_render_seconds:.2f} s after pool start; {sum(report_sizes) / 1024 / 1024:.1f} MiB; "
        "target < 180 s)"
    )
    print(
        f"{'  CPU in the workers, all reports':<46}{report_cpu:9.2f} s    "
        f"({report_cpu / max(args.reports, 1) * 1000:.0f} ms per report; wall on an idle 2-core machine "
        f"about {report_cpu / 2:.0f} s)"
    )


if __name__ == "__main__":
    main()
