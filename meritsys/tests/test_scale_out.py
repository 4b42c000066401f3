"""Two web machines, one bucket (issue 22): what one gunicorn stored, the other serves.

Two gunicorn processes, each with a local disk of its own (PRIVATE_MEDIA_ROOT), share one
PostgreSQL database and one S3-compatible bucket (a real `rclone serve s3`). People act through
HTTP. Neither local disk ever holds a file.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from accounts.models import Role, User
from assessments.models import Answer, Evidence
from assessments.periods.services import assessment_get_or_create
from assessments.self_assessment.tests.support import pdf_bytes
from conftest import PASSWORD, make_institution, make_member, make_user
from core.testing import require_postgres
from institutions.models import MembershipRole
from meritsys.tests.faults_support import Browser, Processes, database_url, free_port

pytestmark = pytest.mark.django_db(transaction=True)


def _person(user: User) -> User:
    # The gunicorns hash with Django's default (PBKDF2), not the tests' fast MD5.
    User.objects.filter(pk=user.pk).update(password=PBKDF2PasswordHasher().encode(PASSWORD, "scale", iterations=1000))
    return user


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def two_webs(tmp_path, s3_server):
    require_postgres()
    import uuid

    prefix = f"scale-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "MERITSYS_REQUIRE_SERVICES"},
        "DJANGO_SETTINGS_MODULE": "meritsys.settings",
        "DATABASE_URL": database_url(application_name="meritsys-scale-web"),
        # No Redis: tasks run in the web process and the cache is per process, as on two machines
        # that share only the database and the bucket.
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "STORAGE_URL": s3_server.storage_url(prefix),
        "OTP_REQUIRED_FOR_STAFF": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    processes = Processes(env, tmp_path)
    disks = {}
    ports = {}
    try:
        for name in ("web_a", "web_b"):
            disks[name] = tmp_path / f"{name}-disk"
            disks[name].mkdir()
            ports[name] = free_port()
            processes.gunicorn(name, ports[name], PRIVATE_MEDIA_ROOT=str(disks[name]))
        yield ports, disks, prefix + "/"
    finally:
        processes.stop_all()


def test_each_web_process_serves_what_the_other_stored(two_webs, s3_server, period):
    ports, disks, prefix = two_webs
    institution = make_institution("K961", "Kementerian Dua Mesin")
    editor = _person(make_member(institution, MembershipRole.EDITOR, "editor@dua.local"))
    lead = _person(make_member(institution, MembershipRole.LEAD, "lead@dua.local"))
    outsider = _person(make_member(make_institution("K962", "Badan Lain"), MembershipRole.LEAD, "lead@lain.local"))
    verifier = _person(make_user("verifier@dua.local", Role.VERIFIER))
    assessment = assessment_get_or_create(institution=institution, period=period)
    assessment.verifiers.add(verifier)
    answer = Answer.objects.filter(assessment=assessment).order_by("indicator__code").first()

    on_a = Browser(ports["web_a"])
    assert on_a.login(editor.email, PASSWORD) == 302
    upload_url = reverse("assessments_self:evidence_upload", args=[assessment.pk, answer.indicator_id])
    status, body, _ = on_a.post(upload_url, {}, files={"file": ("Laporan.pdf", pdf_bytes("two-webs"))}, htmx=True)
    assert status == 200 and "uploaded" in body
    evidence = Evidence.objects.get()
    assert s3_server.keys(prefix) == [prefix + evidence.file.name]
    download = reverse("assessments:evidence_download", args=[evidence.pk])

    # The other machine serves it to everyone who may see it, and to no one else.
    for person, expected in ((lead, 200), (verifier, 200), (outsider, 404)):
        on_b = Browser(ports["web_b"])
        assert on_b.login(person.email, PASSWORD) == 302
        status, body, _ = on_b.get(download)
        assert status == expected, person.email
        if expected == 200:
            assert body.encode() == pdf_bytes("two-webs")

    # Removed on B: gone for A too, and from the bucket.
    on_b = Browser(ports["web_b"])
    assert on_b.login(lead.email, PASSWORD) == 302
    status, body, _ = on_b.post(reverse("assessments_self:evidence_delete", args=[evidence.pk]), {}, htmx=True)
    assert status == 200 and "removed" in body
    assert on_a.get(download)[0] == 404
    assert s3_server.keys(prefix) == []
    # Neither machine kept anything on its own disk.
    assert _files_under(disks["web_a"]) == [] and _files_under(disks["web_b"]) == []
