"""Which models the audit log follows, and what each entry carries besides the diff.

django-auditlog records every save and delete of a registered model (before and after of each
field, the actor and address from the middleware, the request id). Each entry also carries the
ids that the audit page filters on (institution, period, assessment), read from the instance's
own columns so logging costs no extra query.
"""

from collections.abc import Callable
from typing import Any

from auditlog.registry import auditlog
from django.apps import apps

# model label -> (fields never shown, fields shown only as "changed", m2m fields followed)
FOLLOWED: dict[str, dict[str, Any]] = {
    "accounts.User": {"exclude_fields": ["last_login"], "mask_fields": ["password"]},
    "institutions.Institution": {},
    "institutions.Membership": {},
    "assessments.Instrument": {},
    "assessments.CategoryBand": {},
    "assessments.Aspect": {},
    "assessments.Indicator": {},
    "assessments.Level": {},
    "assessments.Period": {},
    "assessments.Extension": {},
    "assessments.Assessment": {"m2m_fields": {"verifiers"}, "exclude_fields": ["answers_changed_at"]},
    "assessments.Answer": {},
    "assessments.Evidence": {},
    "assessments.Clarification": {},
    "assessments.Objection": {},
    "certificates.Decision": {},
    "certificates.TalentPrivilege": {},
    "certificates.Certificate": {"exclude_fields": ["render_status", "render_error", "rendered_at", "pdf"]},
    "assessments.Target": {},
    "assessments.ScaleLevel": {},
    "assessments.Component": {},
    "assessments.SubAspect": {},
    "assessments.ComponentValue": {},
    # Second-factor devices: that one was added, confirmed or removed; never the secret.
    "otp_totp.TOTPDevice": {"include_fields": ["user", "name", "confirmed"]},
    "otp_static.StaticDevice": {"include_fields": ["user", "name", "confirmed"]},
    # API keys: created, revoked (never the digest of the secret).
    "api.ApiKey": {"exclude_fields": ["digest", "last_used_at"]},
}

# Where each model keeps the ids the audit page filters on (attribute names on the instance).
SCOPE: dict[str, dict[str, str]] = {
    "institutions.Institution": {"institution": "pk"},
    "institutions.Membership": {"institution": "institution_id"},
    "assessments.Period": {"period": "pk"},
    "assessments.Extension": {"institution": "institution_id", "period": "period_id"},
    "assessments.Assessment": {"institution": "institution_id", "period": "period_id", "assessment": "pk"},
    "assessments.Answer": {"assessment": "assessment_id"},
    "assessments.ComponentValue": {"assessment": "assessment_id"},
    "certificates.Decision": {"period": "period_id"},
    "certificates.Certificate": {"institution": "institution_id", "assessment": "assessment_id"},
    "api.ApiKey": {"institution": "institution_id"},
}


def scope_of(instance: Any) -> dict[str, Any]:
    """The filterable ids of one instance (no query: only its own columns)."""
    label = instance._meta.label
    found: dict[str, Any] = {}
    for key, attribute in SCOPE.get(label, {}).items():
        value = getattr(instance, attribute, None)
        if value is not None:
            found[key] = value
    return found


def _additional_data(self: Any) -> dict[str, Any] | None:
    return scope_of(self) or None


def register_models() -> None:
    for label, options in FOLLOWED.items():
        model = apps.get_model(label)
        if auditlog.contains(model):
            continue
        if label in SCOPE:
            # django-auditlog asks the instance for `get_additional_data()`; models keep no audit code.
            getter: Callable[[Any], dict[str, Any] | None] = _additional_data
            model.get_additional_data = getter
        auditlog.register(model, **options)
