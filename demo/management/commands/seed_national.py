import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.national import seed_national


class Command(BaseCommand):
    help = (
        "Build a realistic national data set: the register, the reference instrument, N past semester "
        "periods with finalised assessments, answers and scores (idempotent, deterministic)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--periods", type=int, default=5, help="How many past semesters (default 5).")
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Seed assessments for a deterministic, kind-mixed subset of this many institutions.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        periods = options["periods"]
        limit = options["limit"]
        if periods < 1 or periods > 20:
            raise CommandError("--periods must be between 1 and 20.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number.")
        started = time.monotonic()
        result = seed_national(periods=periods, limit=limit)
        elapsed = time.monotonic() - started
        if result.register_imported:
            self.stdout.write("Register imported.")
        self.stdout.write("Periods: " + ", ".join(result.period_names))
        self.stdout.write(
            f"Created {result.periods_created} periods, {result.assessments_created} assessments, "
            f"{result.answers_created} answers, {result.scores_created} scores, {result.decisions_created} "
            f"issued decisions with {result.certificates_created} charters in {elapsed:.1f} s."
        )
