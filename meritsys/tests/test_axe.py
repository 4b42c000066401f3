"""Every page each demo role can reach passes axe-core, in both languages, at desktop and phone
width: no serious or critical violation apart from the accepted exceptions listed below.

axe-core comes from npm (package.json) and is served by the app's own static files
(`scripts/copy_assets.sh` copies it to static/vendor/axe-core/); the test injects it into each
page, no page of the product loads it.

How the pages are found: the demo data (`seed_demo`) is loaded, each demo account signs in as a
person does (password, then the authenticator code for staff) and the test follows the links it
is shown (GET only, same site), starting at the home page, in Indonesian at desktop width. Pages
of one route differ only in their data (another aspect, another institution), so one page per
route is kept. The same list of pages is then checked in English and at phone width in the same
browser. The page count is printed.

Set MERITSYS_SCREENSHOTS=<directory> to also write the screenshots used in docs/journey.md.
"""

import os
import re
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from conftest import CHROMIUM_ARGS, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "merit-demo-2026"
ACCOUNTS = [
    None,
    "admin@meritsys.local",
    "verifier1@meritsys.local",
    "editor.ciamis@meritsys.local",
    "lead.ciamis@meritsys.local",
    "lead.jabar@meritsys.local",
    "editor.kemenpanrb@meritsys.local",
]
LANGUAGES = ["id", "en"]
WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
MAX_PAGES_PER_ACCOUNT = 80
SKIP = re.compile(
    r"/(logout|i18n|django-admin|static|evidence)/|\.(pdf|xlsx|csv|zip|png|jpe?g)$|/download|/export|/letter|/charter|"
    r"/2fa/(setup|recovery|disable)|/sign-out-everywhere|"
    # The REST API answers JSON; its documentation page is Swagger UI (drf-spectacular-sidecar), not ours.
    r"^/api/v1/"
)
BLOCKING = {"serious", "critical"}

# Accepted exceptions: (rule id, pattern the offending element's selector or the URL must match,
# why it is accepted). Each one is a judgement, kept short and explained.
ACCEPTED: list[tuple[str, str, str]] = []

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), impact: n.impact, html: n.html.slice(0, 160)})),
  }));
}"""

_LINKS = """() => [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))"""


def _accepted(rule: str, url: str, target: str) -> bool:
    return any(rule == r and (re.search(p, target) or re.search(p, url)) for r, p, _ in ACCEPTED)


def axe_violations(page, url: str) -> list[str]:
    """The serious and critical violations on the page now open, minus the accepted ones."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{page.base_url}/static/vendor/axe-core/axe.min.js")
    found = []
    for violation in page.evaluate(_AXE_RUN):
        for node in violation["nodes"]:
            impact = node["impact"] or violation["impact"]
            if impact in BLOCKING and not _accepted(violation["id"], url, node["target"]):
                found.append(f"{violation['id']} ({impact}): {violation['help']} · {node['target']} · {node['html']}")
    return found


