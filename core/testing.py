"""Helpers for tests that need real services: skip on a bare machine, fail in CI."""

import os
import shutil

import pytest
from django.conf import settings


def services_required() -> bool:
    return os.environ.get("MERITSYS_REQUIRE_SERVICES") == "1"


def require_or_skip(condition: bool, why: str) -> None:
    """In CI (MERITSYS_REQUIRE_SERVICES=1) a missing service is a failure, never a skip."""
    if condition:
        return
    if services_required():
        pytest.fail(f"required in CI: {why}")
    pytest.skip(why)


def require_redis() -> None:
    require_or_skip(bool(settings.REDIS_URL), "REDIS_URL is not set")


def require_postgres() -> None:
    require_or_skip(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "DATABASE_URL is not PostgreSQL")


CHROMIUM = "/usr/bin/chromium"


def require_chromium() -> None:
    require_or_skip(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed")


def job_download(client, url: str, data: dict | None = None, *, language: str | None = None) -> tuple[object, bytes]:
    """Ask for a file that is built as a background job (core.jobs), as a browser would: the request
    redirects to the job's page; the job runs when the request's transaction commits (eagerly in
    tests); the page then links the file. Returns (the job page's response, the file's bytes)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url, data or {})
    assert response.status_code == 302 and response.url.startswith("/jobs/"), (response.status_code, response)
    page = client.get(response.url)
    assert page.status_code == 200, page.status_code
    assert 'data-status="ready"' in page.content.decode(), page.content.decode()
    download = client.get(response.url + "download")
    assert download.status_code == 200, download.status_code
    return page, b"".join(download.streaming_content)
