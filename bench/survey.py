"""Benchmark the staff survey's answer endpoint under gunicorn on PostgreSQL, and the
aggregation of one million stored responses (run from the project root).

    .venv/bin/python bench/survey.py [--pg postgres://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/2]
                                     [--seconds 60] [--clients 8] [--responses 1000000]

1. (Re)creates the database meritsys_bench_survey, migrates, loads the 19/2025 reference
   instrument and questionnaire, opens survey dates on a period and one survey per institution
   of the register (population 100 000 each), and signs enough one-time forms in advance (the
   page's GET is not what is measured).
2. Starts `gunicorn meritsys.wsgi -w 3` on a free 127.0.0.1 port (the flood limit raised, since
   every request comes from 127.0.0.1) and, in one run, drives for `--seconds` each:
   - the floor: GET /healthz (a bare view under the same gunicorn);
   - the real answer endpoint: POST /s/<id>/ with all 20 answers, CSRF cookie and token, spread
     over the surveys; every answer must be 302 (stored, thanked), else it counts as an error.
   It prints requests per second, p50 and p95 for both and the ratio.
3. Inserts `--responses` responses spread over every survey (one INSERT … SELECT), then times
   `totals_by_survey()` (one grouped query) plus the values of every survey (pure arithmetic).
Targets: ≥ 150 responses/s, p95 < 300 ms, no errors; aggregation of 1 000 000 under 30 s.
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
DB_NAME = "meritsys_bench_survey"
HOST = "127.0.0.1"

SETUP = r"""
import datetime as dt, json, time
import core.outbox
core.outbox.outbox_publish = lambda **kwargs: False  # no worker here: the posters stay in the outbox
from unittest import mock
from django.utils import timezone
from assessments.models import Period
from assessments.periods.services import assessment_get_or_create
from institutions.models import Institution
from institutions.services import register_import
from surveys import services
from surveys.models import Survey
from surveys.reference import reference_questionnaire_ensure
from surveys.selectors import questionnaire_data
if not Institution.objects.exists():
    register_import()
q = reference_questionnaire_ensure()
today = timezone.localdate()
period, _ = Period.objects.get_or_create(name="Bench survei", defaults=dict(instrument=q.component.instrument,
    self_assessment_opens=today - dt.timedelta(days=5), self_assessment_closes=today + dt.timedelta(days=30),
    verification_closes=today + dt.timedelta(days=60)))
services.survey_window_set(period=period, opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=14), user=None)
ids = []
for inst in Institution.objects.filter(active=True).order_by("code"):
    a = assessment_get_or_create(institution=inst, period=period)
    s = Survey.objects.filter(assessment=a).first() or services.survey_open(assessment=a, user=None, population=100000)
    ids.append(s.public_id)
codes = [i.code for i in questionnaire_data(q.pk).items]
print(json.dumps({"ids": ids, "codes": codes}))
"""

TOKENS = r"""
import json, sys, time
from unittest import mock
from surveys import services
from surveys.models import Survey

surveys = list(Survey.objects.order_by("pk"))
out = []
with mock.patch("surveys.services.time.time", return_value=time.time() - 300):
    for n in range(COUNT):
        s = surveys[n % len(surveys)]
        out.append([s.public_id, services.form_token(s)])
print(json.dumps(out))
"""

AGGREGATE = r"""
import time
from django.db import connection
from surveys.aggregate import totals_by_survey
from surveys.domain import survey_value
from surveys.models import Survey
from surveys.selectors import questionnaire_data
started = time.perf_counter()
totals = totals_by_survey()
spec = questionnaire_data(Survey.objects.first().questionnaire_id).spec
values = {sid: survey_value(spec, t).value for sid, t in totals.items()}
elapsed = time.perf_counter() - started
print(sum(t.responses for t in totals.values()), len(values), f"{elapsed:.2f}")
"""

INSERT = """
WITH ids AS (SELECT array_agg(id ORDER BY id) AS a FROM surveys_survey),
     pool AS (SELECT array_agg(answers ORDER BY v) AS a FROM (
         SELECT v, (SELECT jsonb_object_agg(code, 1 + ((v * 7 + ord * 3) %% 5))
                    FROM unnest(%(codes)s::text[]) WITH ORDINALITY AS t(code, ord)) AS answers
         FROM generate_series(0, 96) v) p)
INSERT INTO surveys_response (survey_id, answers, submitted_on, duration_seconds, nonce, device_hash,
                              too_fast, straight_lined, duplicate, excluded)
SELECT ids.a[1 + g %% cardinality(ids.a)], pool.a[1 + g %% 97], CURRENT_DATE, 240, 'bench-' || g, '',
       false, false, false, false
