"""Benchmark the REST API under gunicorn on PostgreSQL (run from the project root).

    .venv/bin/python bench/api.py [--pg postgres://postgres@127.0.0.1:5432] [--requests 200] [--keep]

1. (Re)creates the database meritsys_bench_api, migrates, runs `seed_national --periods 1` (one
   period with a verified assessment and its scores for every institution of the register), and
   opens a draft assessment for one institution in a new running period; creates an oversight key
   and the institution lead's submit key through the service (as the keys page does).
2. Starts `gunicorn meritsys.wsgi -w 2` on a free 127.0.0.1 port (no Redis: the local cache).
3. Measures, one client, `--requests` each: /healthz (a bare view: the floor), one page of 100
   assessments with their scores, a bulk update of the 33 answers of the draft (each request
   changes every level, so every answer is written); and `--walks` full cursor walks over all
   assessments (pages of 100). Prints median and p95 in ms and the p95 ratio to the floor.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from support import free_port, recreate_database, run

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB_NAME = "meritsys_bench_api"
HOST = "127.0.0.1"

SETUP = """
import datetime as dt
from django.utils import timezone
from accounts.models import User, Role
from api.services import apikey_create
from assessments.instrument.reference import reference_instrument_ensure
from assessments.models import Assessment, Period
from assessments.periods.services import assessment_get_or_create
from institutions.models import Institution, Membership

admin, _ = User.objects.get_or_create(email="bench-admin@meritsys.local", defaults={"full_name": "Bench", "role": Role.ADMIN})
lead, _ = User.objects.get_or_create(email="bench-lead@meritsys.local", defaults={"full_name": "Lead", "role": Role.INSTITUTION})
institution = Institution.objects.order_by("code").first()
Membership.objects.get_or_create(user=lead, defaults={"institution": institution, "role": "lead"})
today = timezone.localdate()
period, _ = Period.objects.get_or_create(name="Bench running", defaults=dict(instrument=reference_instrument_ensure(),
    self_assessment_opens=today - dt.timedelta(days=5), self_assessment_closes=today + dt.timedelta(days=30),
    verification_closes=today + dt.timedelta(days=60)))
draft = assessment_get_or_create(institution=institution, period=period)
codes = list(draft.answers.order_by("pk").values_list("indicator__code", flat=True))
version = max(draft.answers.values_list("version", flat=True))
print(json.dumps({"admin": apikey_create(user=admin, name="bench", scope="read")[1],
    "lead": apikey_create(user=lead, name="bench", scope="submit")[1], "draft": draft.pk, "codes": codes,
    "version": version, "assessments": Assessment.objects.count()}))
"""


def call(port: int, method: str, path: str, key: str | None = None, body: object = None) -> tuple[int, bytes, float]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, payload, time.perf_counter() - started


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--walks", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_DEBUG"}}
    env.update(
        DATABASE_URL=f"{options.pg}/{DB_NAME}",
        DJANGO_SETTINGS_MODULE="meritsys.settings",
        LOG_LEVEL="WARNING",
        API_CALLS_PER_MINUTE="100000000",
    )
    recreate_database(options.pg, DB_NAME)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    print(run([PY, "manage.py", "seed_national", "--periods", "1"], env).strip().splitlines()[-1])
    world = json.loads(run([PY, "manage.py", "shell", "-c", "import json\n" + SETUP], env).strip().splitlines()[-1])
    print(f"assessments: {world['assessments']}; draft answers: {len(world['codes'])}")

    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "meritsys.wsgi", "-w", "2", "-b", f"{HOST}:{port}", "--log-level", "warning"], cwd=ROOT, env=env
    )
    try:
        for _ in range(200):
            try:
                if call(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        admin, lead = world["admin"], world["lead"]
        page = "/api/v1/assessments/?page_size=100"
        bulk_path = f"/api/v1/assessments/{world['draft']}/answers/"
        version = world["version"]

        def bulk() -> tuple[int, bytes, float]:
            nonlocal version
            level = 1 + version % 2
            rows = [{"indicator": c, "level": level, "version": version} for c in world["codes"]]
            result = call(port, "POST", bulk_path, lead, {"answers": rows})
            if result[0] != 200:
                sys.exit(f"bulk update: {result[0]} {result[1][:300]!r}")
            version += 1
            return result

        for _ in range(10):  # warm both workers
            call(port, "GET", "/healthz")
            call(port, "GET", page, admin)
        results: dict[str, list[float]] = {"floor /healthz": [], "page of 100 with scores": [], "bulk update 33": []}
        for _ in range(options.requests):
            results["floor /healthz"].append(call(port, "GET", "/healthz")[2])
            status, _body, seconds = call(port, "GET", page, admin)
            assert status == 200, status
            results["page of 100 with scores"].append(seconds)
            results["bulk update 33"].append(bulk()[2])
        walks: list[float] = []
        pages = 0
        for _ in range(options.walks):
            started = time.perf_counter()
            path: str | None = page
            count = 0
            while path:
                status, body, _seconds = call(port, "GET", path, admin)
                data = json.loads(body)
                count += len(data["results"])
                pages += 1
                nxt = data["next"]
                path = nxt[nxt.index("/api/") :] if nxt else None
            walks.append(time.perf_counter() - started)
            assert count == world["assessments"], (count, world["assessments"])
        floor = p95(results["floor /healthz"])
        print(f"\n{'what':28} {'n':>5} {'median ms':>10} {'p95 ms':>9} {'p95/floor':>10}")
        for name, values in results.items():
            high = p95(values)
            print(
                f"{name:28} {len(values):>5} {statistics.median(values) * 1000:>10.1f} {high * 1000:>9.1f} {high / floor:>10.2f}"
            )
        print(
            f"{'full cursor walk':28} {len(walks):>5} {statistics.median(walks) * 1000:>10.1f} "
            f"{p95(walks) * 1000:>9.1f} {p95(walks) / floor:>10.2f}   ({pages // len(walks)} pages per walk)"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        if not options.keep:
            recreate_database(options.pg, DB_NAME)


if __name__ == "__main__":
    main()
