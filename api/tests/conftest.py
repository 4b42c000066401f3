import io

import pytest
from django.test import Client

from api.models import KeyScope
from api.services import apikey_create


def key_for(user, scope: str = KeyScope.SUBMIT) -> str:
    return apikey_create(user=user, name=f"test {scope}", scope=scope)[1]


class Api:
    """A test client that sends a key."""

    def __init__(self, raw: str | None) -> None:
        self.client = Client()
        self.client.raise_request_exception = False
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def get(self, url, **extra):
        return self.client.get(url, headers={**self.headers, **extra.pop("headers", {})}, **extra)

    def put(self, url, data, **extra):
        return self.client.put(
            url, data, content_type="application/json", headers={**self.headers, **extra.pop("headers", {})}
        )

    def post(self, url, data=None, **extra):
        headers = {**self.headers, **extra.pop("headers", {})}
        if extra.pop("multipart", False):
            return self.client.post(url, data, headers=headers)
        return self.client.post(url, data or {}, content_type="application/json", headers=headers)

    def delete(self, url, **extra):
        return self.client.delete(url, headers=self.headers)


@pytest.fixture
def lead_api(lead):
    return Api(key_for(lead, KeyScope.SUBMIT))


@pytest.fixture
def write_api(lead):
    return Api(key_for(lead, KeyScope.WRITE))


@pytest.fixture
def read_api(lead):
    return Api(key_for(lead, KeyScope.READ))


@pytest.fixture
def admin_api(admin_user):
    return Api(key_for(admin_user, KeyScope.READ))


def pdf_bytes(text: str = "evidence") -> io.BytesIO:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + text.encode()
        + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    data = io.BytesIO(body)
    data.name = f"{text}.pdf"
    return data
