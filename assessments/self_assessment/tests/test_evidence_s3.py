"""Evidence in an S3-compatible bucket (issue 22), against a real server (`rclone serve s3`).

The evidence tests of test_services.py and test_views.py run here again with the bucket as the
store (imported below), plus what only a bucket shows: the object itself, its removal, and no
orphan object after a failed upload.
"""

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse

from assessments.models import Answer, Evidence
from assessments.self_assessment import services as svc
from assessments.self_assessment.tests import test_services as on_disk_services
from assessments.self_assessment.tests import test_views as on_disk_views
from assessments.self_assessment.tests.support import ELF_BYTES, pdf_bytes, upload
from conftest import client_for
from core.testing import require_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_the_bucket(s3_storage):
    return s3_storage


# The same behaviour as on disk, now with the bucket: sniffing, refusals, hashing, sharing, deleting.
test_evidence_is_stored_by_hash_with_history = on_disk_services.test_evidence_is_stored_by_hash_with_history
test_same_file_twice_on_one_answer_is_caught = on_disk_services.test_same_file_twice_on_one_answer_is_caught
test_disguised_executable_changes_nothing = on_disk_services.test_disguised_executable_changes_nothing
test_evidence_of_other_institution_refused = on_disk_services.test_evidence_of_other_institution_refused
test_delete_evidence_records_history_and_frees_the_file = (
    on_disk_services.test_delete_evidence_records_history_and_frees_the_file
)
test_bad_uploads_are_refused = on_disk_views.test_bad_uploads_are_refused
test_oversized_upload_is_refused = on_disk_views.test_oversized_upload_is_refused
test_upload_and_delete_through_the_page = on_disk_views.test_upload_and_delete_through_the_page


def answer_of(assessment, code="1.1") -> Answer:
    return Answer.objects.select_related("indicator__aspect").get(assessment=assessment, indicator__code=code)


def _upload_url(assessment, answer) -> str:
    return reverse("assessments_self:evidence_upload", args=[assessment.pk, answer.indicator_id])


def test_an_upload_lands_in_the_bucket_under_its_hash(s3_storage, assessment, editor):
    answer = answer_of(assessment)
    response = client_for(editor).post(
        _upload_url(assessment, answer), {"file": upload("Laporan.pdf", pdf_bytes("bucket"))}, HTTP_HX_REQUEST="true"
    )
    assert "uploaded" in response.content.decode()
    evidence = Evidence.objects.get()
    key = f"{s3_storage.prefix}evidence/{evidence.sha256[:2]}/{evidence.sha256}"
    assert s3_storage.keys(s3_storage.prefix) == [key]
    assert s3_storage.get(key) == pdf_bytes("bucket")


def test_refused_uploads_store_no_object(s3_storage, assessment, editor, other_lead, settings):
    answer = answer_of(assessment)
    client_for(editor).post(_upload_url(assessment, answer), {"file": upload("setup.pdf", ELF_BYTES)})
    settings.EVIDENCE_MAX_BYTES = 100
    client_for(editor).post(_upload_url(assessment, answer), {"file": upload("besar.pdf", pdf_bytes("y" * 500))})
    settings.EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    with pytest.raises(svc.AccessDenied):
        svc.evidence_add(answer=answer, user=other_lead, upload=upload("a.pdf", pdf_bytes("foreign")))
    assert not Evidence.objects.exists()
    assert s3_storage.keys(s3_storage.prefix) == []


# Who may download, against the bucket (the permission matrix checks the same on disk).
DOWNLOAD = {"anonymous": 302, "admin": 200, "verifier": 200, "editor": 200, "lead": 200, "other_lead": 404}


@pytest.mark.parametrize("role", list(DOWNLOAD))
def test_download_from_the_bucket_by_role(role, users, assessment, editor, verifier):
    assessment.verifiers.add(verifier)
    evidence = svc.evidence_add(answer=answer_of(assessment), user=editor, upload=upload("SK.pdf", pdf_bytes("dl")))
    response = client_for(users[role]).get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert response.status_code == DOWNLOAD[role]
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == pdf_bytes("dl")
        assert response["Content-Length"] == str(len(pdf_bytes("dl")))
        assert response["Content-Type"] == "application/pdf" and "SK.pdf" in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
    else:
        # Refused people are never sent to the bucket either.
        assert "Location" not in response or "/accounts/login/" in response["Location"]


def test_a_shared_file_stays_until_its_last_row_goes(
    s3_storage, assessment, editor, lead, django_capture_on_commit_callbacks
):
    first = svc.evidence_add(answer=answer_of(assessment), user=editor, upload=upload("a.pdf", pdf_bytes("shared")))
    second = svc.evidence_add(
        answer=answer_of(assessment, "1.2"), user=editor, upload=upload("b.pdf", pdf_bytes("shared"))
    )
    assert len(s3_storage.keys(s3_storage.prefix)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        svc.evidence_delete(evidence=first, user=lead)
    assert len(s3_storage.keys(s3_storage.prefix)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        svc.evidence_delete(evidence=second, user=lead)
    assert s3_storage.keys(s3_storage.prefix) == []


def test_a_failed_save_after_the_upload_leaves_no_orphan(s3_storage, assessment, editor):
    """The object is stored, then the database refuses the row (a real PostgreSQL error raised by
    a trigger): the object is removed again and nothing names it."""
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION meritsys_test_refuse() RETURNS trigger AS $$"
            " BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER meritsys_test_refuse BEFORE INSERT ON assessments_evidence"
            " FOR EACH ROW EXECUTE FUNCTION meritsys_test_refuse()"
        )
    with pytest.raises(DatabaseError, match="disk full"):
        svc.evidence_add(answer=answer_of(assessment), user=editor, upload=upload("a.pdf", pdf_bytes("orphan")))
    assert not Evidence.objects.exists()
    assert s3_storage.keys(s3_storage.prefix) == []
