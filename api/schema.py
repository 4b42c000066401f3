"""OpenAPI: the problem-details responses every operation can give, declared once."""

from typing import Any

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "retry_after": {"type": "integer"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["field", "code", "detail"],
            },
        },
        "current": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status", "detail", "code"],
}

DESCRIPTIONS = {
    "400": "Bad input (the field and a translated message in `errors`)",
    "401": "No key, or an unknown, expired or revoked key",
    "403": "The key's kind or scope, or its owner's role, does not allow this",
    "404": "Nothing here, or nothing this key may see",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "A conflict: a stale version, or a move the workflow does not allow now",
    "412": "The If-Match version is stale",
    "415": "Unsupported media type",
    "428": "Send If-Match (or the version in the body)",
    "429": "Rate limit: wait Retry-After seconds",
}
PUBLIC = ("400", "404", "405", "406", "429")
WITH_KEY = ("400", "401", "403", "404", "405", "406", "415", "429")
WRITES = ("409", "412", "428")


def problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add the problem responses to each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for _path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            open_data = not operation.get("security") or {} in operation.get("security", [])
            statuses = list(PUBLIC if open_data else WITH_KEY)
            if method != "get":
                statuses += list(WRITES)
            responses = operation.setdefault("responses", {})
            for code in statuses:
                responses.setdefault(
                    code, {"description": DESCRIPTIONS[code], "content": {"application/problem+json": {"schema": ref}}}
                )
            if "429" in responses:
                responses["429"].setdefault(
                    "headers", {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}
                )
    return result
