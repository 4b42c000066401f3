"""Copy evidence and documents from the local disk into the bucket (STORAGE_URL), verifying every hash."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import storage
from core.storage_migration import migrate_storage


class Command(BaseCommand):
    help = (
        "Copy every file the database names from the local private media folder into the bucket set by "
        "STORAGE_URL, and verify each copy's SHA-256. Safe to run again: files already copied are checked "
        "and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            default=str(settings.PRIVATE_MEDIA_ROOT),
            help="the folder the files live in now (default: PRIVATE_MEDIA_ROOT)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, copy nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if not storage.is_remote():
            raise CommandError("STORAGE_URL is not set: the files already live on this disk. Set it to the bucket.")
        source = Path(options["source"])
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder.")
        report = migrate_storage(source=source, dry_run=options["dry_run"])
        verb = "to copy" if options["dry_run"] else "copied and verified"
        self.stdout.write(f"{len(report.copied)} {verb}, {len(report.already_there)} already in the bucket (verified)")
        for label, names in (
            ("missing on disk", report.missing_on_disk),
            ("on disk with other bytes than the recorded SHA-256 (not copied)", report.damaged_on_disk),
            ("different in the bucket after the copy", report.mismatch_after_copy),
        ):
            for name in names:
                self.stderr.write(f"{label}: {name}")
        if not report.ok:
            raise CommandError("Some files were not copied; see above. Run the command again once they are fixed.")
