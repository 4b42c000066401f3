"""The audit page (oversight admins): every recorded write and event, filtered and exported."""

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import role_required
from accounts.roles import is_admin
from audit import exports, selectors
from audit.forms import AuditFilterForm, event_label
from core.auditing import audit_event
from core.outbox import SIDE_EFFECT_FIELDS, outbox_pending, outbox_summary, side_effect_state

SIDE_EFFECTS_SHOWN = 200
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    filters = form.filters() if request.GET else selectors.AuditFilters()
    return form, selectors.audit_entries(filters)


@require_GET
@role_required(is_admin)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page")) if entries is not None else None
    rows = []
    for entry in page or []:
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        rows.append(
            {
                "entry": entry,
                "event": event_label(str(data["event"])) if data.get("event") else "",
                "reason": data.get("reason", ""),
                "changes": selectors.entry_changes(entry),
                "model": entry.content_type.model_class()._meta.verbose_name if entry.content_type_id else "",
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@require_GET
@role_required(is_admin)
def audit_export(request: HttpRequest, fmt: str) -> Any:
    form, entries = _filtered(request)
    if entries is None:
        return render(request, "audit/list.html", {"form": form, "page": None, "rows": [], "query": ""}, status=400)
    user: Any = request.user
    audit_event(instance=user, event="export", actor=request.user, request=request, detail={"what": "audit"})
    if fmt == "xlsx":
        response: HttpResponse | StreamingHttpResponse = HttpResponse(
            exports.audit_xlsx(entries), content_type=XLSX_CONTENT_TYPE
        )
    else:
        response = StreamingHttpResponse(exports.audit_csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@role_required(is_admin)
def side_effects(request: HttpRequest) -> HttpResponse:
    """Pending side effects (the outbox): what waits, since when, and why (issue 14)."""
    now = timezone.now()
    entries = list(outbox_pending().only(*SIDE_EFFECT_FIELDS)[:SIDE_EFFECTS_SHOWN])
    summary = outbox_summary()
    rows = [
        {
            "entry": e,
            "age_minutes": int((now - e.created_at).total_seconds() // 60),
            "state": side_effect_state(e, now=now),
        }
        for e in entries
    ]
    return render(
        request,
        "audit/side_effects.html",
        {"rows": rows, "summary": summary, "shown": len(rows), "limit": SIDE_EFFECTS_SHOWN},
    )
