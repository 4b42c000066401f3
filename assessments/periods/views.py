"""Admin pages for assessment periods."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import role_required
from accounts.roles import is_admin
from assessments.models import Period
from assessments.periods import services as period_services
from assessments.periods.forms import PeriodForm
from core.errors import ValidationFailed


@role_required(is_admin)
def period_list(request: HttpRequest) -> HttpResponse:
    periods = Period.objects.select_related("instrument").order_by("-self_assessment_opens")
    return render(request, "assessments/period_list.html", {"periods": periods})


@role_required(is_admin)
def period_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    period = get_object_or_404(Period, pk=pk) if pk else None
    form = PeriodForm(request.POST or None, instance=period)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = period_services.period_save(period=period, user=request.user, **data)
        except ValidationFailed as exc:
            for error in exc.errors or [exc.message]:
                form.add_error(None, error)
        else:
            messages.success(request, _("Period %(name)s saved.") % {"name": saved.name})
            return redirect("assessments:period_list")
    return render(request, "assessments/period_form.html", {"form": form, "period": period})
