"""Requests whose database connection dropped (issue 14).

A read (GET, HEAD, OPTIONS) that failed on a dropped connection is run once more on a fresh
connection. A write is never run twice; the user is told plainly what happened to it:
- the request committed something before the failure: "saved" (200, never a server error);
- the commit itself failed: nobody can know, so the page says so and asks to check (503);
- nothing was committed: "not saved, try again" (503).

What was committed is known exactly: the database backends in core/db note every commit of an
atomic block, and `DatabaseDropMiddleware` notes every write made outside one (autocommit).
"""

import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

DROPPED = (OperationalError, InterfaceError)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_VERBS = ("insert", "update", "delete")


@dataclass
class RequestWrites:
    committed: bool = False
    commit_failed: bool = False
    dropped: bool = False
    retried: bool = False


_current: contextvars.ContextVar[RequestWrites | None] = contextvars.ContextVar("request_writes", default=None)


def current() -> RequestWrites | None:
    return _current.get()


class CommitNotingMixin:
    """Mixed into the database wrappers: remembers that this request committed (or tried to)."""

    def commit(self) -> None:
        state = _current.get()
        try:
            super().commit()  # type: ignore[misc]  # the mixin always precedes a DatabaseWrapper
        except Exception:
            if state is not None:
                state.commit_failed = True
            raise
        if state is not None:
            state.committed = True


def _close_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # already gone; the next query opens a new one
            logger.debug("closing a dropped connection failed", exc_info=True)


class DatabaseDropMiddleware:
    """Outermost middleware: retries a read once, and keeps the record of what a write committed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = RequestWrites()
        token = _current.set(state)
        try:
            response = self._run(request, state)
            # Safe methods are reads (HTTP semantics; this app never writes on GET except the session
            # and the audit line of a download, both harmless to repeat).
            if state.dropped and request.method in SAFE_METHODS and not state.retried:
                logger.warning(
                    "database connection dropped during %s %s; running it once more", request.method, request.path
                )
                _close_broken_connections()
                state.dropped = False
                state.retried = True
                response = self._run(request, state)
            return response
        finally:
            _current.reset(token)

    def _run(self, request: HttpRequest, state: RequestWrites) -> HttpResponse:
        def watch(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
            result = execute(sql, params, many, context)
            conn = context["connection"]
            if conn.get_autocommit() and str(sql).lstrip()[:6].lower() in WRITE_VERBS:
                state.committed = True
            return result

        default = connections["default"]
        with default.execute_wrapper(watch):
            return self.get_response(request)


def note_dropped(exc: BaseException | None) -> RequestWrites | None:
    """Called by the 500 handler: the request's record if the failure was a dropped connection."""
    state = _current.get()
    if state is None or not isinstance(exc, DROPPED):
        return None
    state.dropped = True
    _close_broken_connections()
    return state
