from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from assessments.access import access_evidence
from core import storage
from core.auditing import audit_access

# Types a browser may show inline (previews for verifiers); anything else downloads.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


@require_GET
@login_required
@xframe_options_sameorigin
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Stream a private evidence file to someone who may see its assessment."""
    evidence = access_evidence(request.user, pk)
    inline = request.GET.get("inline") == "1" and evidence.content_type in INLINE_TYPES
    assessment = evidence.answer.assessment
    audit_access(
        instance=evidence,
        user=request.user,
        request=request,
        detail={"assessment": assessment.pk, "institution": assessment.institution_id, "period": assessment.period_id},
    )
    # Streamed from the store after the check above (never a bucket URL: see core/storage.py).
    return storage.download_response(
        evidence.file.name,
        filename=evidence.original_name,
        content_type=evidence.content_type,
        as_attachment=not inline,
    )
