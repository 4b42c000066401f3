"""The reference instrument shipped with the project (PermenPANRB 40/2018 structure)."""

from pathlib import Path

from assessments.instrument.io import instrument_import
from assessments.models import Instrument

REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "reference_instrument_40_2018.json"
REFERENCE_CODE = "PERMENPANRB-40-2018-REF"


def reference_instrument_ensure() -> Instrument:
    """Load and publish the reference instrument once; later calls return it unchanged."""
    existing = Instrument.objects.filter(code=REFERENCE_CODE).first()
    if existing is not None:
        return existing
    return instrument_import(data=REFERENCE_FILE.read_bytes(), filename=REFERENCE_FILE.name, user=None, publish=True)
