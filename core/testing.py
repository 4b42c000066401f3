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
