"""Every page as every demo role, in both languages: dates and figures are written one way.

A crawler starts at the home page of each demo account and follows the links it is shown (GET
only, same site), as a person clicking through would. In the visible text of each HTML page it
looks for the styles core.formatting never writes: ISO or numeric dates, month-first dates,
a.m./p.m. times, English number separators, and numbers of four or more digits without their
thousands separator. Identifiers (serials, codes, NIP) are marked up as <code> and skipped.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from accounts.models import User
from demo.seed import seed_demo

pytestmark = pytest.mark.django_db

MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Januari|Februari|Maret|Mei|Juni|Juli|Agustus|Oktober|Desember"
)
FORBIDDEN = {
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    # (13.27.05 WIB is an Indonesian time with seconds, not a date.)
    "numeric date": re.compile(r"(?<![\w.])\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b(?!\s*WIB)"),
    "month-first date": re.compile(rf"\b(?:{MONTH_NAMES})\.? \d{{1,2}}(?!\d)"),
    "a.m./p.m. time": re.compile(r"\b\d{1,2}[:.]\d{2}\s*[ap]\.?m\.?(?!\w)", re.IGNORECASE),
    "time without its zone": re.compile(r"\b\d{2}[:.]\d{2}\b(?!\s*WIB)(?![.,:]\d)"),
    # A group never starts with 0: "0,125" is an Indonesian decimal (a weight), not 125.
    "English thousands separator": re.compile(r"(?<![\w.,])[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\w,])"),
    "English decimal point": re.compile(r"(?<![\w.,])\d+\.\d{2}(?![\d.])(?!\s*WIB)"),
    "number without thousands separator": re.compile(r"(?<![\w.,/+-])\d{5,}(?![\w.,/])"),
}
# Four-digit numbers are years here (2019–2031) unless they are counts or scores, which the
# formatting module always groups ("2.548"), so anything else of four digits is flagged.
FOUR_DIGITS = re.compile(r"(?<![\w.,/+-])(\d{4})(?![\w.,/])")
YEARS = range(1990, 2101)
SKIPPED_TAGS = {"script", "style", "code", "kbd", "samp", "textarea", "template"}
DEMO_PASSWORD = "merit-demo-2026"
ROLES = [
    None,
    "admin@meritsys.local",
    "verifier1@meritsys.local",
    "editor.ciamis@meritsys.local",
    "lead.ciamis@meritsys.local",
    "lead.jabar@meritsys.local",
]
MAX_PAGES = 120
# Pages of one route differ only in their data: two of each (two institutions, two aspects) do.
PER_ROUTE = 2
SKIP = re.compile(r"/(logout|i18n|django-admin|static)/|\.(pdf|xlsx|csv|zip|png|jpe?g)$|/download|/preview|/export")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self._skipping.append(tag)
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping:
            self.text.append(data)


def offences(text: str) -> list[str]:
    found = [f"{label}: {m.group(0)!r}" for label, pattern in FORBIDDEN.items() for m in pattern.finditer(text)]
    found += [
        f"four digits that are no year: {m.group(1)!r}"
        for m in FOUR_DIGITS.finditer(text)
        if int(m.group(1)) not in YEARS
    ]
    return found


def test_the_patterns_catch_what_the_product_must_not_write():
    bad = "2026-11-29 · 12/02/2026 · December 2, 2026 · 1:27 p.m. · 1,234.5 · 367.50 · 12548 · 2548 · 13:27"
    labels = {o.split(":")[0] for o in offences(bad)}
    assert labels == set(FORBIDDEN) | {"four digits that are no year"}
    good = (
        "2 Desember 2026 · 2 December 2026, 13:27 WIB · 2 Desember 2026 13.27 WIB · 1.234,5 · 367,50 · 2.548 · 29,96%"
    )
    assert offences(good) == []


def _crawl(client: Client) -> tuple[dict[str, list[str]], int, str]:
    seen: set[str] = set()
    per_route: dict[str, int] = {}
    queue = deque(["/"])
    problems: dict[str, list[str]] = {}
    texts: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        route = re.sub(r"\d+", "N", path)
        if path in seen or per_route.get(route, 0) >= PER_ROUTE:
            continue
        seen.add(path)
        per_route[route] = per_route.get(route, 0) + 1
        response = client.get(url, follow=True)
        assert response.status_code < 500, url
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        text = " ".join(" ".join(page.text).split())
        texts.append(text)
        found = offences(text)
        if found:
            problems[url] = found
        for href in page.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(parts.path):
                continue
            if parts.path not in seen:
                queue.append(href)
    return problems, len(texts), " ".join(texts)


def _media(root) -> dict:
    storages: dict = dict(settings.STORAGES)
    storages["default"] = {**storages["default"], "OPTIONS": {"location": str(root)}}
    return {"STORAGES": storages, "PRIVATE_MEDIA_ROOT": root}


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker, tmp_path_factory):
    root = tmp_path_factory.mktemp("crawl-media")
    with django_db_blocker.unblock(), override_settings(**_media(root)):
        seed_demo()
        call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
        translation.trans_real._translations = {}
        translation.trans_real._default = None
        yield root
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "anonymous").split("@")[0])
def test_every_page_writes_dates_and_figures_one_way(demo_world, email, language, settings):
    for name, value in _media(demo_world).items():
        setattr(settings, name, value)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if email:
        client.force_login(User.objects.get(email=email))
    problems, pages, text = _crawl(client)
    # The crawl really went through the product: pages with dates in the page's language.
    assert pages >= (3 if email is None else 12), pages
    if email:
        months = MONTH_NAMES.split("|")[:12] if language == "en" else MONTH_NAMES.split("|")[12:]
        assert re.search(rf"\b\d{{1,2}} (?:{'|'.join(months)}|November|September|April) 20\d\d\b", text)
    assert not problems, "\n".join(f"{url}: {found}" for url, found in problems.items())
