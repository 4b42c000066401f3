"""The API's base view: every call made with a key is audited with the key's owner."""

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import key_of
from core.auditing import audit_event


class ApiView(APIView):
    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        key = key_of(request)
        if key is not None:
            audit_event(
                instance=key,
                event="api_call",
                actor=key.owner,
                request=request,
                detail={
                    "method": request.method,
                    "path": request.path[:300],
                    "status": response.status_code,
                    "key": key.prefix,
                },
            )
        return response
