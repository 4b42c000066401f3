"""The file store (core/storage.py) against a real S3-compatible server, and STORAGE_URL parsing."""

import io
import urllib.error
import urllib.request

import pytest
from django.core.files.storage import default_storage

from core import health, storage
from core.storage_url import StorageUrlError, s3_options
from meritsys.tests.faults_support import free_port

# --- STORAGE_URL -----------------------------------------------------------------------------


def test_storage_url_names_endpoint_bucket_prefix_and_keys():
    options = s3_options("s3+http://AK%2Fx:se%40cret@store.internal:9000/meritsys/prod/files?region=ap-southeast-3")
    assert options["endpoint_url"] == "http://store.internal:9000"
    assert options["bucket_name"] == "meritsys" and options["location"] == "prod/files"
    assert options["access_key"] == "AK/x" and options["secret_key"] == "se@cret"
    assert options["region_name"] == "ap-southeast-3"
    assert options["default_acl"] is None  # private: never a public-read ACL
    https = s3_options("s3://s3.ap-southeast-3.amazonaws.com/meritsys")
    assert https["endpoint_url"] == "https://s3.ap-southeast-3.amazonaws.com"
    assert "access_key" not in https  # the machine's own credentials (instance role, AWS_* variables)


@pytest.mark.parametrize("url", ["http://host/bucket", "s3://host/", "s3:///bucket"])
def test_storage_url_mistakes_are_named(url):
    with pytest.raises(StorageUrlError):
        s3_options(url)


# --- against the server ----------------------------------------------------------------------


def test_store_read_replace_delete_in_the_bucket(s3_storage):
    assert storage.is_remote()
    name = "evidence/ab/abcdef"
    assert storage.store_new(name, io.BytesIO(b"first bytes")) is True
    assert storage.store_new(name, io.BytesIO(b"first bytes")) is False  # content-addressed: kept once
    assert s3_storage.keys(s3_storage.prefix) == [s3_storage.prefix + name]
    assert storage.read_bytes(name) == b"first bytes"

    storage.replace("decisions/1/keputusan-1.pdf", b"%PDF-1 old")
    storage.replace("decisions/1/keputusan-1.pdf", b"%PDF-1 new")
    assert s3_storage.get(s3_storage.prefix + "decisions/1/keputusan-1.pdf") == b"%PDF-1 new"

    storage.delete(name)
    assert not storage.exists(name)
    assert s3_storage.keys(s3_storage.prefix) == [s3_storage.prefix + "decisions/1/keputusan-1.pdf"]
    with pytest.raises(FileNotFoundError):
        storage.open_stream(name)


def test_a_large_file_streams_up_and_down_in_parts(s3_storage):
    # 12 MB: above the 8 MB multipart threshold, so the upload goes in parts.
    data = bytes(range(256)) * (12 * 4096)
    storage.store_new("evidence/12/big", io.BytesIO(data))
    stream, length = storage.open_stream("evidence/12/big")
    chunks = []
    while chunk := stream.read(storage.DOWNLOAD_CHUNK):
        assert len(chunk) <= storage.DOWNLOAD_CHUNK
        chunks.append(chunk)
    stream.close()
    assert length == len(data) and b"".join(chunks) == data


def test_objects_are_private(s3_storage):
    storage.store_new("evidence/cd/private", io.BytesIO(b"secret evidence"))
    anonymous = f"{s3_storage.endpoint}/{s3_storage.BUCKET}/{s3_storage.prefix}evidence/cd/private"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, timeout=5)  # noqa: S310 - the local test server
    # rclone answers 400 (no signature), AWS and MinIO 403: refused either way, and not the bytes.
    assert refused.value.code in (400, 401, 403)
    assert b"secret evidence" not in refused.value.read()


def test_readiness_checks_the_bucket(s3_storage):
    checks = {check.name: check for check in health.readiness()}
    assert checks["storage"].ok and checks["storage"].detail == "ok (bucket)"
    assert s3_storage.keys(s3_storage.prefix + "healthz/") == []  # the probe cleans up after itself


def test_an_unreachable_store_says_so_and_stores_nothing(settings, s3_storage):
    dead = s3_storage.storage_url("dead", port=free_port())
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(dead)},
    }
    with pytest.raises(storage.StorageUnavailable) as caught:
        storage.store_new("evidence/ef/x", io.BytesIO(b"x"))
    assert caught.value.status_code == 503
    assert "cannot be reached" in caught.value.message and "nothing was saved" in caught.value.message
    assert isinstance(caught.value, ConnectionError)  # the outbox and the render tasks retry it
    with pytest.raises(storage.StorageUnavailable):
        storage.open_stream("evidence/ef/x")
    checks = {check.name: check for check in health.readiness()}
    assert not checks["storage"].ok
    assert default_storage.__class__.__name__ == "S3Storage"
