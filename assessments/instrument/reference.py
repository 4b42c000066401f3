"""The reference instruments shipped with the project, written by the team (their texts are
marked as reference texts): one for each regulation the product has carried."""

from pathlib import Path

from assessments.instrument.io import instrument_import
from assessments.models import Instrument

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_FILE = DATA_DIR / "reference_instrument_40_2018.json"
REFERENCE_CODE = "PERMENPANRB-40-2018-REF"
REFERENCE_FILE_2025 = DATA_DIR / "reference_instrument_19_2025.json"
REFERENCE_CODE_2025 = "PERMENPANRB-19-2025-REF"


def _ensure(code: str, path: Path) -> Instrument:
    existing = Instrument.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return instrument_import(data=path.read_bytes(), filename=path.name, user=None, publish=True)


def reference_instrument_ensure() -> Instrument:
    """Load and publish the PermenPANRB 40/2018 reference instrument once; later calls return it."""
    return _ensure(REFERENCE_CODE, REFERENCE_FILE)


def reference_instrument_2025_ensure() -> Instrument:
    """Load and publish the PermenPANRB 19/2025 reference instrument (two components, five levels)."""
    return _ensure(REFERENCE_CODE_2025, REFERENCE_FILE_2025)
