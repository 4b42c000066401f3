from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.instrument.io import instrument_export_json, instrument_export_xlsx
from assessments.models import Instrument


class Command(BaseCommand):
    help = "Export a whole instrument as .json or .xlsx (chosen by the output file's extension)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        instrument = Instrument.objects.filter(code=options["code"]).first()
        if instrument is None:
            raise CommandError(f"no instrument with code {options['code']!r}")
        path: Path = options["file"]
        if path.suffix == ".json":
            path.write_bytes(instrument_export_json(instrument))
        elif path.suffix == ".xlsx":
            path.write_bytes(instrument_export_xlsx(instrument))
        else:
            raise CommandError("the output file must end in .json or .xlsx")
        self.stdout.write(f"wrote {path}")
