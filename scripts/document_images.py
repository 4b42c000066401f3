"""Remake the document images in docs/certificates.md (first and last page of each PDF, via pdftoppm).

    .venv/bin/python scripts/document_images.py

Renders the documents from plain data (as bench/documents.py does), signed with a throwaway
certificate, and writes docs/document-*.png at 60 dpi.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meritsys.settings")


def main() -> None:
    from certificates.testing import PKCS12_PASSWORD, make_pkcs12

    work = Path(tempfile.mkdtemp(prefix="document-images-"))
    os.environ["DOCUMENT_SIGNING_PKCS12"] = str(make_pkcs12(work)[0])
    os.environ["DOCUMENT_SIGNING_PASSWORD"] = PKCS12_PASSWORD
    import dataclasses

    import documents as bench  # type: ignore[import-not-found]  # bench/documents.py: the sample data

    bench._setup()
    from pypdf import PdfReader

    from certificates import documents

    files = {
        "letter": bench.sign(documents.letter_pdf(bench.letter_data(12))),
        "charter": bench.sign(documents.charter_pdf(bench.charter_data(1))),
        "report": documents.report_pdf(bench.report_data(0)),
        # A 19/2025 charter: the survey part next to the index.
        "charter-2025": bench.sign(
            documents.charter_pdf(
                dataclasses.replace(
                    bench.charter_data(3),
                    result_label="Indeks Sistem Merit (NISM)",
                    score="0,90",
                    category="Tinggi",
                    parts=(
                        documents.ValuePart("Kematangan penerapan", "1,00", "75%"),
                        documents.ValuePart("Survei pegawai", "0,62", "25%"),
                    ),
                )
            )
        ),
        "charter-revoked": bench.sign(
            documents.charter_pdf(dataclasses.replace(bench.charter_data(2), revoked_on="3 Desember 2026"))
        ),
    }
    for name, pdf in files.items():
        path = work / f"{name}.pdf"
        path.write_bytes(pdf)
        target = ROOT / "docs" / f"document-{name}"
        # The letter: its first page and its last (the signed lampiran); a charter is one page;
        # the result report (19/2025 sample): its first page and its last.
        last = len(PdfReader(path).pages)
        for page in sorted({1, last}):
            command = ["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), str(path), str(target)]
            subprocess.run(command, check=True)  # noqa: S603
        print(f"{target}*.png")


if __name__ == "__main__":
    main()
