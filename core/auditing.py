"""Audit entries that are not a model save: sign-ins, second-factor events, downloads, and
relations written in bulk (which send no signal django-auditlog could hear).

Model saves and deletes are recorded by django-auditlog itself (audit/registry.py); these
helpers write the same LogEntry rows, so one page and one export show everything.
"""

from typing import Any

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.encoding import smart_str

from core.audit_registry import scope_of

# Kinds of event kept in additional_data["event"]; the audit page names them.
EVENTS = (
    "login",
    "login_failed",
    "logout",
    "logout_everywhere",
    "password_reset_requested",
    "otp_enrolled",
    "otp_verified",
    "otp_failed",
    "otp_recovery_used",
    "otp_recovery_regenerated",
    "otp_reset_by_admin",
    "download",
    "export",
    "verifiers_assigned",
    "deadline_extended",
    "api_call",
)


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_email": getattr(actor, "email", None)}
    return {}


def _request_fields(request: Any) -> dict[str, Any]:
    if request is None:
        return {}
    from core.network import client_address

    address = client_address(request)
    return {"remote_addr": None if address == "unknown" else address}


def audit_event(
    *,
    instance: Model,
    event: str,
    actor: Any = None,
    request: Any = None,
    detail: dict[str, Any] | None = None,
    action: int = LogEntry.Action.ACCESS,
    changes: dict[str, Any] | None = None,
) -> LogEntry:
    """Record one event about `instance` (a user for sign-ins, a file's owner for downloads)."""
    data: dict[str, Any] = {**scope_of(instance), "event": event}
    if detail:
        data.update(detail)
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_pk=smart_str(instance.pk),
        object_id=instance.pk if isinstance(instance.pk, int) else None,
        object_repr=smart_str(instance)[:2000],
        action=action,
        changes=changes or {},
        changes_text="",
        additional_data=data,
        cid=getattr(request, "request_id", None) or get_cid(),
        **_actor_fields(actor),
        **_request_fields(request),
    )


def audit_access(
    *, instance: Model, user: Any, request: Any = None, what: str = "download", detail: dict[str, Any] | None = None
) -> LogEntry:
    """A file left the system (evidence, decision letter, charter, export)."""
    return audit_event(instance=instance, event=what, actor=user, request=request, detail=detail)


def audit_relation_added(*, instance: Model, field: str, objects: list[Any], actor: Any = None) -> LogEntry | None:
    """Rows added to a many-to-many relation in bulk (bulk_create sends no m2m signal)."""
    if not objects:
        return None
    return audit_event(
        instance=instance,
        event=f"{field}_assigned" if field == "verifiers" else f"{field}_added",
        actor=actor,
        action=LogEntry.Action.UPDATE,
        changes={field: {"type": "m2m", "operation": "add", "objects": [smart_str(o) for o in objects]}},
    )
