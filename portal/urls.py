from django.contrib import admin
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from integration.api import views

admin.site.site_header = "OpenCRVS–MOSIP integration"
admin.site.site_title = "OpenCRVS–MOSIP integration"

urlpatterns = [
    path("events/registration", views.registration, name="registration"),
    re_path(r"^websub/callback/?$", views.websub_callback, name="websub-callback"),
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
