from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ValidationFailed
from institutions.services import register_import


class Command(BaseCommand):
    help = "Load the national register: provinces, kabupaten and kota (idn-area-data) and central institutions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area-dir", type=Path, help="folder with provinces.csv and regencies.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = register_import(area_dir=options["area_dir"])
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"register: {result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.dissolved} dissolved"
        )