def _route(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _crawl(page) -> list[str]:
    """Links followed from the home page, one page per route."""
    queue = ["/"]
    seen: set[str] = set()
    routes: set[str] = set()
    pages: list[str] = []
    from playwright.sync_api import Error as PlaywrightError

    while queue and len(pages) < MAX_PAGES_PER_ACCOUNT:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or _route(path) in routes:
            continue
        seen.add(path)
        try:
            response = page.goto(page.base_url + url)
        except PlaywrightError:  # a link to a file download, not a page
            continue
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        final = urlsplit(page.url).path
        if _route(final) in routes and final != path:
            continue
        routes.add(_route(path))
        pages.append(url)
        for href in page.evaluate(_LINKS):
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(parts.path):
                continue
            if parts.path not in seen:
                queue.append(href)
    return pages


def _screenshots(page, shots: list[tuple[str, str]], directory: Path) -> None:
    """The pages docs/journey.md shows, at both widths, in Indonesian."""
    for name, url in shots:
        for width_name, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            page.goto(page.base_url + url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(directory / f"screen-{name}-{width_name}.png"), full_page=width_name == "phone")


def _verification_started() -> dict[str, list[tuple[str, str]]]:
    """The demo's submitted assessment (Jawa Barat) taken into verification by its verifier, with
    one verified level, so the verifier's working pages (level choices, return and finalise
    buttons) are among the pages checked. Returns the screenshots each account takes."""
    from accounts.models import User
    from assessments.models import Assessment, AssessmentStatus
    from assessments.verification.services import verification_start, verified_answer_update

    verifier = User.objects.get(email="verifier1@meritsys.local")
    assessment = Assessment.objects.get(institution__code="32", status=AssessmentStatus.SUBMITTED)
    verification_start(assessment=assessment, user=verifier)
    answer = assessment.answers.order_by("indicator__aspect__number", "indicator__position")[0]
    verified_answer_update(answer=answer, user=verifier, level=3, note="Sesuai bukti dukung.", version=answer.version)
    return {
        "editor.ciamis@meritsys.local": [("institution-home", "/")],
        "verifier1@meritsys.local": [("verifier-assessment", f"/verification/{assessment.pk}/aspects/1/")],
        "admin@meritsys.local": [("national-dashboard", "/dashboard/")],
    }


def test_every_page_of_every_demo_role_passes_axe(live_server, capsys):
    from playwright.sync_api import sync_playwright

    from core.testing import CHROMIUM, require_chromium
    from demo.seed import seed_demo

    require_chromium()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
    translation.trans_real._translations = {}
    translation.trans_real._default = None
    seed_demo()
    shots = _verification_started()
    screenshots = os.environ.get("MERITSYS_SCREENSHOTS")
    if screenshots:
        # The dashboard's trend is worth showing: five past periods of the whole country.
        from demo.national import seed_national

        seed_national(periods=5)
    cache.clear()
    problems: dict[str, list[str]] = {}
    counted: dict[str, int] = {}
    checks = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for account in ACCOUNTS:
                name = (account or "anonymous").split("@")[0]
                context = browser.new_context(locale="id-ID", viewport=WIDTHS["desktop"])
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.base_url = live_server.url
                context.add_cookies([{"name": "django_language", "value": "id", "url": live_server.url}])
                if account:
                    browser_login(page, account, DEMO_PASSWORD)
                pages = _crawl(page)
                counted[name] = len(pages)
                for language in LANGUAGES:
                    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
                    for width_name, viewport in WIDTHS.items():
                        page.set_viewport_size(viewport)
                        for url in pages:
                            page.goto(page.base_url + url)
                            page.wait_for_load_state("load")
                            checks += 1
                            found = axe_violations(page, url)
                            if found:
                                problems[f"{name} {language} {width_name} {url}"] = found
                if screenshots:
                    context.add_cookies([{"name": "django_language", "value": "id", "url": live_server.url}])
                    _screenshots(page, shots.get(account or "", []), Path(screenshots))
                context.close()
        finally:
            browser.close()
    total = sum(counted.values())
    with capsys.disabled():
        print(f"\naxe-core: {total} pages ({', '.join(f'{k} {v}' for k, v in counted.items())}), {checks} checks")
    assert total >= 60, counted
    assert not problems, "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())


def test_the_check_finds_a_serious_violation(browser_page):
    """The check is not vacuous: a page with low-contrast text and an unlabelled input fails."""
    page = browser_page
    page.goto(page.base_url + "/accounts/login/")
    page.evaluate(
        """() => {
      document.querySelector('main').insertAdjacentHTML('beforeend',
        '<p style="color:#bbb;background:#fff">faint</p><input type="text" id="unlabelled">');
    }"""
    )
    found = axe_violations(page, "/accounts/login/")
    assert any(f.startswith("color-contrast") for f in found), found
    assert any(f.startswith("label") for f in found), found


def test_keyboard_reaches_the_content_first_through_the_skip_link(browser_page):
    """The first Tab lands on the skip link, which shows itself; Enter moves focus into <main>."""
    page = browser_page
    page.goto(page.base_url + "/results/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert "skip-link" in focused[0] and focused[1] == "#main", focused
    assert page.locator("a.skip-link").bounding_box()["width"] > 1
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
