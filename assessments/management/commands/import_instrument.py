from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.instrument.io import instrument_import
from core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Import a whole instrument from .json or .xlsx. A file with any error is refused whole."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="publish after import")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            instrument = instrument_import(
                data=path.read_bytes(), filename=path.name, user=None, publish=options["publish"]
            )
        except ValidationFailed as exc:
            raise CommandError("\n".join([exc.message, *exc.errors])) from exc
        self.stdout.write(f"imported {instrument.code} ({instrument.get_status_display()})")
