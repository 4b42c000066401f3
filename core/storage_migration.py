"""Copy the files a database names from a local folder into the bucket, verifying every hash.

Used by `manage.py migrate_storage` when a deployment moves from `PRIVATE_MEDIA_ROOT` to
`STORAGE_URL`. It finds the files through every model's FileFields (evidence, letters, charters:
whatever any app stores), so it needs no list of models and imports no app.

- Idempotent: an object already in the bucket with the same SHA-256 as the disk file is left as it
  is; one with other bytes is copied again.
- Every hash is verified: the disk file against the SHA-256 the row recorded (evidence), and the
  object in the bucket, read back after the copy, against the disk file.
- A file missing on disk or whose bytes differ from the recorded hash is reported and not copied.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models

from core import storage

CHUNK = 1024 * 1024


@dataclass
class MigrationReport:
    copied: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    missing_on_disk: list[str] = field(default_factory=list)
    damaged_on_disk: list[str] = field(default_factory=list)
    mismatch_after_copy: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing_on_disk or self.damaged_on_disk or self.mismatch_after_copy)

    @property
    def verified(self) -> int:
        return len(self.copied) + len(self.already_there)


def stored_names() -> Iterator[tuple[str, str]]:
    """(file name, recorded SHA-256 or "") of every file any row names, each once."""
    seen: set[str] = set()
    for model in apps.get_models():
        file_fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        has_hash = any(f.name == "sha256" for f in model._meta.get_fields())
        for file_field in file_fields:
            columns = [file_field.name] + (["sha256"] if has_hash else [])
            rows = model._default_manager.exclude(**{file_field.name: ""}).values_list(*columns).order_by(*columns)
            for row in rows.iterator(chunk_size=2000):
                name, digest = row[0], (row[1] if has_hash else "")
                if name and name not in seen:
                    seen.add(name)
                    yield name, digest


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_in_store(name: str) -> str | None:
    try:
        stream, _length = storage.open_stream(name)
    except FileNotFoundError:
        return None
    digest = hashlib.sha256()
    try:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    finally:
        stream.close()
    return digest.hexdigest()


def migrate_storage(*, source: Path, dry_run: bool = False) -> MigrationReport:
    """Copy every named file from `source` (the old PRIVATE_MEDIA_ROOT) into the default storage."""
    report = MigrationReport()
    for name, recorded in stored_names():
        path = source / name
        if not path.is_file():
            report.missing_on_disk.append(name)
            continue
        on_disk = _sha256_of_file(path)
        if recorded and on_disk != recorded:
            report.damaged_on_disk.append(name)
            continue
        if _sha256_in_store(name) == on_disk:
            report.already_there.append(name)
            continue
        if dry_run:
            report.copied.append(name)
            continue
        with storage.guarded(writing=True), path.open("rb") as handle:
            # A fixed name: the object is created or replaced, never renamed.
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, File(handle))
        if _sha256_in_store(name) == on_disk:
            report.copied.append(name)
        else:
            report.mismatch_after_copy.append(name)
    return report
