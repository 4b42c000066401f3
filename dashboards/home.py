"""The landing page: each role starts where its work is (a dashboard of its own kind)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.roles import nav_role
from assessments.models import Instrument, Period
from institutions.models import InstitutionKind
from institutions.selectors import institution_counts


def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own starting page."""
    role = nav_role(request.user)
    if role == "anonymous":
        return redirect("accounts:login")
    if role == "admin":
        return admin_home(request)
    if role in ("editor", "lead"):
        from assessments.self_assessment.views import institution_home

        return institution_home(request)
    if role == "verifier":
        return redirect("assessments_verification:queue")
    return render(request, "home_basic.html", {"role": role})


def admin_home(request: HttpRequest) -> HttpResponse:
    counts = institution_counts()
    regional = sum(
        counts.get(k, 0) for k in (InstitutionKind.PROVINSI, InstitutionKind.KABUPATEN, InstitutionKind.KOTA)
    )
    regional_kinds = (InstitutionKind.PROVINSI, InstitutionKind.KABUPATEN, InstitutionKind.KOTA)
    central = sum(n for k, n in counts.items() if k not in regional_kinds)
    kinds = [(kind.label, counts.get(kind.value, 0)) for kind in InstitutionKind]
    return render(
        request,
        "home_admin.html",
        {
            "kinds": kinds,
            "regional": regional,
            "central": central,
            "instruments": Instrument.objects.order_by("-created_at")[:5],
            "periods": Period.objects.select_related("instrument").order_by("-self_assessment_opens")[:5],
        },
    )
