"""What a key's kind and scope allow; what its owner may do is left to the shared access rules."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.models import ApiKey, KeyKind


def key_of(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class HasApiKey(BasePermission):
    """Any valid key; writes need a read-write key."""

    message = _("This key is read only.")
    code = "key_read_only"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = key_of(request)
        if key is None:
            return False
        return request.method in SAFE_METHODS or key.can_write


class InstitutionKey(BasePermission):
    message = _("This endpoint needs an institution's key.")
    code = "institution_key_required"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = key_of(request)
        return key is not None and key.kind == KeyKind.INSTITUTION


class OversightKey(BasePermission):
    message = _("This endpoint needs an oversight key.")
    code = "oversight_key_required"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = key_of(request)
        return key is not None and key.kind == KeyKind.OVERSIGHT


class SubmitKey(BasePermission):
    message = _("Only a key with the lead's submit scope can submit.")
    code = "submit_scope_required"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = key_of(request)
        return key is not None and key.can_submit
