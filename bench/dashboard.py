"""Benchmark the dashboards under gunicorn on PostgreSQL (run from the project root).

    .venv/bin/python bench/dashboard.py [--pg postgres://postgres@127.0.0.1:5432] [--keep]

1. (Re)creates the database meritsys_bench_dashboard, migrates, runs `seed_national --periods 5`
   (timed: the seed's own figure on PostgreSQL) and creates an admin account.
2. Starts `gunicorn meritsys.wsgi -w 2` on a free 127.0.0.1 port with that environment.
3. Logs in with a real login POST, then measures in one run the median and p95 latency of the
   national dashboard, an institution profile, the xlsx export and /healthz (a bare view that
   returns a fixed string: the floor), at 1 and at 10 concurrent clients (threads, bounded
   request counts, only 127.0.0.1).
4. Prints the ratios to the floor. Target: dashboard p95 within 3× the floor at 10 clients.
"""

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from support import free_port, recreate_database, run

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB_NAME = "meritsys_bench_dashboard"
EMAIL = "bench-admin@meritsys.local"
PASSWORD = "bench-pass-2026!"
HOST = "127.0.0.1"


class Session:
    """Cookies for one logged-in client, over fresh connections (gunicorn sync closes them)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.headers, data

    def login(self, email: str, password: str) -> None:
        status, _h, page = self.request("GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            sys.exit("login page not found")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": email, "password": password}
        )
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{self.port}/accounts/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"login failed ({status})")


def measure(session: Session, path: str, clients: int, per_client: int) -> list[float]:
    timings: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def worker() -> None:
        own = Session(session.port)
        own.cookies = dict(session.cookies)
        local = []
        for _ in range(per_client):
            started = time.perf_counter()
            status, _h, _body = own.request("GET", path)
            local.append(time.perf_counter() - started)
            # An export answers with a redirect to its background job (core.jobs); without REDIS_URL the
            # job is built eagerly before that answer, so the figure is the whole build.
            if status != 200 and not (status == 302 and path.startswith("/exports/")):
                errors.append(f"{path}: {status}")
        with lock:
            timings.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(f"errors: {errors[:3]}")
    return timings


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--requests", type=int, default=40, help="requests per client at 1 client")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database a --keep run left (no recreate, no seed)"
    )
    options = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_DEBUG"}}
    env["DATABASE_URL"] = f"{options.pg}/{DB_NAME}"
    env["DJANGO_SETTINGS_MODULE"] = "meritsys.settings"
    env["LOG_LEVEL"] = "WARNING"

    print(f"database: {DB_NAME}")
    if not options.reuse:
        recreate_database(options.pg, DB_NAME)
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        started = time.perf_counter()
        print(run([PY, "manage.py", "seed_national", "--periods", "5"], env).strip())
        seed_seconds = time.perf_counter() - started
        print(f"seed_national --periods 5 (PostgreSQL, whole command incl. startup): {seed_seconds:.1f} s")
    ids = run(
        [
            PY,
            "manage.py",
            "shell",
            "-c",
            "from accounts.models import User, Role\n"
            "from assessments.models import Period, Assessment\n"
            f"User.objects.filter(email='{EMAIL}').exists() or User.objects.create_user(email='{EMAIL}', "
            f"password='{PASSWORD}', full_name='Bench Admin', role=Role.ADMIN)\n"
            "p = Period.objects.order_by('-self_assessment_opens').first()\n"
            "a = Assessment.objects.filter(period=p).order_by('institution__code').first()\n"
            "from institutions.models import Institution\n"
            "print(p.pk, a.institution_id, Institution.objects.filter(active=True).count())",
        ],
        env,
    ).split()
    period_id, institution_id, rows = ids[-3], ids[-2], ids[-1]

    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "meritsys.wsgi", "-w", "2", "-b", f"{HOST}:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        session = Session(port)
        for _ in range(100):
            try:
                if session.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        session.login(EMAIL, PASSWORD)
        targets = {
            "floor /healthz": "/healthz",
            "national dashboard": f"/dashboard/?period={period_id}",
            "institution profile": f"/institutions-profile/{institution_id}/",
            f"export xlsx ({rows} rows, eager job)": f"/exports/results.xlsx?period={period_id}",
        }
        # Warm up: both workers load code and fill their caches.
        for path in targets.values():
            measure(session, path, 4, 2)
        results: dict[tuple[str, int], tuple[float, float, int]] = {}
        for clients in (1, 10):
            for name, path in targets.items():
                per_client = options.requests if clients == 1 else max(10, options.requests // 2)
                if name.startswith("export"):
                    per_client = max(5, per_client // 4)
                timings = measure(session, path, clients, per_client)
                results[(name, clients)] = (statistics.median(timings), p95(timings), len(timings))
    finally:
        server.terminate()
        server.wait(timeout=10)

    print()
    print(f"{'view':32} {'clients':>7} {'n':>5} {'median ms':>10} {'p95 ms':>9} {'p95/floor':>10}")
    for clients in (1, 10):
        floor = results[("floor /healthz", clients)][1]
        for name in targets:
            median, high, n = results[(name, clients)]
            print(f"{name:32} {clients:>7} {n:>5} {median * 1000:>10.1f} {high * 1000:>9.1f} {high / floor:>10.2f}")
    ratio = results[("national dashboard", 10)][1] / results[("floor /healthz", 10)][1]
    print()
    print(f"dashboard p95 / floor p95 at 10 clients: {ratio:.2f} (target <= 3): {'MET' if ratio <= 3 else 'NOT MET'}")
    if not options.keep and not options.reuse:
        recreate_database(options.pg, DB_NAME)  # leave an empty database behind, not 3 periods of data


if __name__ == "__main__":
    main()
