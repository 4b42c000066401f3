"""The private file store: evidence and generated documents.

Local disk (``PRIVATE_MEDIA_ROOT``) in the embedded mode; an S3-compatible bucket (django-storages'
S3 backend) when ``STORAGE_URL`` is set, so several web and worker machines share one store and
nothing local. Every read and write of a stored file goes through these helpers:

- objects are private (no ACL is ever set, so the bucket's private default holds) and are only
  ever streamed by the permission-checked download views: no bucket URL is handed to a browser;
- an unreachable store becomes ``StorageUnavailable``: a translated message (503) for a page, a
  transient error (``ConnectionError``) that the outbox and the render tasks retry;
- downloads stream the object in chunks, never the whole file in memory.
"""

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _

from core.errors import DomainError

logger = logging.getLogger(__name__)

# Bytes a download hands to the web server at a time.
DOWNLOAD_CHUNK = 64 * 1024


class StorageUnavailable(DomainError, ConnectionError):
    """The file store could not be reached. Nothing was stored; the request may be tried again.

    A ``ConnectionError`` as well, so the outbox and the Celery tasks treat it as transient.
    """

    status_code = 503


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    with contextlib.suppress(ImportError):
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    return tuple(errors)


STORAGE_ERRORS = _storage_errors()


def is_remote(storage: Storage | None = None) -> bool:
    """True when files live in an object store rather than on this machine's disk."""
    return not isinstance(storage or default_storage, FileSystemStorage)


def _unavailable(exc: BaseException, *, writing: bool) -> StorageUnavailable:
    logger.warning("file store unreachable (%s)", type(exc).__name__, exc_info=exc)
    if writing:
        message = _("The file store cannot be reached right now, so nothing was saved. Try again in a few minutes.")
    else:
        message = _("The file store cannot be reached right now. Try again in a few minutes.")
    return StorageUnavailable(message)


@contextlib.contextmanager
def guarded(*, writing: bool) -> Iterator[None]:
    """Turn a store failure (connection refused, timeout, a 5xx of the bucket) into StorageUnavailable."""
    try:
        yield
    except StorageUnavailable:
        raise
    except FileNotFoundError:
        raise
    except STORAGE_ERRORS as exc:
        raise _unavailable(exc, writing=writing) from exc


def exists(name: str) -> bool:
    with guarded(writing=False):
        return default_storage.exists(name)


def store_new(name: str, content: IO[bytes] | File) -> bool:
    """Store ``content`` under a content-addressed ``name`` unless it is already there.

    Returns True when this call created the object (the caller removes it again if what names it
    is never committed). The content is streamed: django-storages uploads a file in parts
    (multipart above 8 MB), never reading it whole; a failed upload leaves no object (a
    multipart upload is aborted; a single PUT never lands).
    """
    with guarded(writing=True):
        if default_storage.exists(name):
            return False
        content.seek(0)
        saved = default_storage.save(name, content if isinstance(content, File) else File(content))
        if saved != name:  # local disk: a concurrent writer stored the same bytes first
            default_storage.delete(saved)
            return False
        return True


def replace(name: str, content: bytes) -> str:
    """Store a generated document under its fixed name, replacing an earlier rendering.

    On disk the new file is written beside the old one and renamed over it, so a download never
    sees a missing or half-written file; in a bucket one PUT replaces the object atomically.
    """
    with guarded(writing=True):
        if isinstance(default_storage, FileSystemStorage):
            path = default_storage.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".rendering-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            return name
        if default_storage.exists(name) and not getattr(default_storage, "file_overwrite", True):
            default_storage.delete(name)
        return default_storage.save(name, ContentFile(content))


def delete(name: str) -> None:
    with guarded(writing=True):
        default_storage.delete(name)


def delete_quietly(name: str) -> None:
    """Remove a stored file if possible; a store outage only leaves it behind (logged)."""
    try:
        delete(name)
    except StorageUnavailable:
        logger.warning("could not remove %s from the file store; it stays as an orphan", name)


class _ObjectStream:
    """A bucket object's body as a read-only file: FileResponse reads it chunk by chunk."""

    def __init__(self, body: Any, length: int) -> None:
        self._body = body
        self.length = length

    def read(self, size: int = -1) -> bytes:
        with guarded(writing=False):
            return self._body.read(None if size is None or size < 0 else size)

    def close(self) -> None:
        self._body.close()


def open_stream(name: str) -> tuple[IO[bytes] | _ObjectStream, int]:
    """Open a stored file for streaming: (readable, length in bytes)."""
    with guarded(writing=False):
        if isinstance(default_storage, FileSystemStorage):
            handle = default_storage.open(name, "rb")
            return handle, default_storage.size(name)
        from storages.backends.s3 import S3Storage
        from storages.utils import clean_name

        assert isinstance(default_storage, S3Storage)
        key = default_storage._normalize_name(clean_name(name))
        try:
            got = default_storage.bucket.Object(key).get()
        except Exception as exc:
            response = getattr(exc, "response", None) or {}
            if response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(name) from exc
            raise
        return _ObjectStream(got["Body"], int(got["ContentLength"])), int(got["ContentLength"])


def read_bytes(name: str) -> bytes:
    """A small stored file (a generated PDF) read whole."""
    stream, _length = open_stream(name)
    try:
        return stream.read()
    finally:
        stream.close()


def download_response(name: str, *, filename: str, content_type: str, as_attachment: bool = True) -> FileResponse:
    """A streamed, private download of a stored file. Call it only after the permission check."""
    stream, length = open_stream(name)
    response = FileResponse(stream, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response.block_size = DOWNLOAD_CHUNK
    response["Content-Length"] = str(length)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
