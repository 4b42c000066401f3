"""Who may download which document: the one place these rules live.

- admin: the letter of any issued decision, any charter, every charter as one ZIP;
- verifier: the letter of any issued decision;
- institution users (editor, lead): the letter of an issued decision that includes their
  institution, and their own institution's charter while it is valid.
Anything a user may not know exists is a 404; a refusal of something they can see is a 403.
"""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier, membership_of
from certificates.models import Certificate, Decision, DecisionStatus, RenderStatus
from certificates.selectors import decisions_visible_to
from core.errors import AccessDenied, NotFound


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def access_letter(user: AnyUser, pk: Any) -> Decision:
    """The decision whose letter the user may download, once it is rendered."""
    decision = decisions_visible_to(user).filter(pk=_pk(pk), status=DecisionStatus.ISSUED).first()
    if decision is None:
        raise Http404
    if decision.letter_status != RenderStatus.READY or not decision.letter:
        raise NotFound(_("The decision letter is not ready yet. Try again in a moment."))
    return decision


def access_charter(user: AnyUser, pk: Any) -> Certificate:
    """The certificate whose charter the user may download, once it is rendered."""
    certificate = (
        Certificate.objects.select_related("institution", "decision")
        .filter(pk=_pk(pk), decision__status=DecisionStatus.ISSUED)
        .first()
    )
    if certificate is None:
        raise Http404
    if not is_admin(user):
        if is_verifier(user):
            raise AccessDenied(_("Verifiers may download the decision letter, not the charters."))
        membership = membership_of(user)
        if membership is None or membership.institution_id != certificate.institution_id:
            raise Http404
        if not certificate.is_valid:
            raise AccessDenied(_("This charter has been revoked and can no longer be downloaded."))
    if certificate.render_status != RenderStatus.READY or not certificate.pdf:
        raise NotFound(_("The charter is not ready yet. Try again in a moment."))
    return certificate
