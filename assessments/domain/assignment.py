"""Proposing verifiers for submitted assessments: pure, no database.

Each assessment goes to the verifier whose home region (the oversight region they verify most)
is the assessment's region, the least loaded of those; when nobody has that region, to the least
loaded verifier overall. Each proposal adds one to that verifier's load, so a batch spreads out.
Ties go to the verifier listed first (the caller orders them by name). The admin confirms.
"""

from dataclasses import dataclass


@dataclass
class VerifierLoad:
    id: int
    home_region: str
    open_items: int


def propose(*, assessments: list[tuple[int, str]], verifiers: list[VerifierLoad]) -> dict[int, int]:
    """assessment id → verifier id, for (assessment id, region) pairs in the given order."""
    if not verifiers:
        return {}
    load = {v.id: v.open_items for v in verifiers}
    order = {v.id: n for n, v in enumerate(verifiers)}
    proposal: dict[int, int] = {}
    for assessment_id, region in assessments:
        local = [v for v in verifiers if v.home_region and v.home_region == region]
        pool = local or verifiers
        chosen = min(pool, key=lambda v: (load[v.id], order[v.id]))
        proposal[assessment_id] = chosen.id
        load[chosen.id] += 1
    return proposal
