"""Helpers for the cross-capability journeys: people with real names, switching users in one
browser, files to upload, and the layout and accessibility checks run on every main page."""

import subprocess
from pathlib import Path
from typing import Any

from accounts.models import Role, User
from assessments.tests.self_support import pdf_bytes
from conftest import browser_login, make_member, make_user
from institutions.models import Institution, MembershipRole

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def people(institution: Institution) -> dict[str, User]:
    """One person per role, named as they would be in the product (names show on many pages)."""
    editor = make_member(institution, MembershipRole.EDITOR, "budi@instansi.go.id")
    lead = make_member(institution, MembershipRole.LEAD, "sri@instansi.go.id")
    User.objects.filter(pk=editor.pk).update(full_name="Budi Santoso")
    User.objects.filter(pk=lead.pk).update(full_name="Sri Wahyuni")
    return {
        "editor": User.objects.get(pk=editor.pk),
        "lead": User.objects.get(pk=lead.pk),
        "verifier": make_user("rina@kasn.go.id", Role.VERIFIER, full_name="Rina Kusuma"),
        "admin": make_user("admin@kasn.go.id", Role.ADMIN, full_name="Admin Sekretariat"),
    }


def use_indonesian(page: Any) -> None:
    """The language cookie a person gets from the language switch (Indonesian is the default)."""
    page.context.add_cookies([{"name": "django_language", "value": "id", "url": page.base_url}])


def log_in_as(page: Any, user: User) -> None:
    """Log out whoever is logged in (through the navbar button, as a person would), then log in."""
    logout = page.locator("form[action$='/logout/'] button")
    if page.url.startswith(page.base_url) and logout.count():
        if not logout.is_visible():
            page.click("button.navbar-toggler")
        logout.click()
        page.wait_for_load_state()
    browser_login(page, user.email)


def pdf_file(tmp_path: Path, name: str, tag: str) -> Path:
    """A small PDF on disk for the file chooser; `tag` makes its bytes (and hash) unique."""
    path = tmp_path / name
    path.write_bytes(pdf_bytes(tag))
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


# --- checks run on each main page ------------------------------------------------------------

# Form controls a person fills in (hidden inputs and buttons carry their own text).
_CONTROLS = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]), select, textarea"

_A11Y_SCRIPT = """(controls) => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 160);
  for (const el of document.querySelectorAll(controls)) {
    const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const wrapped = el.closest('label');
    const aria = (el.getAttribute('aria-label') || '').trim();
    const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .some((id) => { const t = document.getElementById(id); return t && t.textContent.trim(); });
    const forText = byFor && byFor.textContent.trim();
    if (!(forText || (wrapped && wrapped.textContent.trim()) || aria || labelledBy)) {
      problems.push('control without a label: ' + describe(el));
    }
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt: ' + describe(img));
  }
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  if (!(document.documentElement.getAttribute('lang') || '').trim()) problems.push('html has no lang');
  return problems;
}"""

_LAYOUT_SCRIPT = """(controls) => {
  const problems = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
  }
  // Visible controls and buttons must fit the screen (a control inside a horizontally
  // scrolling table wrapper is reachable by scrolling that wrapper, so it is let through).
  for (const el of document.querySelectorAll(controls + ', button, a.btn')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.table-responsive, .overflow-auto, .navbar-collapse:not(.show)')) continue;
    if (box.left < -1 || box.right > width + 1) {
      problems.push(`control outside the screen (${Math.round(box.left)}..${Math.round(box.right)}): ` + el.outerHTML.slice(0, 120));
    }
  }
  return problems;
}"""


def a11y_problems(page: Any) -> list[str]:
    """Labels on every form control, alt on every img, exactly one h1, a lang on <html>."""
    return list(page.evaluate(_A11Y_SCRIPT, _CONTROLS))


def layout_problems(page: Any) -> list[str]:
    """No horizontal overflow, and every visible control within the screen's width."""
    return list(page.evaluate(_LAYOUT_SCRIPT, _CONTROLS))
