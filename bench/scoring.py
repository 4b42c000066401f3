"""Benchmark: `recompute_scores` for whole periods on PostgreSQL, for each reference instrument
(PermenPANRB 40/2018: one component, four levels, out of 400; PermenPANRB 19/2025: maturity 75 %
+ staff survey 25 % + a capped bonus, five levels, an index from 0 to 1) at several sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/meritsys .venv/bin/python bench/scoring.py
    ... bench/scoring.py --sizes 640,1600,6400 --instruments 2025 --repeat 3

Creates its own database (meritsys_bench_scoring, next to the one DATABASE_URL names), migrates
it, and for each instrument and size builds a period of that many verified assessments (the
19/2025 one with a survey value for nine in ten, the rest pending), then times in the same run:
- `recompute_scores --period ID`: the first run (every row inserted), the median with nothing
  changed, and the median with every score stale (every row rewritten);
- one SQL aggregate query computing the same maturity sums in the database (the floor).
It checks every stored score against the SQL sums (the final value rebuilt from them with the
instrument's component weights) and prints one table. Targets: a whole period at 640
institutions under 1 s, growing linearly to 6 400 (the per-1 000 column stays flat).
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
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


def institutions_ensure(count: int) -> list:  # type: ignore[type-arg]  # benchmark helper
    from institutions.models import Institution, InstitutionKind, Region

    have = Institution.objects.filter(code__startswith="B").count()
    kinds = [InstitutionKind.KEMENTERIAN, InstitutionKind.LPNK, InstitutionKind.LNS, InstitutionKind.PROVINSI]
    Institution.objects.bulk_create(
        Institution(
            code=f"B{k:05d}",
            name=f"Instansi Bench {k}",
            short_name=f"IB{k}",
            kind=kinds[k % len(kinds)],
            region=Region.WILAYAH_I if k % 2 else Region.WILAYAH_II,
        )
        for k in range(have, count)
    )
    return list(Institution.objects.filter(code__startswith="B").order_by("code")[:count])


def build(instrument, institutions: int, seed: int) -> int:  # type: ignore[no-untyped-def]  # benchmark helper
    from django.utils import timezone

    from assessments.instrument.selectors import level_scale
    from assessments.models import Answer, Assessment, AssessmentStatus, ComponentValue, Indicator, Period

    rng = random.Random(seed)
    today = timezone.localdate()
    period = Period.objects.create(
        name=f"Bench {instrument.code} {institutions}",
        instrument=instrument,
        self_assessment_opens=today,
        self_assessment_closes=today,
        verification_closes=today,
    )
    now = timezone.now()
    Assessment.objects.bulk_create(
        Assessment(institution=i, period=period, status=AssessmentStatus.VERIFIED, answers_changed_at=now)
        for i in institutions_ensure(institutions)
    )
    levels = level_scale(instrument_id=instrument.pk).self_levels
    indicators = list(Indicator.objects.filter(aspect__instrument=instrument))
    answers = []
    values = []
    surveys = list(instrument.components.filter(kind="survey"))
    for assessment in Assessment.objects.filter(period=period):
        ability = rng.random()
        for indicator in indicators:
            spot = min(len(levels) - 1, max(0, round((len(levels) - 1) * ability + rng.uniform(-1, 1))))
            self_level = levels[spot]
            verified_level = levels[max(0, spot - rng.choice((0, 0, 0, 1, 1, 2)))]
            answers.append(
                Answer(assessment=assessment, indicator=indicator, self_level=self_level, verified_level=verified_level)
            )
        for survey in surveys:
            if rng.random() < 0.9:
                value = Decimal(rng.randint(400, 1000)) / 1000
                values.append(ComponentValue(assessment=assessment, component=survey, value=value))
    Answer.objects.bulk_create(answers, batch_size=5000)
    ComponentValue.objects.bulk_create(values, batch_size=5000)
    return period.pk


SQL_MATURITY = """
SELECT ans.assessment_id,
       SUM(ind.max_score * COALESCE(s.fraction, 0)) AS self_maturity,
       SUM(ind.max_score * COALESCE(v.fraction, 0)) AS verified_maturity
