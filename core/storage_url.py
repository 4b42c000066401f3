"""`STORAGE_URL`: where evidence and documents live when they are not on the local disk.

    s3://KEY:SECRET@HOST[:PORT]/BUCKET[/PREFIX]?region=REGION       endpoint over https
    s3+http://KEY:SECRET@HOST[:PORT]/BUCKET[/PREFIX]?region=REGION  endpoint over plain http
                                                                    (a store on the same private
                                                                    network, or a test server)

Key and secret are percent-encoded; leave them out (``s3://HOST/BUCKET``) to use the machine's
own credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, an instance role). The result is the
``OPTIONS`` of django-storages' S3 backend. Query options: ``region`` (default us-east-1),
``addressing`` (``path``, the default, or ``virtual``), ``connect_timeout`` (5 s) and
``read_timeout`` (30 s).
"""

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.config import Config


class StorageUrlError(ValueError):
    pass


def s3_options(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in {"s3", "s3+http", "s3+https"}:
        raise StorageUrlError(f"STORAGE_URL must start with s3:// or s3+http://, not {parts.scheme}://")
    if not parts.hostname:
        raise StorageUrlError("STORAGE_URL names no host (the S3 endpoint)")
    bucket, _, prefix = parts.path.lstrip("/").partition("/")
    if not bucket:
        raise StorageUrlError("STORAGE_URL names no bucket (s3://host/BUCKET)")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    scheme = "http" if parts.scheme == "s3+http" else "https"
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    endpoint = f"{scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": query.get("region", "us-east-1"),
        "location": prefix.strip("/"),
        # Private objects: no ACL header (the bucket's private default applies), and url() would
        # only ever sign; the app never hands a bucket URL to a browser anyway.
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": True,
        # Fail fast when the store is unreachable (the page says so, the task retries) instead
        # of holding a web worker for botocore's default minute; three tries in all.
        "client_config": Config(
            s3={"addressing_style": query.get("addressing", "path")},
            signature_version="s3v4",
            connect_timeout=float(query.get("connect_timeout", 5)),
            read_timeout=float(query.get("read_timeout", 30)),
            retries={"max_attempts": 3, "mode": "standard"},
        ),
        # A read spills to a temporary file past 1 MB instead of growing in memory.
        "max_memory_size": 1024 * 1024,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    return options