FROM generate_series(1, %(n)s) g, ids, pool
"""


def request(port: int, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.headers, data


def drive(seconds: float, clients: int, one) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    """Run `one(client_index)` from `clients` threads for `seconds`; latencies and error count."""
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(index: int) -> None:
        local = []
        bad = 0
        while time.perf_counter() < stop:
            started = time.perf_counter()
            ok = one(index)
            local.append(time.perf_counter() - started)
            bad += 0 if ok else 1
        with lock:
            timings.extend(local)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors[0]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--floor-seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--responses", type=int, default=1_000_000)
    options = parser.parse_args()

    recreate_database(options.pg, DB_NAME)
    env = {
        **os.environ,
        "DATABASE_URL": f"{options.pg}/{DB_NAME}",
        "REDIS_URL": options.redis,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-survey-not-a-secret-0123456789-abcdefghijklmnop",
        "SURVEY_SUBMISSIONS_PER_ADDRESS_HOUR": "100000000",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    t0 = time.perf_counter()
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    setup = json.loads(run([PY, "manage.py", "shell", "-c", SETUP], env).strip().splitlines()[-1])
    codes = setup["codes"]
    # Enough one-time forms for the whole run at up to 400 answers/s.
    count = int(options.seconds * 400) + 2000
    forms = json.loads(
        run([PY, "manage.py", "shell", "-c", TOKENS.replace("COUNT", str(count))], env).strip().splitlines()[-1]
    )
    print(f"setup: {len(setup['ids'])} surveys, {len(forms)} forms signed in {time.perf_counter() - t0:.1f} s")

    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "meritsys.wsgi", "-w", str(options.workers), "-b", f"{HOST}:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(200):
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        # One CSRF cookie and token per client, from a real GET of the page.
        csrf: list[tuple[str, str]] = []
        for i in range(options.clients):
            status, headers, page = request(port, "GET", f"/s/{forms[i][0]}/")
            cookie = next(
                (h.split(";", 1)[0] for h in headers.get_all("Set-Cookie") or [] if h.startswith("csrftoken=")), ""
            )
            match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if status != 200 or not cookie or not match:
                sys.exit(f"survey page not usable ({status})")
            csrf.append((cookie, match.group(1).decode()))
        answers = urllib.parse.urlencode({code: str(1 + (n * 3) % 5) for n, code in enumerate(codes)})
        next_form = [options.clients]
        lock = threading.Lock()

        def floor(_index: int) -> bool:
            return request(port, "GET", "/healthz")[0] == 200

        def answer(index: int) -> bool:
            with lock:
                n = next_form[0]
                next_form[0] += 1
            public_id, token = forms[n % len(forms)]
            cookie, middleware = csrf[index]
            body = f"csrfmiddlewaretoken={middleware}&form_token={urllib.parse.quote(token)}&{answers}"
            status, _h, _b = request(
                port,
                "POST",
                f"/s/{public_id}/",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie,
                    "Referer": f"http://{HOST}:{port}/s/{public_id}/",
                    "User-Agent": f"bench-{index}",
                },
            )
            return status == 302

        drive(3, options.clients, floor)  # warm up both paths in every worker
        floor_t, floor_err = drive(options.floor_seconds, options.clients, floor)
        answer_t, answer_err = drive(options.seconds, options.clients, answer)
    finally:
        server.terminate()
        server.wait(timeout=10)

    print()
    print(f"{'endpoint':28} {'seconds':>7} {'requests':>8} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}")
    for name, seconds, timings, errors in (
        ("floor GET /healthz", options.floor_seconds, floor_t, floor_err),
        ("answer POST /s/<id>/", options.seconds, answer_t, answer_err),
    ):
        print(
            f"{name:28} {seconds:>7.0f} {len(timings):>8} {len(timings) / seconds:>7.1f} "
            f"{statistics.median(timings) * 1000:>7.1f} {pct(timings, 0.95) * 1000:>7.1f} {errors:>6}"
        )
    rate = len(answer_t) / options.seconds
    floor_rate = len(floor_t) / options.floor_seconds
    p95 = pct(answer_t, 0.95) * 1000
    print(f"answers/s ÷ floor requests/s: {rate / floor_rate:.2f}")
    met = rate >= 150 and p95 < 300 and answer_err == 0
    print(f"target ≥ 150 answers/s, p95 < 300 ms, no errors: {'MET' if met else 'NOT MET'}")

    import psycopg2

    conn = psycopg2.connect(f"{options.pg}/{DB_NAME}")
    conn.autocommit = True
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(INSERT, {"n": options.responses, "codes": codes})
        cur.execute("ANALYZE surveys_response")
    conn.close()
    print(f"\ninserted {options.responses:,} responses in {time.perf_counter() - started:.1f} s")
    counted, surveys, seconds = run([PY, "manage.py", "shell", "-c", AGGREGATE], env).split()[-3:]
    print(
        f"aggregation: {int(counted):,} responses over {surveys} surveys in {seconds} s "
        f"(target < 30 s: {'MET' if float(seconds) < 30 else 'NOT MET'})"
    )
    recreate_database(options.pg, DB_NAME)  # leave an empty database behind


if __name__ == "__main__":
    main()
