from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from integration.api import (
    docs,
    favicon,
    health,
    metrics,
    verification_views,
    views,
    webhooks,
    websub,
)
from integration.console.views.auth import admin_login

admin.site.site_header = "OpenCRVS–MOSIP integration"
admin.site.site_title = "OpenCRVS–MOSIP integration"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:dashboard"), name="home"),
    path("events/registration", views.registration, name="registration"),
    path("events/update-biographics", views.update_biographics, name="update-biographics"),
    path(
        "trigger/events/<str:event_type>/actions/REGISTER",
        views.event_document,
        name="event-document",
    ),
    re_path(r"^websub/callback/?$", websub.websub_callback, name="websub-callback"),
    re_path(
        r"^websub/callback/workflow/?$", websub.workflow_callback, name="websub-workflow-callback"
    ),
    re_path(r"^webhooks/opencrvs/?$", webhooks.opencrvs_webhook, name="opencrvs-webhook"),
    path("verify", verification_views.verify, name="verify"),
    path(
        "esignet/get-oidp-user-info",
        verification_views.esignet_user_info,
        name="esignet-user-info",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("metrics", metrics.metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", docs.api_docs, name="api-docs"),
    path("api/docs/redoc.standalone.js", docs.redoc_script, name="api-docs-script"),
    path("admin/login/", admin_login, name="admin-login"),  # one sign-in: the console's
    path("admin/", admin.site.urls),
    path("console/", include("integration.console.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher
    path("oidc/", include("mozilla_django_oidc.urls")),
]

# Callers are systems: errors are JSON, never an HTML page.
handler400 = "integration.api.errors.bad_request"
handler500 = "integration.api.errors.server_error"
# Staff get a written page (admin or console look), systems JSON.
handler403 = "integration.console.views.access.permission_denied"
