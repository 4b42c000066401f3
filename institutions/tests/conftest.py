"""Decision fixtures shared with the certificates tests (issued letters after a register change)."""

from certificates.tests.conftest import issued_decision, province, verified_set  # noqa: F401
