"""The fault suite's machinery: TCP proxies it can cut, gunicorn and Celery processes, an HTTP client."""

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings


class Proxy:
    """A TCP proxy in front of Redis or PostgreSQL; `cut()` drops every connection and refuses new ones."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for s in (source, target):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def cut(self) -> None:
        self.open = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(port: int | None = None, application_name: str = "") -> str:
    db = settings.DATABASES["default"]
    auth = urllib.parse.quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = port or int(db.get("PORT") or 5432)
    query = f"?application_name={application_name}" if application_name else ""
    return f"postgres://{auth}@{host}:{port}/{urllib.parse.quote(db['NAME'], safe='')}{query}"


class Processes:
    """gunicorn and Celery workers started with one environment; each in its own process group."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], **extra_env: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the process's life
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            command,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(settings.BASE_DIR),
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def gunicorn(self, name: str, port: int, **extra_env: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "gunicorn", "meritsys.wsgi", "--bind", f"127.0.0.1:{port}"]
        command += ["--workers", "2", "--timeout", "60", "--access-logfile", "-"]
        process = self.start(name, command, **extra_env)
        wait_until(lambda: _answers(port), 60, f"{name} did not start")
        return process

    def worker(self, name: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "meritsys", "worker", "-Q", "default,pdf", "-B"]
        command += ["--concurrency", "1", "-l", "info", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h"]
        command += ["--without-mingle", "--without-gossip", "--schedule", str(self.workdir / f"{name}-beat")]
        return self.start(name, command)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=2):  # noqa: S310 - local
            return True
    except (OSError, urllib.error.URLError):
        return False


def wait_until(condition: Any, seconds: float, message: str, every: float = 0.5) -> float:
    """Poll `condition` until true; returns the seconds it took (a measurement, never asserted as timing)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(every)
    raise AssertionError(message)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A person's browser: cookies, the CSRF token, no redirects followed (their status is the answer)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.log: list[tuple[str, str, int, str]] = []

    def _csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == settings.CSRF_COOKIE_NAME:
                return cookie.value or ""
        self.get("/accounts/login/")
        return next((c.value or "" for c in self.jar if c.name == settings.CSRF_COOKIE_NAME), "")

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None):
        headers = {"Accept-Language": "en", **(headers or {})}
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                status, body, saved = (
                    response.status,
                    response.read().decode(errors="replace"),
                    response.headers.get("X-Saved", ""),
                )
        except urllib.error.HTTPError as error:
            status, body, saved = error.code, error.read().decode(errors="replace"), error.headers.get("X-Saved", "")
        self.log.append((method, path, status, saved))
        return status, body, saved

    def get(self, path: str):
        return self.request("GET", path)

    def post(
        self,
        path: str,
        fields: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        htmx: bool = False,
    ):
        token = self._csrf()
        headers = {"X-CSRFToken": token, "Referer": self.base + path}
        if htmx:
            headers["HX-Request"] = "true"
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in (fields or {}).items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                )
            for name, (filename, content) in files.items():
                head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                head += "Content-Type: application/octet-stream\r\n\r\n"
                parts.append(head.encode() + content + b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            return self.request("POST", path, b"".join(parts), headers)
        data = urllib.parse.urlencode(fields or {}, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, data, headers)

    def login(self, email: str, password: str) -> int:
        self.get("/accounts/login/")
        status, _, _ = self.post("/accounts/login/", {"username": email, "password": password})
        return status

    def server_errors(self) -> list[tuple[str, str, int, str]]:
        return [entry for entry in self.log if entry[2] >= 500]


def mail_count(directory: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the file e-mail backend wrote."""
    found = []
    for path in directory.glob("*"):
        for message in path.read_text(errors="replace").split("-" * 79):
            to = re.search(r"^To: (.+)$", message, re.M)
            subject = re.search(r"^Subject: (.+)$", message, re.M)
            if to and subject:
                found.append((to.group(1).strip(), subject.group(1).strip()))
    return found
