"""The deadline rush, played against the production-like stack (run from the project root).

    .venv/bin/python bench/rush.py                 # 640 institutions arriving over 7.5 of 10 minutes
    .venv/bin/python bench/rush.py --quick         # 40 institutions in 2 minutes, for development
    .venv/bin/python bench/rush.py --web-workers 3 --worker-class gthread --threads 4

What it does, in one run:
1. (Re)creates the database meritsys_bench_rush on PostgreSQL, migrates, and builds the rush's world
   in a child process: the register, one open period on the chosen reference instrument, and for each
   institution a lead account and a draft self-assessment whose indicators already hold one evidence
   file each (the rush is about the last saves, not about uploading).
2. Starts gunicorn (3 sync workers by default, as in docker-compose) and one Celery worker on Redis
   (database 7 of the local server, flushed first), with the e-mail backend that drops mail.
3. Plays the rush: institution i arrives at i * arrive / N seconds; its lead signs in with a real login
   POST, opens the home page and every aspect page, saves each indicator through htmx exactly as the
   browser does (HX-Request headers, the CSRF header from the page, the answer's version from the
   form), opens the submit page and submits. Between two requests the person thinks for --think
   seconds (jittered). A probe signed in as one more institution asks for the bare signed-in view
   (/healthz/session) twice a second throughout: the floor, under the same load.
4. After the last submit, waits until the outbox holds no unfinished score computation and every
   submitted assessment has its self score: "every score computed".
5. A second phase puts 20 signed-in people in a loop (aspect page, save, bare view) to compare the
   aspect page and the save with the bare view at the same concurrency.
6. Prints per request kind: count, errors, p50/p95/p99 (ms), requests per second; submitted count;
   the peak backlog of unfinished outbox entries; time from the last submit until every score was
   computed; peak RSS of each gunicorn worker and of the Celery worker. Targets are printed beside
   the figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from support import free_port, recreate_database, run

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CELERY = str(ROOT / ".venv" / "bin" / "celery")
DB_NAME = "meritsys_bench_rush"
PASSWORD = "rush-bench-2026!"
HOST = "127.0.0.1"
PROBE_KIND = "floor (bare signed-in view)"
BADGE_KIND = "inbox count (htmx, on load)"
KINDS = ("login", "home", "aspect page", "save", "submit page", "submit", BADGE_KIND, PROBE_KIND)
# What htmx fetches as soon as a page is shown (hx-trigger="load").
LOAD_GET = re.compile(rb'hx-get="([^"]+)" hx-trigger="load"')

SAVE_FORM = re.compile(rb'hx-post="(/self/\d+/indicator/(\d+)/)"')
VERSION = re.compile(rb'name="version" value="(\d+)"')
LEVEL = re.compile(rb'name="level" value="(\d+)"')
CSRF_HEADER = re.compile(rb"X-CSRFToken&quot;: &quot;([^&]+)&quot;|\"X-CSRFToken\": \"([^\"]+)\"")
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
HX_TARGET = re.compile(rb'hx-target="#([^"]+)"')


# ---------------------------------------------------------------------------------------------------
# The world (runs in a child process with Django set up on the bench database)


def build_world(institutions: int, spare: int, instrument: str) -> dict[str, object]:
    import datetime as dt
    import hashlib

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from assessments.instrument.reference import reference_instrument_2025_ensure, reference_instrument_ensure
    from assessments.models import Answer, Evidence, Period
    from assessments.periods.services import assessment_get_or_create
    from demo.seed import demo_pdf
    from institutions.models import Institution, InstitutionKind, Membership, MembershipRole, Region
    from institutions.services import register_import

    with transaction.atomic():
        if not Institution.objects.exists():
            register_import()
        chosen_instrument = (
            reference_instrument_2025_ensure() if instrument == "2025" else reference_instrument_ensure()
        )
        today = timezone.localdate()
        period = Period.objects.create(
            name=f"Rush {today.isoformat()}",
            instrument=chosen_instrument,
            self_assessment_opens=today - dt.timedelta(days=60),
            self_assessment_closes=today + dt.timedelta(days=1),
            verification_closes=today + dt.timedelta(days=60),
        )
        pool = list(Institution.objects.filter(active=True, separately_assessed=True).order_by("code"))
        needed = institutions + spare + 1
        # The register holds about 650 institutions; the second phase's people and the probe get
        # institutions of their own made for the bench when the register runs short.
        for extra in range(needed - len(pool)):
            pool.append(
                Institution.objects.create(
                    code=f"BENCH{extra:03d}",
                    name=f"Instansi Uji Beban {extra + 1}",
                    short_name=f"Uji Beban {extra + 1}",
                    kind=InstitutionKind.LNS,
                    region=Region.WILAYAH_I,
                )
            )
        password = make_password(PASSWORD)  # one hash for all: the login still checks it per request
        data = demo_pdf("Bukti dukung (bench)")
        stored = default_storage.save("bench/rush-evidence.pdf", ContentFile(data))
        digest = hashlib.sha256(data).hexdigest()
        people = []
        for number, institution in enumerate(pool[:needed]):
            email = f"lead{number:04d}@rush.bench"
            user = User.objects.create(email=email, full_name=f"Lead {institution.code}", role=Role.INSTITUTION)
            User.objects.filter(pk=user.pk).update(password=password)
            Membership.objects.create(user=user, institution=institution, role=MembershipRole.LEAD)
            assessment = assessment_get_or_create(institution=institution, period=period)
            answers = list(Answer.objects.filter(assessment=assessment).values_list("pk", flat=True))
            Evidence.objects.bulk_create(
                Evidence(
                    answer_id=answer_id,
                    file=stored,
                    original_name="bukti.pdf",
                    size=len(data),
                    sha256=digest,
                    content_type="application/pdf",
                    uploaded_by=user,
                )
                for answer_id in answers
            )
            people.append({"email": email, "assessment": assessment.pk, "indicators": len(answers)})
        aspects = sorted(set(chosen_instrument.aspects.values_list("number", flat=True)))
    return {"period": period.pk, "aspects": aspects, "people": people}


# ---------------------------------------------------------------------------------------------------
# The load


@dataclass
class Stats:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    submitted: int = 0
    last_submit: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.timings[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples) < 8:
                    self.samples.append(f"{kind}: {detail}")


class Client:
    """One person's browser: cookies, a fresh connection per request (gunicorn sync closes them)."""

    def __init__(self, port: int, stats: Stats) -> None:
        self.port = port
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.page_url = ""  # the page the browser shows: Referer and HX-Current-URL

    def request(
        self, kind: str, method: str, path: str, *, form: dict[str, str] | None = None, htmx: str | None = None
    ) -> tuple[int, bytes]:
        """One request; `htmx` is the target's id for an htmx request ("" for an element without one)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        here = f"http://{HOST}:{self.port}{self.page_url or path}"
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = here
            headers["Origin"] = f"http://{HOST}:{self.port}"
        if htmx is not None:
            headers.update({"HX-Request": "true", "HX-Current-URL": here})
            if htmx:
                headers["HX-Target"] = htmx
            if method == "POST":
                headers["X-CSRFToken"] = self.csrf
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            conn.close()
        except OSError as exc:
            self.stats.add(kind, time.perf_counter() - started, False, f"{path}: {exc}")
            return 0, b""
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        ok = response.status in (200, 302)
        self.stats.add(kind, elapsed, ok, f"{method} {path}: {response.status}")
        match = CSRF_HEADER.search(data)
        if match:
            self.csrf = (match.group(1) or match.group(2)).decode()
        return response.status, data

    def page(self, kind: str, path: str) -> tuple[int, bytes]:
        """Open a full page as the browser does, with the htmx requests it makes on load (the inbox
        count in the navigation)."""
        status, data = self.request(kind, "GET", path)
        self.page_url = path
        for lazy in LOAD_GET.findall(data):
            self.request(BADGE_KIND, "GET", lazy.decode().replace("&amp;", "&"), htmx="")
        return status, data

    def login(self, email: str) -> bool:
        status, page = self.request("login", "GET", "/accounts/login/")
        match = CSRF_INPUT.search(page)
        if status != 200 or not match:
            return False
        form = {"csrfmiddlewaretoken": match.group(1).decode(), "username": email, "password": PASSWORD}
        status, _ = self.request("login", "POST", "/accounts/login/", form=form)
        return status == 302 and "sessionid" in self.cookies


WINDOW_CLOSED = threading.Event()


class WindowClosed(Exception):
    """The window closed: the person stops where they are (their institution did not submit)."""


def think(seconds: float) -> None:
    if seconds > 0:
        WINDOW_CLOSED.wait(random.uniform(0.5 * seconds, 1.5 * seconds))
    if WINDOW_CLOSED.is_set():
        raise WindowClosed


def save_all(client: Client, assessment: int, aspect: int, page: bytes, think_s: float, rng: random.Random) -> None:
    """Save every indicator form on an aspect page, as the htmx form posts it."""
    token = CSRF_INPUT.search(page)
    forms = page.split(b"<form")
    for chunk in forms:
        target = SAVE_FORM.search(chunk)
        version = VERSION.search(chunk)
        levels = LEVEL.findall(chunk)
        if not (target and version and levels):
            continue
        think(think_s)
        form = {
            "level": rng.choice(levels).decode(),
            "note": "Diperbarui menjelang batas waktu.",
            "version": version.group(1).decode(),
        }
        if token:
            form["csrfmiddlewaretoken"] = token.group(1).decode()
        swap = HX_TARGET.search(chunk)  # the element the form's response replaces
        client.request("save", "POST", target.group(1).decode(), form=form, htmx=swap.group(1).decode() if swap else "")


def institution_journey(port: int, person: dict, aspects: list[int], stats: Stats, think_s: float) -> None:
    with contextlib.suppress(WindowClosed):
        _journey(port, person, aspects, stats, think_s)


def _journey(port: int, person: dict, aspects: list[int], stats: Stats, think_s: float) -> None:
    rng = random.Random(person["email"])
    client = Client(port, stats)
    if not client.login(person["email"]):
        return
    pk = person["assessment"]
    think(think_s)
    client.page("home", "/self/")
    for number in aspects:
        think(think_s)
        status, page = client.page("aspect page", f"/self/{pk}/aspect/{number}/")
        if status == 200:
            save_all(client, pk, number, page, think_s, rng)
    think(think_s)
    status, page = client.page("submit page", f"/self/{pk}/submit/")
    if WINDOW_CLOSED.is_set():
        return
    token = CSRF_INPUT.search(page)
    if status != 200 or not token:
        return
    think(think_s)
    status, after = client.request(
        "submit", "POST", f"/self/{pk}/submit/", form={"csrfmiddlewaretoken": token.group(1).decode(), "confirm": "on"}
    )
    if status == 302:
        with stats.lock:
            stats.submitted += 1
            stats.last_submit = time.perf_counter()
    else:
        with stats.lock:
            stats.errors["submit"] += 1
            if len(stats.samples) < 8:
                stats.samples.append(f"submit refused: {status} {after[:200]!r}")


def probe(port: int, person: dict, stats: Stats, stop: threading.Event, every: float) -> None:
    client = Client(port, stats)
    if not client.login(person["email"]):
        return
    while not stop.is_set():
        client.request(PROBE_KIND, "GET", "/healthz/session")
        stop.wait(every)


# ---------------------------------------------------------------------------------------------------
# Measurements beside the load


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            found = [int(p) for p in handle.read().split()]
    except OSError:
        return []
    return found + [grandchild for child in found for grandchild in children(child)]


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Watcher(threading.Thread):
    """Samples peak RSS per process and the outbox backlog twice a second."""

    def __init__(self, web: int, worker: int, pg: str) -> None:
        super().__init__(daemon=True)
        self.web, self.worker, self.pg = web, worker, pg
        self.peak_web: dict[int, float] = {}
        self.peak_worker = 0.0
        self.peak_backlog = 0
        self.peak_connections = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg2

        conn = psycopg2.connect(f"{self.pg}/{DB_NAME}")
        conn.autocommit = True
        while not self.stop.is_set():
            for pid in children(self.web):
                self.peak_web[pid] = max(self.peak_web.get(pid, 0.0), rss_mb(pid))
            self.peak_worker = max(
                self.peak_worker, rss_mb(self.worker) + sum(rss_mb(p) for p in children(self.worker))
            )
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM core_outboxentry WHERE done_at IS NULL AND failed_at IS NULL")
                self.peak_backlog = max(self.peak_backlog, cur.fetchone()[0])
                # Connections of the app's processes (this watcher's own excluded).
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME]
                )
                self.peak_connections = max(self.peak_connections, cur.fetchone()[0])
            self.stop.wait(0.5)
        conn.close()


def scores_settled(pg: str, period: int) -> tuple[int, int, int]:
    """(submitted assessments, of them with a self score, unfinished score computations)."""
    import psycopg2

    conn = psycopg2.connect(f"{pg}/{DB_NAME}")
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM assessments_assessment WHERE period_id = %s AND status = 'submitted'", [period]
        )
        submitted = cur.fetchone()[0]
        cur.execute(
            "SELECT count(DISTINCT a.id) FROM assessments_assessment a JOIN assessments_score s "
            "ON s.assessment_id = a.id AND s.basis = 'self' WHERE a.period_id = %s AND a.status = 'submitted' "
            "AND s.computed_at >= a.submitted_at",
            [period],
        )
        scored = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM core_outboxentry WHERE kind = 'score' AND done_at IS NULL AND failed_at IS NULL"
        )
        pending = cur.fetchone()[0]
    conn.close()
    return submitted, scored, pending


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy_seconds() -> float:
    """CPU time all cores have spent on anything but idling since boot."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICK


