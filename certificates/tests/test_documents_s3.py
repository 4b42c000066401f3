"""Decision letters and charters in an S3-compatible bucket (issue 22), against a real server.

The download tests of test_views.py run here again with the bucket as the store; the documents
are rendered by WeasyPrint (eagerly, on commit) straight into the bucket.
"""

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import RenderStatus
from certificates.tests import test_views as on_disk
from certificates.tests.conftest import pdf_text
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_the_bucket(s3_storage):
    return s3_storage


outsider = on_disk.outsider
test_letter_download_by_role = on_disk.test_letter_download_by_role
test_charter_download_by_role = on_disk.test_charter_download_by_role
test_outsider_gets_neither_letter_nor_charters = on_disk.test_outsider_gets_neither_letter_nor_charters
test_downloads_are_the_stored_pdfs = on_disk.test_downloads_are_the_stored_pdfs
test_zip_holds_every_charter = on_disk.test_zip_holds_every_charter
test_revoked_charter_is_not_downloadable_by_the_institution = (
    on_disk.test_revoked_charter_is_not_downloadable_by_the_institution
)


def test_a_charter_is_rendered_into_the_bucket_and_fetched(s3_storage, users, issued_decision, tmp_path):
    own = issued_decision.certificates.get(institution__code="K901")
    assert own.render_status == RenderStatus.READY
    key = f"{s3_storage.prefix}{own.pdf.name}"
    assert key in s3_storage.keys(s3_storage.prefix)
    assert f"{s3_storage.prefix}{issued_decision.letter.name}" in s3_storage.keys(s3_storage.prefix)

    response = client_for(users["lead"]).get(reverse("certificates:charter_download", args=[own.pk]))
    body = b"".join(response.streaming_content)
    assert body == s3_storage.get(key)
    (tmp_path / "piagam.pdf").write_bytes(body)
    text = pdf_text(tmp_path / "piagam.pdf")
    assert own.serial in text and "Kementerian Uji Coba" in text


def test_a_re_render_replaces_the_object(s3_storage, issued_decision):
    own = issued_decision.certificates.get(institution__code="K901")
    before = s3_storage.keys(s3_storage.prefix)
    assert services.charter_render(certificate_id=own.pk, force=True) == "ready"
    assert s3_storage.keys(s3_storage.prefix) == before  # same key, no second copy


def test_an_unreachable_store_leaves_the_render_to_be_retried(settings, s3_storage, issued_decision):
    from core import storage
    from core.storage_url import s3_options
    from meritsys.tests.faults_support import free_port

    own = issued_decision.certificates.get(institution__code="K901")
    dead = s3_storage.storage_url("dead", port=free_port())
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(dead)},
    }
    # A transient error: the task retries it (autoretry_for), it is never recorded as failed.
    assert storage.StorageUnavailable in services.TRANSIENT_ERRORS
    with pytest.raises(storage.StorageUnavailable):
        services.charter_render(certificate_id=own.pk, force=True)
    own.refresh_from_db()
    assert own.render_status != RenderStatus.FAILED and own.render_error == ""
