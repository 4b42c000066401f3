from django.urls import path

from institutions import views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="list"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("register/", views.register_home, name="register"),
    path("register/export.<str:fmt>", views.register_export, name="register_export"),
    path("register/uploads/<int:pk>/", views.register_preview, name="register_preview"),
]
