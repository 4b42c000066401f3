"""Password rules beyond Django's defaults: the e-mail's local part and the product's own words.

Django's similarity validator splits the e-mail at every non-word character, so
`editor.ciamis@...` is compared with `editor`, `ciamis` and the whole address, never with
`editor.ciamis`, which then passes. Its common-password list knows nothing of this product:
`merit2026` is what a new user types first.
"""

import re
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Words every user of the product knows, alone or followed by a year (checked without
# punctuation, so `Merit-2026` is refused too).
PRODUCT_WORDS = ("merit", "meritsys", "sistemmerit", "meritsystem", "kasn", "bkn", "katasandi", "rahasia", "password")
PRODUCT_YEARS = range(2015, 2041)


def _product_passwords() -> set[str]:
    found = set(PRODUCT_WORDS)
    for word in PRODUCT_WORDS:
        for year in PRODUCT_YEARS:
            found.add(f"{word}{year}")
            found.add(f"{year}{word}")
    return found


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's check against the e-mail and the full name, plus the e-mail's local part."""

    def __init__(self, max_similarity: float = 0.7) -> None:
        super().__init__(user_attributes=("email", "full_name", "email_local_part"), max_similarity=max_similarity)

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        email = str(getattr(user, "email", "") or "")

        class _View:
            """The user's attributes as the base class reads them, with the local part added."""

            _meta = user._meta
            email_local_part = email.split("@", 1)[0]

        view = _View()
        view.email = email  # type: ignore[attr-defined]  # Django's similarity validator reads attributes of the object it is given
        view.full_name = str(getattr(user, "full_name", "") or "")  # type: ignore[attr-defined]  # Django's similarity validator reads attributes of the object it is given
        local = view.email_local_part
        if local and re.sub(r"\W+", "", password.lower()) == re.sub(r"\W+", "", local.lower()):
            raise ValidationError(
                self.get_error_message(), code="password_too_similar", params={"verbose_name": _("e-mail")}
            )
        super().validate(password, view)  # type: ignore[arg-type]  # Django's similarity validator reads attributes of the object it is given


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20,000 common passwords, plus the product's own words and years."""

    def __init__(self) -> None:
        super().__init__()
        self.product = _product_passwords()

    def validate(self, password: str, user: Any = None) -> None:
        if re.sub(r"[^a-z0-9]", "", password.lower()) in self.product:
            raise ValidationError(self.get_error_message(), code="password_too_common")
        super().validate(password, user)


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id at the parameters OWASP's password storage cheat sheet gives as its first choice
    (19 MiB of memory, 2 passes, 1 lane). Django's own Argon2 defaults ask 100 MiB and 8 lanes;
    PBKDF2 at Django's 1 000 000 iterations costs about 0,3 s of CPU per sign-in, so 640 leads
    signing in on the last day took minutes of a core (docs/performance.md). This costs about
    30 ms. PBKDF2 stays second in PASSWORD_HASHERS: older hashes still verify and are rewritten
    as Argon2id at their next sign-in."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
