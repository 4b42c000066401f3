"""Benchmark: `recompute_scores` for one period of 640 institutions × 33 answers on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/meritsys .venv/bin/python bench/scoring.py

Creates its own database (meritsys_bench_scoring, next to the one DATABASE_URL names), migrates
it, builds the data set, then times in the same run:
- `recompute_scores --period ID` (bulk read of every answer, the pure scoring function in
  Python for self and verified, one bulk upsert), the first run (inserts) and the median of the
  following runs (updates);
- one SQL aggregate query computing the same self and verified totals in the database.
It checks both agree to the last digit, prints both times, their ratio and the query count, and
drops the database (unless --keep). Target: under 5 s and within 3× the SQL figure.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "meritsys_bench_scoring"


def admin_connection(url: str):  # type: ignore[no-untyped-def]  # benchmark helper
    import psycopg2

    parts = urlparse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    return connection


def recreate_database(url: str, name: str, *, drop_only: bool = False) -> str:
    # Not `with connection`: psycopg2 would wrap it in a transaction, where DROP DATABASE fails.
    connection = admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def build(institutions: int, seed: int) -> int:
    from django.utils import timezone

    from assessments.instrument.reference import reference_instrument_ensure
    from assessments.models import Answer, Assessment, AssessmentStatus, Indicator, Period
    from institutions.models import Institution, InstitutionKind, Region

    rng = random.Random(seed)
    instrument = reference_instrument_ensure()
    today = timezone.localdate()
    period = Period.objects.create(
        name="Penilaian Bench",
        instrument=instrument,
        self_assessment_opens=today,
        self_assessment_closes=today,
        verification_closes=today,
    )
    kinds = [InstitutionKind.KEMENTERIAN, InstitutionKind.LPNK, InstitutionKind.LNS, InstitutionKind.PROVINSI]
    Institution.objects.bulk_create(
        Institution(
            code=f"B{k:04d}",
            name=f"Instansi Bench {k}",
            short_name=f"IB{k}",
            kind=kinds[k % len(kinds)],
            region=Region.WILAYAH_I if k % 2 else Region.WILAYAH_II,
        )
        for k in range(institutions)
    )
    now = timezone.now()
    Assessment.objects.bulk_create(
        Assessment(institution=i, period=period, status=AssessmentStatus.VERIFIED, answers_changed_at=now)
        for i in Institution.objects.all()
    )
    indicators = list(Indicator.objects.filter(aspect__instrument=instrument))
    answers = []
    for assessment in Assessment.objects.filter(period=period):
        ability = rng.random()
        for indicator in indicators:
            self_level = min(4, max(1, round(1 + 3 * ability + rng.uniform(-1, 1))))
            verified_level = max(0, self_level - rng.choice((0, 0, 0, 1, 1, 2)))
            answers.append(
                Answer(assessment=assessment, indicator=indicator, self_level=self_level, verified_level=verified_level)
            )
    Answer.objects.bulk_create(answers, batch_size=5000)
    return period.pk


SQL_TOTALS = """
SELECT ans.assessment_id,
       SUM(ind.max_score * COALESCE(ans.self_level, 0) / 4) AS self_total,
       SUM(ind.max_score * COALESCE(ans.verified_level, 0) / 4) AS verified_total
FROM {answer} ans
JOIN {assessment} a ON a.id = ans.assessment_id
JOIN {indicator} ind ON ind.id = ans.indicator_id
WHERE a.period_id = %s
GROUP BY ans.assessment_id
"""


def sql_totals(period_id: int) -> dict[int, tuple]:
    from django.db import connection

    from assessments.models import Answer, Assessment, Indicator

    query = SQL_TOTALS.format(
        answer=Answer._meta.db_table, assessment=Assessment._meta.db_table, indicator=Indicator._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [period_id])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def timed(fn, repeat: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]  # benchmark helper
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institutions", type=int, default=640)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL URL (the bench creates its own database next to it).")
        return 2
    os.environ["DATABASE_URL"] = recreate_database(base_url, BENCH_DB)
    os.environ.pop("REDIS_URL", None)  # tasks are not involved; keep the embedded defaults
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meritsys.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from assessments.models import Answer, Score, ScoreBasis

        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        period_id = build(args.institutions, args.seed)
        print(
            f"data set: {args.institutions} assessments, {Answer.objects.count()} answers "
            f"(built in {time.perf_counter() - start:.2f} s)"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        def recompute() -> None:
            with open(os.devnull, "w") as devnull:
                call_command("recompute_scores", period=period_id, no_progress=True, stdout=devnull)

        from django.utils import timezone

        from assessments.models import Assessment

        def touch_answers() -> None:
            # Every score becomes stale, so the next recompute must rewrite every row.
            Assessment.objects.filter(period_id=period_id).update(answers_changed_at=timezone.now())

        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            recompute()
            first = time.perf_counter() - start
        unchanged_median, unchanged_all = timed(recompute, args.repeat)
        rewrite_all = []
        for _ in range(args.repeat):
            touch_answers()
            rewrite_all.append(timed(recompute, 1)[0])
        rewrite_median = statistics.median(rewrite_all)
        sql_totals(period_id)  # warm the same pages the recompute read
        sql_median, sql_all = timed(lambda: sql_totals(period_id), args.repeat)

        totals = sql_totals(period_id)
        stored = {(s.assessment_id, s.basis): s.total for s in Score.objects.all()}
        mismatches = sum(
            1
            for pk, (self_total, verified_total) in totals.items()
            if stored.get((pk, ScoreBasis.SELF)) != self_total
            or stored.get((pk, ScoreBasis.VERIFIED)) != verified_total
        )

        def runs(values: list[float]) -> str:
            return ", ".join(f"{t * 1000:.0f}" for t in values) + " ms"

        print(f"scores stored: {len(stored)}; SQL totals: {len(totals)} assessments; mismatches: {mismatches}")
        print(f"recompute_scores, first run (1280 rows inserted): {first:.3f} s, {len(queries)} queries")
        print(
            f"recompute_scores, nothing changed (0 rows written): median {unchanged_median:.3f} s "
            f"[{runs(unchanged_all)}]"
        )
        print(
            f"recompute_scores, every score stale (1280 rows rewritten): median {rewrite_median:.3f} s "
            f"[{runs(rewrite_all)}]"
        )
        print(f"SQL aggregate query: median {sql_median:.3f} s [{runs(sql_all)}]")
        for label, value in (
            ("first run", first),
            ("nothing changed", unchanged_median),
            ("all stale", rewrite_median),
        ):
            ratio = value / sql_median if sql_median else float("inf")
            print(f"ratio recompute / SQL, {label}: {ratio:.2f}x (target <= 3x); under 5 s: {value < 5}")
        return 0 if mismatches == 0 else 1
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database(base_url, BENCH_DB, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
