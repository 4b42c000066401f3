"""Admin pages for instruments and periods."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import is_admin, is_oversight
from assessments.instrument import io as instrument_io
from assessments.instrument import selectors as instrument_selectors
from assessments.instrument import services as instrument_services
from assessments.instrument.forms import InstrumentImportForm
from core.errors import ValidationFailed


@role_required(is_oversight)
def instrument_list(request: HttpRequest) -> HttpResponse:
    instruments = instrument_selectors.instrument_list_for_user(user=request.user)
    return render(request, "assessments/instrument_list.html", {"instruments": instruments})


@role_required(is_oversight)
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = get_object_or_404(instrument_selectors.instrument_list_for_user(user=request.user), pk=pk)
    aspects = instrument_selectors.instrument_tree(instrument=instrument)
    return render(
        request,
        "assessments/instrument_detail.html",
        {"instrument": instrument, "aspects": aspects, "aspect_total": sum(a.max_score for a in aspects)},
    )


@role_required(is_oversight)
def instrument_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    instrument = get_object_or_404(instrument_selectors.instrument_list_for_user(user=request.user), pk=pk)
    if fmt == "json":
        body, content_type = instrument_io.instrument_export_json(instrument), "application/json"
    else:
        body = instrument_io.instrument_export_xlsx(instrument)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{instrument.code}.{fmt}"'
    return response


@role_required(is_admin)
def instrument_import(request: HttpRequest) -> HttpResponse:
    form = InstrumentImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            instrument = instrument_io.instrument_import(
                data=upload.read(), filename=upload.name, user=request.user, publish=form.cleaned_data["publish"]
            )
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        else:
            messages.success(request, _("Instrument %(code)s imported.") % {"code": instrument.code})
            return redirect("assessments:instrument_detail", pk=instrument.pk)
    return render(request, "assessments/instrument_import.html", {"form": form, "errors": errors})


@require_POST
@role_required(is_admin)
def instrument_publish(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = get_object_or_404(instrument_selectors.instrument_list_for_user(user=request.user), pk=pk)
    instrument_services.instrument_publish(instrument=instrument, user=request.user)
    messages.success(request, _("Instrument published."))
    return redirect("assessments:instrument_detail", pk=pk)
