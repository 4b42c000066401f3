"""Benchmark of the WeasyPrint documents (a script that prints figures; not a test).

    .venv/bin/python bench/documents.py [--charters 640] [--rows 640] [--repeat 31]

Prints side by side:
- the median time to render one charter (as the `pdf` worker does: warm fonts and stylesheet);
- the median time to render a minimal one-line HTML page with WeasyPrint (the floor), called
  the plain way, `HTML(string=...).write_pdf()`;
- their ratio (target: within 1.5x);
- the time for a decision letter with an annex of 640 rows (target: under 10 s);
- the wall time for 640 charters on two worker processes.
No database: the documents are rendered from plain data, as `certificates.documents` allows.
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
        body_name="Komisi Aparatur Sipil Negara",
        body_short="KASN",
        institution=f"Pemerintah Kabupaten Contoh Nomor {i} Provinsi Percobaan",
        category=category,
        score=score,
        decision_number="12/KEP.KASN/XI/2026",
        decision_date="22 November 2026",
        place="Jakarta",
        period_name="Penilaian 2026 Semester II",
        signatory_name="Prof. Dr. Penandatangan Contoh",
        signatory_title="Ketua Komisi Aparatur Sipil Negara",
        serial=serial,
        verify_url=f"https://meritsys.example.go.id/v/{serial}/",
    )


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
        body_name="Komisi Aparatur Sipil Negara",
        body_short="KASN",
        number="12/KEP.KASN/XI/2026",
        date="22 November 2026",
        place="Jakarta",
        period_name="Penilaian 2026 Semester II",
        signatory_name="Prof. Dr. Penandatangan Contoh",
        signatory_title="Ketua Komisi Aparatur Sipil Negara",
        rows=annex,
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

    return len(documents.charter_pdf(charter_data(i)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charters", type=int, default=640)
    parser.add_argument("--rows", type=int, default=640)
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()
    _setup()
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from certificates import documents

    data = charter_data(1)
    floor_html = "<p>Penilaian Sistem Merit</p>"
    # Interleave the two measurements so machine noise hits both alike; keep wall and CPU time
    # (CPU time of this process is the steadier figure on a shared machine).
    wall: dict[str, list[float]] = {"floor": [], "charter": []}
    cpu: dict[str, list[float]] = {"floor": [], "charter": []}
    jobs = {"floor": lambda: HTML(string=floor_html).write_pdf(), "charter": lambda: documents.charter_pdf(data)}
    for job in jobs.values():
        job()
    for _ in range(args.repeat):
        for name, job in jobs.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            job()
            wall[name].append(time.perf_counter() - start_wall)
            cpu[name].append(time.process_time() - start_cpu)
    floor, charter = statistics.median(wall["floor"]), statistics.median(wall["charter"])
    floor_cpu, charter_cpu = statistics.median(cpu["floor"]), statistics.median(cpu["charter"])
    warm_config = FontConfiguration()
    floor_warm = median_seconds(lambda: HTML(string=floor_html).write_pdf(font_config=warm_config), args.repeat)
    charter_size = len(documents.charter_pdf(data))

    letter = letter_data(args.rows)
    start = time.perf_counter()
    letter_pdf = documents.letter_pdf(letter)
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

    print(f"WeasyPrint {__import__('weasyprint').__version__}, {os.cpu_count()} CPUs, {args.repeat} repeats")
    print(f"{'':<46}{'wall':>9}      {'CPU':>9}")
    print(
        f"{'charter, median':<46}{charter * 1000:9.1f} ms   {charter_cpu * 1000:9.1f} ms   ({charter_size / 1024:.1f} KiB)"
    )
    print(f"{'floor: one-line page, plain write_pdf()':<46}{floor * 1000:9.1f} ms   {floor_cpu * 1000:9.1f} ms")
    print(
        f"{'ratio charter / floor':<46}{charter / floor:9.2f} x    {charter_cpu / floor_cpu:9.2f} x    (target <= 1.5)"
    )
    print(f"{'  (floor with a warm font config)':<46}{floor_warm * 1000:9.1f} ms   ratio {charter / floor_warm:.2f} x")
    print(f"{f'letter, {args.rows} annex rows':<46}{letter_seconds:9.2f} s    ({letter_pages} pages, target < 10 s)")
    print(
        f"{f'{args.charters} charters, 2 worker processes':<46}{batch_seconds:9.2f} s    "
        f"({batch_render_seconds:.2f} s after pool start; {sum(sizes) / 1024 / 1024:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
