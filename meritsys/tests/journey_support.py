"""Helpers for the cross-capability journeys: people with real names, switching users in one
browser, files to upload, and the layout and accessibility checks run on every main page."""

import subprocess
from pathlib import Path
from typing import Any

from accounts.models import Role, User
from assessments.self_assessment.tests.support import pdf_bytes
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
            # On a phone the menu is collapsed: open it and let it finish opening.
            page.click("button.navbar-toggler")
            page.locator("#nav-main.collapse.show").wait_for()
        # Wait for the logout to land: going to the login page while the POST is in flight
        # can cancel it, and the login page then redirects the still logged-in user home.
        with page.expect_navigation():
            logout.click()
    browser_login(page, user.email)


def decision_draft_in_browser(page: Any, *, number: str, date: str, period: Any) -> Any:
    """The admin drafts a decision for `period` on its page; returns the annex rows."""
    page.click("nav a.nav-link:has-text('Keputusan dan piagam')")
    page.click("main a:has-text('Keputusan baru')")
    page.fill("input[name=number]", number)
    page.fill("input[name=date]", date)
    page.select_option("select[name=period]", str(period.pk))
    # A person signs, not an office: the form no longer pre-fills a title as the name.
    page.fill("input[name=signatory_name]", "Dr. Penandatangan Uji, M.Si.")
    page.fill("input[name=signatory_nip]", "197001011995031001")
    page.click("main form input[name=submit]")
    annex = page.locator("#annex tbody tr")
    annex.first.wait_for()
    return annex


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
    // Name the innermost elements that stick out, to say where the overflow comes from.
    const out = [...document.body.querySelectorAll('*')].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > width + 1 && !el.closest('.table-responsive, .overflow-auto')
        && ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1);
    }).slice(0, 3).map((el) => el.outerHTML.slice(0, 100));
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport: ` + out.join(' | '));
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


# --- a period with every role's pages populated ---------------------------------------------


def scenario(*, period: Any, institution: Institution, other_institution: Institution) -> dict[str, Any]:
    """Every main page of every role with something on it, built through the services (the
    browser part of these tests only looks at pages):

    - `institution` (editor, lead): returned for revision, 1.2 flagged, an open clarification
      on 1.1 — its aspect page has the answer, upload and reply forms;
    - `other_institution`: in verification by the verifier, aspect 1 partly verified;
    - a province: verified and included in an issued decision, so it holds a valid charter.
    """
    import datetime as dt

    from django.utils import timezone

    from assessments.domain.workflow import transition_apply
    from assessments.models import Answer, AssessmentStatus, ReviewState
    from assessments.periods.services import assessment_get_or_create
    from assessments.scoring.services import score_compute
    from assessments.self_assessment.tests.support import fill_all
    from assessments.verification import services as verification
    from certificates import services as certificates
    from conftest import make_institution
    from institutions.models import InstitutionKind

    who = people(institution)
    verifier, admin = who["verifier"], who["admin"]
    due = timezone.localdate() + dt.timedelta(days=7)

    def submitted(owner: Institution, lead: User) -> Any:
        assessment = assessment_get_or_create(institution=owner, period=period)
        fill_all(assessment, lead, level=2)
        transition_apply(assessment=assessment, to=AssessmentStatus.SUBMITTED, user=lead)
        verification.verifier_assign(assessment=assessment, verifiers=[verifier], user=admin)
        return verification.verification_start(assessment=assessment, user=verifier)

    def answer(assessment: Any, code: str) -> Answer:
        return Answer.objects.select_related("assessment", "indicator").get(assessment=assessment, indicator__code=code)

    returned = submitted(institution, who["lead"])
    verification.clarification_ask(
        answer=answer(returned, "1.1"), user=verifier, question="Mohon lampirkan SK terbaru.", due_date=due
    )
    flagged = answer(returned, "1.2")
    returned = verification.assessment_return(
        assessment=returned, user=verifier, flags={flagged.pk: "Dokumen belum ditandatangani."}
    )

    other_lead = make_member(other_institution, MembershipRole.LEAD, "lead@lain.go.id")
    in_verification = submitted(other_institution, other_lead)
    first = answer(in_verification, "1.1")
    verification.verified_answer_update(answer=first, user=verifier, level=2, note="Cukup.", version=first.version)
    verification.clarification_ask(
        answer=answer(in_verification, "1.2"), user=verifier, question="Di mana SK-nya?", due_date=due
    )

    province = make_institution("91", "Provinsi Uji Coba", InstitutionKind.PROVINSI)
    decided = assessment_get_or_create(institution=province, period=period)
    Answer.objects.filter(assessment=decided).update(self_level=4, verified_level=4, review_state=ReviewState.VERIFIED)
    for target in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.VERIFIED):
        transition_apply(assessment=decided, to=target, user=verifier)
    score_compute(assessment_id=decided.pk, basis="verified")
    decision = certificates.decision_create(
        user=admin,
        number="1/KEP.KASN/XII/2026",
        date=timezone.localdate(),
        place="Jakarta",
        period=period,
        signatory_name="Prof. Dr. Uji Penandatangan",
        signatory_title="Ketua Komisi Aparatur Sipil Negara",
    )
    certificates.decision_issue(decision=decision, user=admin)
    decision.refresh_from_db()
    return {
        **who,
        "returned": returned,
        "in_verification": in_verification,
        "flagged": flagged,
        "decision": decision,
        "certificate": decision.certificates.get(),
    }


def main_pages(s: dict[str, Any]) -> dict[str, list[str]]:
    """The main pages of each role (paths), for the layout and accessibility passes."""
    from django.urls import reverse

    returned, checking = s["returned"].pk, s["in_verification"].pk
    first = s["in_verification"].answers.get(indicator__code="1.1").pk
    return {
        "anonymous": [
            reverse("accounts:login"),
            reverse("certificates:verify_lookup"),
            reverse("certificates:verify", args=[s["certificate"].serial]),
            reverse("dashboards:public_results"),
        ],
        "editor": [
            reverse("home"),
            reverse("assessments_self:aspect", args=[returned, 1]),
            reverse("assessments_self:submit", args=[returned]),
            reverse("assessments_scores:list"),
            reverse("assessments_scores:comparison", args=[returned]),
            reverse("assessments_scores:simulator", args=[returned]),
            reverse("dashboards:my_profile"),
            reverse("certificates:decision_list"),
            reverse("accounts:profile"),
        ],
        "lead": [
            reverse("home"),
            reverse("assessments_self:submit", args=[returned]),
        ],
        "verifier": [
            reverse("assessments_verification:queue"),
            reverse("assessments_verification:assessment", args=[checking]),
            reverse("assessments_verification:aspect", args=[checking, 1]),
            reverse("assessments_verification:clarify", args=[checking, first]),
            reverse("assessments_verification:return", args=[checking]),
            reverse("assessments_verification:finalise", args=[checking]),
            reverse("assessments_verification:clarifications"),
            reverse("assessments_verification:changes", args=[returned]),
            reverse("assessments_verification:history", args=[checking]),
            reverse("assessments_scores:comparison", args=[checking]),
            reverse("dashboards:national"),
        ],
        "admin": [
            reverse("home"),
            reverse("assessments_verification:assignment"),
            reverse("assessments_verification:workload"),
            reverse("assessments_verification:assessment_verifiers", args=[checking]),
            reverse("certificates:decision_list"),
            reverse("certificates:decision_create"),
            reverse("certificates:decision_detail", args=[s["decision"].pk]),
            reverse("certificates:certificate_revoke", args=[s["certificate"].pk]),
            reverse("dashboards:national"),
            reverse("dashboards:results"),
            reverse("dashboards:targets"),
            reverse("institutions:list"),
            reverse("institutions:detail", args=[s["returned"].institution_id]),
            reverse("assessments:instrument_list"),
            reverse("assessments:instrument_detail", args=[s["returned"].period.instrument_id]),
            reverse("assessments:period_list"),
            reverse("assessments_self:extensions"),
        ],
    }


def recommendations_in_browser(page: Any, assessment: Any) -> None:
    """The verifier writes the improvement recommendation of every aspect on the aspect pages."""
    from django.urls import reverse

    from assessments.models import Aspect

    numbers = list(
        Aspect.objects.filter(instrument_id=assessment.period.instrument_id)
        .order_by("number")
        .values_list("number", flat=True)
    )
    for number in numbers:
        page.goto(f"{page.base_url}{reverse('assessments_verification:aspect', args=[assessment.pk, number])}")
        page.fill("#recommendation-text", f"Perkuat bukti dukung aspek {number} dan evaluasi pelaksanaannya.")
        with page.expect_navigation():
            page.click("#recommendation button[type=submit]")