@dataclass
class CpuSnapshot:
    machine: float
    web: dict[int, float]
    worker: float
    generator: float

    @classmethod
    def take(cls, web: int, worker: int) -> CpuSnapshot:
        times = os.times()
        return cls(
            machine_busy_seconds(),
            {pid: cpu_seconds(pid) for pid in children(web)},
            cpu_seconds(worker) + sum(cpu_seconds(p) for p in children(worker)),
            times.user + times.system,
        )


def print_cpu(before: CpuSnapshot, after: CpuSnapshot, seconds: float, requests: int) -> None:
    """Where the two cores went during the rush, in all and per request."""
    machine = after.machine - before.machine
    web = sum(after.web.get(pid, 0.0) - before.web.get(pid, 0.0) for pid in after.web)
    worker = after.worker - before.worker
    generator = after.generator - before.generator
    rest = machine - web - worker - generator
    cores = os.cpu_count() or 1
    print(f"CPU during the rush: {machine:.0f} s busy of {seconds * cores:.0f} s on {cores} cores")
    print(f"{'CPU per request (ms)':30} {'gunicorn':>9} {'generator':>10} {'celery':>7} {'rest':>6} {'all':>6}")
    per = 1000 / max(requests, 1)
    print(
        f"{'':30} {web * per:>9.1f} {generator * per:>10.1f} {worker * per:>7.1f} {rest * per:>6.1f} "
        f"{machine * per:>6.1f}   (rest: PostgreSQL, Redis, the system)"
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def print_table(title: str, stats: Stats, seconds: float) -> None:
    print(f"\n{title}")
    print(f"{'request kind':30} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    for kind in KINDS:
        values = stats.timings.get(kind)
        if not values:
            continue
        print(
            f"{kind:30} {len(values):>6} {stats.errors.get(kind, 0):>6} {statistics.median(values) * 1000:>8.0f} "
            f"{percentile(values, 0.95) * 1000:>8.0f} {percentile(values, 0.99) * 1000:>8.0f} "
            f"{len(values) / seconds:>7.1f}"
        )
    total = sum(len(v) for v in stats.timings.values())
    print(f"{'all':30} {total:>6} {sum(stats.errors.values()):>6} {'':>8} {'':>8} {'':>8} {total / seconds:>7.1f}")
    for sample in stats.samples:
        print(f"  error sample: {sample}")


def concurrent_phase(port: int, people: list[dict], aspects: list[int], rounds: int) -> Stats:
    """20 signed-in people, each looping: aspect page, save one answer, the bare view."""
    stats = Stats()

    def loop(person: dict) -> None:
        rng = random.Random(person["email"])
        client = Client(port, stats)
        if not client.login(person["email"]):
            return
        pk = person["assessment"]
        for turn in range(rounds):
            number = aspects[turn % len(aspects)]
            status, page = client.request("aspect page", "GET", f"/self/{pk}/aspect/{number}/")
            if status != 200:
                continue
            chunk = next((c for c in page.split(b"<form") if SAVE_FORM.search(c) and VERSION.search(c)), b"")
            target, version, levels = SAVE_FORM.search(chunk), VERSION.search(chunk), LEVEL.findall(chunk)
            token = CSRF_INPUT.search(page)
            if target and version and levels:
                form = {"level": rng.choice(levels).decode(), "note": "", "version": version.group(1).decode()}
                if token:
                    form["csrfmiddlewaretoken"] = token.group(1).decode()
                swap = HX_TARGET.search(chunk)
                client.request(
                    "save", "POST", target.group(1).decode(), form=form, htmx=swap.group(1).decode() if swap else ""
                )
            client.request(PROBE_KIND, "GET", "/healthz/session")

    threads = [threading.Thread(target=loop, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institutions", type=int, default=640)
    parser.add_argument("--window", type=float, default=600, help="seconds the window lasts")
    parser.add_argument("--arrive", type=float, default=450, help="seconds over which institutions arrive")
    parser.add_argument("--think", type=float, default=1.0, help="seconds a person pauses between requests")
    parser.add_argument("--quick", action="store_true", help="40 institutions arriving over 60 s of 120 s")
    parser.add_argument("--instrument", choices=("2018", "2025"), default="2018", help="reference instrument")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument(
        "--worker-class",
        default="sync",
        choices=("sync", "gthread", "gevent"),
        help="gevent needs `pip install gevent psycogreen` (not in the requirements)",
    )
    parser.add_argument("--worker-connections", type=int, default=20, help="requests per gevent worker at once")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--concurrent", type=int, default=20, help="people in the second phase (0 skips it)")
    parser.add_argument("--rounds", type=int, default=15, help="loops per person in the second phase")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--build-world", nargs=3, metavar=("N", "SPARE", "INSTRUMENT"), help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.build_world:
        n, spare, instrument = options.build_world
        print(json.dumps(build_world(int(n), int(spare), instrument)))
        return
    if options.quick:  # smaller defaults; a value given on the command line still wins
        for name, value in (("institutions", 40), ("window", 120), ("arrive", 60)):
            if getattr(options, name) == parser.get_default(name):
                setattr(options, name, value)

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG"}}
    env.update(
        {
            "DATABASE_URL": f"{options.pg}/{DB_NAME}",
            "REDIS_URL": options.redis,
            "DJANGO_SETTINGS_MODULE": "meritsys.settings",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "PRIVATE_MEDIA_ROOT": str(ROOT / ".bench-media"),
        }
    )
    import redis

    redis.Redis.from_url(options.redis).flushdb()
    print(f"database {DB_NAME}, broker {options.redis}")
    recreate_database(options.pg, DB_NAME)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    started = time.perf_counter()
    world = json.loads(
        run(
            [PY, __file__, "--build-world", str(options.institutions), str(options.concurrent), options.instrument],
            env,
        )
        .strip()
        .splitlines()[-1]
    )
    people = world["people"]
    rushers, spare, probe_person = (
        people[: options.institutions],
        people[options.institutions : options.institutions + options.concurrent],
        people[-1],
    )
    print(
        f"world: {len(rushers)} institutions x {rushers[0]['indicators']} indicators, "
        f"{len(world['aspects'])} aspects, built in {time.perf_counter() - started:.0f} s"
    )

    port = free_port()
    gunicorn_args = [GUNICORN, "meritsys.wsgi", "-w", str(options.web_workers), "-b", f"{HOST}:{port}"]
    gunicorn_args += ["--worker-class", options.worker_class, "--log-level", "warning", "--timeout", "120"]
    web_env = env
    if options.worker_class == "gthread":
        gunicorn_args += ["--threads", str(options.threads)]
    if options.worker_class == "gevent":
        gunicorn_args += ["--worker-connections", str(options.worker_connections)]
        gunicorn_args += ["--config", str(ROOT / "bench" / "gunicorn_gevent.py")]
        # Each greenlet holds its own database connection; kept ones would pile up past the server's limit.
        web_env = {**env, "CONN_MAX_AGE": "0"}
    web = subprocess.Popen(gunicorn_args, cwd=ROOT, env=web_env)
    worker = subprocess.Popen(
        [CELERY, "-A", "meritsys", "worker", "-Q", "default,pdf", "-c", "1", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    watcher = Watcher(web.pid, worker.pid, options.pg)
    try:
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        watcher.start()
        stats = Stats()
        stop_probe = threading.Event()
        probe_thread = threading.Thread(target=probe, args=(port, probe_person, stats, stop_probe, 0.5))
        probe_thread.start()
        print(
            f"rush: {len(rushers)} institutions arriving over {options.arrive:.0f} s of a {options.window:.0f} s "
            f"window, think {options.think} s, gunicorn {options.web_workers} x {options.worker_class}"
            + (f" ({options.threads} threads)" if options.worker_class == "gthread" else "")
            + (f" ({options.worker_connections} connections)" if options.worker_class == "gevent" else "")
        )
        rush_started = time.perf_counter()
        cpu_before = CpuSnapshot.take(web.pid, worker.pid)
        threads = []
        for number, person in enumerate(rushers):
            delay = rush_started + number * options.arrive / len(rushers) - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            thread = threading.Thread(
                target=institution_journey, args=(port, person, world["aspects"], stats, options.think), daemon=True
            )
            thread.start()
            threads.append(thread)
        deadline = rush_started + options.window
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.perf_counter()))
        in_window = sum(1 for t in threads if not t.is_alive())
        submitted_in_window = stats.submitted
        WINDOW_CLOSED.set()
        cpu_after = CpuSnapshot.take(web.pid, worker.pid)
        rush_seconds = time.perf_counter() - rush_started
        stop_probe.set()
        probe_thread.join()
        last_submit = stats.last_submit or time.perf_counter()
        settle_deadline = time.perf_counter() + 300
        while True:
            submitted, scored, pending = scores_settled(options.pg, world["period"])
            if (scored >= submitted and pending == 0) or time.perf_counter() > settle_deadline:
                break
            time.sleep(0.5)
        settled_after = time.perf_counter() - last_submit
        for thread in threads:
            thread.join()  # requests already on the wire finish before the second phase
        print_table(f"the rush ({rush_seconds:.0f} s)", stats, rush_seconds)
        print()
        print(f"submitted within the window: {submitted_in_window} of {len(rushers)} (journeys finished: {in_window})")
        if stats.last_submit:
            print(
                f"every score computed {settled_after:.1f} s after the last submit "
                f"({scored} of {submitted} submitted scored, {pending} computations unfinished)"
            )
        print(f"peak outbox backlog: {watcher.peak_backlog} unfinished side effects")
        print(f"peak database connections: {watcher.peak_connections} (gunicorn workers and the Celery worker)")
        print_cpu(cpu_before, cpu_after, rush_seconds, sum(len(v) for v in stats.timings.values()))

        if options.concurrent:
            phase_started = time.perf_counter()
            phase = concurrent_phase(port, spare, world["aspects"], options.rounds)
            phase_seconds = time.perf_counter() - phase_started
            print_table(f"{len(spare)} concurrent people, {options.rounds} rounds each", phase, phase_seconds)
            floor = percentile(phase.timings[PROBE_KIND], 0.95)
            for kind in ("aspect page", "save"):
                ratio = percentile(phase.timings[kind], 0.95) / floor
                print(f"{kind} p95 / bare view p95: {ratio:.1f}x (target <= 2x)")
    finally:
        watcher.stop.set()
        web.terminate()
        worker.terminate()
        web.wait(timeout=20)
        worker.wait(timeout=30)
    print()
    print("peak RSS: " + ", ".join(f"web worker {pid} {mb:.0f} MB" for pid, mb in sorted(watcher.peak_web.items())))
    print(f"peak RSS: celery worker {watcher.peak_worker:.0f} MB (target: each web worker under 200 MB)")
    worst = max((percentile(v, 0.95) for k, v in stats.timings.items() if k != PROBE_KIND), default=0.0)
    print()
    print("targets:")
    print(f"  all submitted within the window: {submitted_in_window}/{len(rushers)}")
    print(f"  errors: {sum(stats.errors.values())} (target 0)")
    print(f"  worst p95 of a request kind: {worst * 1000:.0f} ms (target under 1000 ms)")
    if stats.last_submit:
        print(f"  every score within {settled_after:.0f} s of the last submit (target 60 s)")
    else:
        print("  every score computed: nothing was submitted")


if __name__ == "__main__":
    main()
