"""`/api/docs/`: ReDoc served from the package (drf-spectacular-sidecar), no CDN and no
web fonts, so the docs render with nothing but the portal reachable."""

from functools import cache

from csp.decorators import csp_update
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView

REDOC = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# ReDoc's sidebar footer always loads Redocly's logo from their CDN. An image that is no
# image fails at once, and ReDoc then leaves it out: no call leaves the page.
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


class ApiDocsView(SpectacularRedocView):
    template_name = "api_docs.html"

    def _redoc_standalone(self) -> str:
        return reverse("api-docs-script")


@cache
def _redoc_script() -> bytes:
    path = finders.find(REDOC)
    with open(path, "rb") as file:
        return file.read().replace(REDOC_CDN_LOGO, b"data:,")


@require_GET
@cache_control(max_age=86400, public=True)
def redoc_script(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_redoc_script(), content_type="text/javascript; charset=utf-8")


# ReDoc styles its page with <style> elements it writes at run time and runs its search
# in a web worker made from a blob: this page alone allows both.
api_docs = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
    ApiDocsView.as_view(url_name="openapi-schema")
)
