import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from assessments.models import Assessment, Period
from assessments.scoring import services as scoring_services


class Command(BaseCommand):
    help = "Recompute every score of one period from its answers (self and verified), with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", type=int, required=True, help="id of the period to recompute")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        period = Period.objects.filter(pk=options["period"]).first()
        if period is None:
            raise CommandError(f"no period with id {options['period']}")
        ids = list(Assessment.objects.filter(period=period).values_list("pk", flat=True))
        with tqdm(
            total=len(ids),
            desc=f"scores of {period.name}",
            unit="assessment",
            # tqdm redraws with \r: give it the raw stream, not Django's line-ending wrapper.
            file=getattr(self.stderr, "_out", sys.stderr),
            disable=options["no_progress"] or None,
        ) as bar:

            def advance(n: int) -> None:
                bar.update(n)

            count = scoring_services.scores_recompute(assessment_ids=ids, period_id=period.pk, progress=advance)
        self.stdout.write(
            f"{count.computed} scores recomputed for {len(ids)} assessments of period {period.name}; "
            f"{count.written} rows written (the others were unchanged)"
        )
