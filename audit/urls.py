from django.urls import path, re_path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("side-effects/", views.side_effects, name="side_effects"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.audit_export, name="export"),
]
