import pytest
from django.core import mail

from accounts.models import User
from conftest import client_for
from institutions.models import Membership

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["anonymous", "verifier", "editor", "lead", "other_lead"])
@pytest.mark.parametrize("url_name", ["list", "detail"])
def test_institution_pages_refused_to_non_admins(users, institution, role, url_name):
    url = "/institutions/" if url_name == "list" else f"/institutions/{institution.pk}/"
    response = client_for(users[role]).get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403


def test_admin_searches_and_filters(users, institution, other_institution):
    client = client_for(users["admin"])
    page = client.get("/institutions/", {"q": "Lain"}).content.decode()
    assert "Kementerian Lain" in page and "Kementerian Uji Coba" not in page
    page = client.get("/institutions/", {"kind": "KOTA"}).content.decode()
    assert "Kementerian Lain" not in page


def test_institution_list_query_count_is_constant(users, django_assert_max_num_queries):
    from conftest import make_institution

    client = client_for(users["admin"])
    for n in range(40):
        make_institution(f"X{n:03}", f"Lembaga {n}")
    with django_assert_max_num_queries(12):
        assert client.get("/institutions/").status_code == 200


def test_admin_creates_staff_account_and_it_gets_a_link(users, institution, django_capture_on_commit_callbacks):
    client = client_for(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/institutions/{institution.pk}/",
            {"full_name": "Siti Aminah", "email": "Siti@Contoh.go.id", "nip": "", "role": "editor"},
        )
    assert response.status_code == 302
    user = User.objects.get(email="siti@contoh.go.id")
    assert Membership.objects.get(user=user).institution == institution
    assert len(mail.outbox) == 1 and "siti@contoh.go.id" in mail.outbox[0].to
    page = client.get(f"/institutions/{institution.pk}/").content.decode()
    assert "Siti Aminah" in page


def test_duplicate_account_or_bad_nip_changes_nothing(users, institution):
    client = client_for(users["admin"])
    before = User.objects.count()
    response = client.post(
        f"/institutions/{institution.pk}/", {"full_name": "X", "email": users["lead"].email, "nip": "", "role": "lead"}
    )
    assert response.status_code == 200 and "already exists" in response.content.decode()
    response = client.post(
        f"/institutions/{institution.pk}/", {"full_name": "X", "email": "new@x.id", "nip": "123", "role": "lead"}
    )
    assert response.status_code == 200
    assert User.objects.count() == before


def test_email_longer_than_the_column_is_refused_not_a_500(users, institution):
    """The form field allowed 320 characters; the column holds 254 (a DataError on PostgreSQL)."""
    long_email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "id"  # 311 characters, syntactically valid
    client = client_for(users["admin"])
    client.raise_request_exception = False
    before = User.objects.count()
    response = client.post(
        f"/institutions/{institution.pk}/", {"full_name": "X", "email": long_email, "nip": "", "role": "lead"}
    )
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert User.objects.count() == before
