"""The audit log as CSV (streamed, any length) and .xlsx (write-only workbook)."""

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from auditlog.models import LogEntry
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from audit.forms import event_label
from audit.selectors import entry_changes
from core import spreadsheets

ACTIONS = {0: "create", 1: "update", 2: "delete", 3: "access"}


def _header() -> list[str]:
    return [
        _("Time"),
        _("Who"),
        _("Action"),
        _("Event"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Changes (before → after)"),
        _("Address"),
        _("Request id"),
        _("Details"),
    ]


def _row(entry: LogEntry) -> list[Any]:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    changes = "; ".join(f"{c['field']}: {c['before']} → {c['after']}" for c in entry_changes(entry))
    model = entry.content_type.model_class() if entry.content_type_id else None
    return [
        timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
        entry.actor_email or (entry.actor.email if entry.actor else ""),
        ACTIONS.get(entry.action, str(entry.action)),
        event_label(str(data.get("event", ""))) if data.get("event") else "",
        str(model._meta.verbose_name) if model else "",
        entry.object_pk,
        entry.object_repr,
        changes,
        entry.remote_addr or "",
        entry.cid or "",
        json.dumps({k: v for k, v in data.items() if k != "event"}, ensure_ascii=False) if data else "",
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def audit_csv_lines(entries: QuerySet[LogEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(_header())
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow([spreadsheets.text_safe(v) for v in _row(entry)])


def audit_xlsx(entries: QuerySet[LogEntry]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit log")[:31])
    sheet.append(_header())
    for entry in entries.iterator(chunk_size=2000):
        sheet.append(spreadsheets.row_safe(_row(entry)))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
