import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The dashboard caches figures keyed by a data fingerprint; tests start from an empty cache so
    # one test's figures can never be served to another with the same fingerprint.
    cache.clear()
    yield
    cache.clear()
