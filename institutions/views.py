from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import role_required
from accounts.roles import is_admin
from core.errors import ValidationFailed
from institutions import selectors, services
from institutions.forms import AccountCreateForm, InstitutionFilterForm
from institutions.models import Institution


@role_required(is_admin)
def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.institution_search(**{k: v for k, v in filters.items() if v})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "institutions/list.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "query": query.urlencode(),
            "counts": selectors.institution_counts(),
        },
    )


@role_required(is_admin)
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution.objects.select_related("province"), pk=pk)
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.institution_account_create(
                institution=institution, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationFailed as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                _("Account created for %(email)s; a link to set the password was e-mailed.") % {"email": user.email},
            )
            return redirect("institutions:detail", pk=institution.pk)
    return render(
        request,
        "institutions/detail.html",
        {"institution": institution, "members": selectors.institution_members(institution=institution), "form": form},
    )
