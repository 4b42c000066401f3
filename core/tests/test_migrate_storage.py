"""`manage.py migrate_storage`: disk → bucket, idempotent, every hash verified (real S3 server)."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.models import Answer, Evidence
from assessments.periods.services import assessment_get_or_create
from assessments.self_assessment import services as svc
from assessments.self_assessment.tests.support import PNG_BYTES, pdf_bytes, upload
from certificates.tests.conftest import issued_decision, province, verified_set  # noqa: F401 - fixtures
from conftest import client_for, make_institution, make_member
from institutions.models import MembershipRole

pytestmark = pytest.mark.django_db


def _run(**options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("migrate_storage", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_refused_while_the_files_live_on_this_disk():
    with pytest.raises(CommandError, match="STORAGE_URL is not set"):
        _run()


def test_disk_files_move_to_the_bucket_once_and_verified(request, settings, period):
    decision = request.getfixturevalue("issued_decision")  # its letter and charters are on disk
    # Evidence of an institution still answering (the decision's institutions are decided).
    editor = make_member(make_institution("K950", "Badan Masih Mengisi"), MembershipRole.EDITOR, "e@k950.local")
    assessment = assessment_get_or_create(institution=editor.membership.institution, period=period)
    answers = list(Answer.objects.filter(assessment=assessment).order_by("indicator__code")[:3])
    svc.evidence_add(answer=answers[0], user=editor, upload=upload("a.pdf", pdf_bytes("a")))
    svc.evidence_add(answer=answers[1], user=editor, upload=upload("a-lagi.pdf", pdf_bytes("a")))  # same bytes
    svc.evidence_add(answer=answers[2], user=editor, upload=upload("peta.png", PNG_BYTES, "image/png"))
    disk = Path(settings.PRIVATE_MEDIA_ROOT)
    named = sorted(
        {e.file.name for e in Evidence.objects.all()}
        | {decision.letter.name}
        | {c.pdf.name for c in decision.certificates.all()}
    )
    assert len(named) == 2 + 1 + 2  # two evidence files (one shared), a letter, two charters

    s3 = request.getfixturevalue("s3_storage")  # from here on the store is the bucket
    out, _ = _run(source=str(disk))
    assert out.startswith("5 copied and verified, 0 already in the bucket")
    assert s3.keys(s3.prefix) == sorted(s3.prefix + name for name in named)
    for name in named:
        assert s3.get(s3.prefix + name) == (disk / name).read_bytes()

    out, _ = _run(source=str(disk))
    assert out.startswith("0 copied and verified, 5 already in the bucket")

    # An object damaged in the bucket is copied again.
    letter = s3.prefix + decision.letter.name
    s3.client().put_object(Bucket=s3.BUCKET, Key=letter, Body=b"not the letter")
    out, _ = _run(source=str(disk))
    assert out.startswith("1 copied and verified, 4 already in the bucket")
    assert s3.get(letter) == (disk / decision.letter.name).read_bytes()

    # The pages now serve the bucket's copy.
    evidence = Evidence.objects.filter(original_name="a.pdf").get()
    response = client_for(editor).get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert b"".join(response.streaming_content) == pdf_bytes("a")


def test_damaged_or_missing_disk_files_are_named_and_not_copied(request, settings, assessment, editor):
    answers = list(Answer.objects.filter(assessment=assessment).order_by("indicator__code")[:2])
    damaged = svc.evidence_add(answer=answers[0], user=editor, upload=upload("a.pdf", pdf_bytes("damaged")))
    missing = svc.evidence_add(answer=answers[1], user=editor, upload=upload("b.pdf", pdf_bytes("missing")))
    disk = Path(settings.PRIVATE_MEDIA_ROOT)
    (disk / damaged.file.name).write_bytes(b"%PDF-1.4 bit rot")
    (disk / missing.file.name).unlink()

    s3 = request.getfixturevalue("s3_storage")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Some files were not copied"):
        call_command("migrate_storage", source=str(disk), stdout=out, stderr=err)
    assert f"recorded SHA-256 (not copied): {damaged.file.name}" in err.getvalue()
    assert f"missing on disk: {missing.file.name}" in err.getvalue()
    assert s3.keys(s3.prefix) == []