FROM {answer} ans
JOIN {assessment} a ON a.id = ans.assessment_id
JOIN {period} p ON p.id = a.period_id
JOIN {indicator} ind ON ind.id = ans.indicator_id
LEFT JOIN {scale} s ON s.instrument_id = p.instrument_id AND s.number = ans.self_level
LEFT JOIN {scale} v ON v.instrument_id = p.instrument_id AND v.number = ans.verified_level
WHERE a.period_id = %s
GROUP BY ans.assessment_id
"""


def sql_maturity(period_id: int) -> dict[int, tuple]:
    from django.db import connection

    from assessments.models import Answer, Assessment, Indicator, Period, ScaleLevel

    query = SQL_MATURITY.format(
        answer=Answer._meta.db_table,
        assessment=Assessment._meta.db_table,
        period=Period._meta.db_table,
        indicator=Indicator._meta.db_table,
        scale=ScaleLevel._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [period_id])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def mismatches(period_id: int) -> int:
    """Stored final values against the SQL maturity sums combined with the component weights."""
    from assessments.domain.scoring import component_results
    from assessments.instrument.selectors import instrument_spec
    from assessments.models import ComponentValue, Period, Score, ScoreBasis

    period = Period.objects.select_related("instrument").get(pk=period_id)
    spec = instrument_spec(instrument=period.instrument)
    stored_values: dict[int, dict[str, Decimal]] = {}
    for assessment_id, code, value in ComponentValue.objects.filter(assessment__period_id=period_id).values_list(
        "assessment_id", "component__code", "value"
    ):
        stored_values.setdefault(assessment_id, {})[code] = value
    scores = {(s.assessment_id, s.basis): s.total for s in Score.objects.filter(assessment__period_id=period_id)}
    wrong = 0
    for pk, (self_maturity, verified_maturity) in sql_maturity(period_id).items():
        for basis, maturity in ((ScoreBasis.SELF, self_maturity), (ScoreBasis.VERIFIED, verified_maturity)):
            _parts, final = component_results(spec.components, maturity, stored_values.get(pk, {}))
            wrong += scores.get((pk, basis)) != final.quantize(Decimal("1e-10"))
    return wrong


def timed(fn, repeat: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]  # benchmark helper
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="640,1600,6400", help="institutions per period, comma-separated")
    parser.add_argument("--instruments", default="2018,2025", help="which reference instruments: 2018, 2025")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]

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
        from django.utils import timezone

        from assessments.instrument.reference import reference_instrument_2025_ensure, reference_instrument_ensure
        from assessments.models import Answer, Assessment

        call_command("migrate", verbosity=0)
        instruments = {"2018": reference_instrument_ensure, "2025": reference_instrument_2025_ensure}
        rows = []
        for key in args.instruments.split(","):
            instrument = instruments[key.strip()]()
            for size in sizes:
                start = time.perf_counter()
                period_id = build(instrument, size, args.seed)
                built = time.perf_counter() - start
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")

                def recompute(period_id: int = period_id) -> None:
                    with open(os.devnull, "w") as devnull:
                        call_command("recompute_scores", period=period_id, no_progress=True, stdout=devnull)

                def touch_answers(period_id: int = period_id) -> None:
                    # Every score becomes stale, so the next recompute must rewrite every row.
                    Assessment.objects.filter(period_id=period_id).update(answers_changed_at=timezone.now())

                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    recompute()
                    first = time.perf_counter() - start
                unchanged, _all = timed(recompute, args.repeat)
                stale_runs = []
                for _ in range(args.repeat):
                    touch_answers()
                    stale_runs.append(timed(recompute, 1)[0])
                stale = statistics.median(stale_runs)
                sql_maturity(period_id)  # warm the same pages the recompute read
                sql, _sql_all = timed(lambda period_id=period_id: sql_maturity(period_id), args.repeat)
                rows.append(
                    {
                        "instrument": instrument.code,
                        "size": size,
                        "answers": Answer.objects.filter(assessment__period_id=period_id).count(),
                        "built": built,
                        "first": first,
                        "unchanged": unchanged,
                        "stale": stale,
                        "sql": sql,
                        "queries": len(queries),
                        "wrong": mismatches(period_id),
                    }
                )
                print(f"  done: {instrument.code} × {size} (built in {built:.1f} s)", flush=True)

        print()
        print(
            "| instrument | institutions | answers | first run | nothing changed | all stale | "
            "SQL floor | all stale ÷ SQL | all stale per 1 000 | queries | mismatches |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            per_thousand = r["stale"] / r["size"] * 1000
            print(
                f"| {r['instrument']} | {r['size']} | {r['answers']} | {r['first']:.3f} s | {r['unchanged']:.3f} s | "
                f"{r['stale']:.3f} s | {r['sql']:.3f} s | {r['stale'] / r['sql']:.1f}× | {per_thousand:.3f} s | "
                f"{r['queries']} | {r['wrong']} |"
            )
        print()
        for r in rows:
            if r["size"] == 640:
                worst = max(r["first"], r["stale"])
                print(f"{r['instrument']} at 640: worst {worst:.3f} s, target under 1 s: {worst < 1}")
        return 0 if all(r["wrong"] == 0 for r in rows) else 1
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database(base_url, BENCH_DB, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
