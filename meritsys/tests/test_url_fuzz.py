"""No 500 for anything a user can type: every URL, every role, garbage GET params and POST bodies."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import client_for

HUGE = "x" * 20_000
GARBAGE_GET = {
    "page": "abc",
    "q": HUGE,
    "sort": "zzz'\"<>",
    "order": "-",
    "institution": "x",
    "kind": "zz",
    "region": "zz",
    "year": "99999999999999999999",
    "status": "\x00",
    "category": "??",
    "aspect": "-1",
    "basis": "nope",
    "serial": HUGE,
    "next": "//evil.example/",
    "fmt": "exe",
    "verifier": "abc",
    "compare": "abc",
}
GARBAGE_POST = {
    **GARBAGE_GET,
    "self_level": "abc",
    "verified_level": "99999999999999999999",
    "level": "-5",
    "note": HUGE,
    "self_note": HUGE,
    "verified_note": HUGE,
    "version": "abc",
    "reason": HUGE,
    "text": HUGE,
    "question": HUGE,
    "answer": HUGE,
    "body": HUGE,
    "verifiers": ["abc", "999999"],
    "user": "abc",
    "users": ["abc"],
    "assessment": "abc",
    "assessments": ["abc", "-1"],
    "action": "\x00garbage",
    "name": HUGE,
    "number": HUGE,
    "date": "31/02/2026",
    "self_assessment_opens": "not-a-date",
    "self_assessment_closes": "2026-13-45",
    "verification_closes": "abc",
    "instrument": "abc",
    "target": "abc",
    "value": "1e400",
    "levels": "{",
    "email": "a" * 500,
    "confirm": "maybe",
}


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("django-admin"):
                continue
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _fill(route: str, values: dict[str, str]) -> str | None:
    import re

    route = route.lstrip("^").rstrip("$").replace("\\.", ".")
    route = re.sub(r"\(\?P<fmt>[^)]*\)", values["fmt"], route)
    route = re.sub(r"\(\?P<serial>[^)]*\)\{[^}]*\}", values["serial"], route)
    route = re.sub(r"\(\?P<serial>[^)]*\)", values["serial"], route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)
    if "(" in route or "<" in route:
        return None
    return "/" + route


@pytest.fixture
def world(verification_started, admin_user, period):
    from assessments.models import Clarification, Evidence
    from certificates.models import Decision

    answer = verification_started.answers.order_by("pk").first()
    evidence = Evidence.objects.order_by("pk").first()
    clarification = Clarification.objects.create(
        answer=answer, asked_by=admin_user, question="q?", due_date=dt.date(2026, 12, 1)
    )
    decision = Decision.objects.create(
        number="1/FUZZ",
        date=dt.date(2026, 11, 22),
        period=period,
        signatory_name="A",
        signatory_title="B",
    )
    return {
        "assessment": verification_started,
        "answer": answer,
        "evidence": evidence,
        "clarification": clarification,
        "decision": decision,
    }


def _value_sets(world, users):
    real = {
        "pk": str(world["assessment"].pk),
        "assessment_id": str(world["assessment"].pk),
        "period_id": str(world["assessment"].period_id),
        "answer_pk": str(world["answer"].pk),
        "indicator_pk": str(world["answer"].indicator_id),
        "number": "1",
        "user_pk": str(users["verifier"].pk),
        "serial": "ABCD-1234",
        "fmt": "csv",
        "uidb64": "MQ",
        "token": "abc-def",
    }
    missing = {k: ("999999" if v.isdigit() else v) for k, v in real.items()}
    missing["number"] = "99"
    missing["serial"] = "-" * 40
    huge = {k: ("99999999999999999999" if v.isdigit() else v) for k, v in real.items()}
    decision_ids = {**real, "pk": str(world["decision"].pk)}
    other = {**real, "pk": str(world["clarification"].pk)}
    evidence = {**real, "pk": str(world["evidence"].pk if world["evidence"] else 1)}
    return [real, missing, huge, decision_ids, other, evidence]


def test_no_500_for_garbage_input(world, users):
    failures = []
    urls = set()
    for route, _entry in _patterns(get_resolver()):
        for values in _value_sets(world, users):
            url = _fill(route, values)
            if url and "logout" not in url:
                urls.add(url)
    assert len(urls) > 40
    for role, user in users.items():
        client: Client = client_for(user)
        client.raise_request_exception = False
        for url in sorted(urls):
            for method, kwargs in (
                ("get", {"data": GARBAGE_GET}),
                ("get", {"data": {"period": "abc", "page": "99999999999999999999"}}),
                ("get", {"data": {"period": "999999", "institution": "999999", "year": "-1"}}),
                ("post", {"data": GARBAGE_POST}),
                ("post", {"data": {}}),
                ("post", {"data": "%%%garbage", "content_type": "application/json"}),
            ):
                response = getattr(client, method)(url, **kwargs, HTTP_HX_REQUEST="true" if role == "lead" else "")
                if response.status_code >= 500:
                    exc = getattr(response, "exc_info", None)
                    failures.append(f"{role} {method.upper()} {url} -> {response.status_code} {exc and exc[1]!r}")
    assert not failures, "\n".join(failures)
