"""Domain errors shared by every app.

Services raise these; `core.middleware.DomainErrorMiddleware` turns any that a view did not
handle itself into a clear message for the user (never a 500).
"""


class DomainError(Exception):
    """A rule of the domain refused the request. The message is shown to the user."""

    status_code = 400

    def __init__(self, message: str = "", *, errors: list[str] | None = None) -> None:
        self.message = str(message)
        self.errors = [str(e) for e in (errors or [])]
        super().__init__(self.message)


class AccessDenied(DomainError):
    """The user may not do this (403). Named apart from Django's PermissionDenied, which is not a DomainError."""

    status_code = 403


class NotFound(DomainError):
    status_code = 404


class InvalidTransition(DomainError):
    status_code = 409


class EditConflict(DomainError):
    status_code = 409


class ValidationFailed(DomainError):
    status_code = 400
