from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does in the product.

    Institution users are `INSTITUTION`; whether they are an editor or a lead, and of which
    institution, is their Membership (institutions app).
    """

    INSTITUTION = "institution", _("Institution staff")
    VERIFIER = "verifier", _("Verifier")
    ADMIN = "admin", _("Oversight admin")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    nip = models.CharField(
        _("NIP"), max_length=18, blank=True, help_text=_("Civil servant number (18 digits), optional.")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.INSTITUTION)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Part of every session's auth hash: raising it ends all of this user's sessions at once
    # ("sign out everywhere", an admin's second-factor reset), like a password change does.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nip="") | models.Q(nip__regex=r"^[0-9]{18}$"), name="user_nip_18_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


# Who a predicate or service is asked about: a signed-in user or the anonymous visitor
# (`request.user`); services that need a person take `User`.
AnyUser = User | AnonymousUser
