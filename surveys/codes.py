"""Single-use codes of a strict-mode survey (pure: no database).

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), written in two
groups of four (``7KQM-R2XD``): 6 characters carry the code's number, 2 are a check.

- The 6 number characters are a keyed permutation (a small Feistel cipher over 31⁶ values,
  cycle-walked) of the code's index 0, 1, 2, …: distinct indices always give distinct codes, and
  without the survey's key the sequence cannot be guessed. The list can therefore be printed
  again from the key and the issued ranges, without storing any code.
- The 2 check characters are a keyed hash of the 6: a typo is told apart from a code that was
  issued and already used (1 typo in 961 passes the check), with no per-code record of use.
- The database keeps, per unused code, only `digest()` (a keyed hash); using a code deletes its
  row in the transaction that stores the response (see surveys.services.response_submit).
"""

import hashlib
import hmac
import re

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31
NUMBER_CHARS = 6
CHECK_CHARS = 2
LENGTH = NUMBER_CHARS + CHECK_CHARS
SPACE = BASE**NUMBER_CHARS  # 887 503 681 codes per survey
_HALF_BITS = 15  # 2 × 15 bits cover SPACE (2³⁰ > 31⁶)
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4
_STRIP = re.compile(r"[\s\-–.]+")


def _mac(key: str, message: str) -> bytes:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()


def _round(key: str, number: int, half: int) -> int:
    return int.from_bytes(_mac(key, f"feistel:{number}:{half}")[:4], "big") & _HALF_MASK


def _permute(key: str, value: int) -> int:
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    for number in range(_ROUNDS):
        left, right = right, left ^ _round(key, number, right)
    return (left << _HALF_BITS) | right


def _encipher(key: str, index: int) -> int:
    """A permutation of 0..SPACE-1 (cycle walking keeps a permutation of 0..2³⁰-1 inside)."""
    value = _permute(key, index)
    while value >= SPACE:
        value = _permute(key, value)
    return value


def _chars(value: int, width: int) -> str:
    out = []
    for _n in range(width):
        value, digit = divmod(value, BASE)
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def _check(key: str, number: str) -> str:
    return _chars(int.from_bytes(_mac(key, f"check:{number}")[:8], "big") % (BASE**CHECK_CHARS), CHECK_CHARS)


def code_at(key: str, index: int) -> str:
    """The normalized code (8 characters, no separator) with this index."""
    if not 0 <= index < SPACE:
        raise ValueError("index out of range")
    number = _chars(_encipher(key, index), NUMBER_CHARS)
    return number + _check(key, number)


def grouped(code: str) -> str:
    """``7KQMR2XD`` → ``7KQM-R2XD`` (as printed)."""
    return f"{code[:4]}-{code[4:]}"


def normalize(raw: str) -> str | None:
    """The code as typed (any case, spaces or dashes) in its stored form, or None when it cannot
    be a code (wrong length or a character outside the alphabet)."""
    text = _STRIP.sub("", (raw or "")[:40]).upper()
    if len(text) != LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def checks(key: str, code: str) -> bool:
    """The check characters match (a normalized code): issued by this survey, or a rare typo."""
    return hmac.compare_digest(code[NUMBER_CHARS:], _check(key, code[:NUMBER_CHARS]))


def digest(key: str, code: str) -> str:
    """What the database keeps of an unused code."""
    return _mac(key, f"code:{code}").hex()[:40]
