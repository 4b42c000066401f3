"""The reference questionnaire shipped with the project, written by the team (marked as reference
texts), for the PermenPANRB 19/2025 reference instrument's survey component."""

from pathlib import Path

from assessments.instrument.reference import reference_instrument_2025_ensure
from surveys.io import questionnaire_import
from surveys.models import Questionnaire

REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "reference_questionnaire_19_2025.json"
REFERENCE_CODE = "SURVEI-19-2025-REF"


def reference_questionnaire_ensure() -> Questionnaire:
    """Load the reference questionnaire once (and its instrument); later calls return it."""
    existing = Questionnaire.objects.filter(code=REFERENCE_CODE).first()
    if existing is not None:
        return existing
    reference_instrument_2025_ensure()
    return questionnaire_import(data=REFERENCE_FILE.read_bytes(), user=None)
