"""The level scale: which levels an answer may take and what each is worth.

PermenPANRB 40/2018 answers each indicator on levels 1 to 4, each worth a quarter of the
indicator's maximum; the verifier may also set 0, "not evidenced", worth nothing. Levels above
the first need evidence. Every form, service, import, constraint and score reads the scale from
here. (A later instrument model carries its own scale as data.)
"""

SELF_LEVELS: tuple[int, ...] = (1, 2, 3, 4)
NOT_EVIDENCED = 0
VERIFIED_LEVELS: tuple[int, ...] = (NOT_EVIDENCED, *SELF_LEVELS)
LEVEL_MIN = NOT_EVIDENCED
LEVEL_MAX = SELF_LEVELS[-1]
# The highest level an institution may claim without evidence.
EVIDENCE_FREE_LEVEL = SELF_LEVELS[0]
