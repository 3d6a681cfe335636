"""`/api/docs/`: ReDoc served from the package (drf-spectacular-sidecar), no CDN and no
web fonts, so the docs render with nothing but the portal reachable."""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView


class ApiDocsView(SpectacularRedocView):
    template_name = "api_docs.html"


# ReDoc styles its page with <style> elements it writes at run time and runs its search
# in a web worker made from a blob: this page alone allows both.
api_docs = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
    ApiDocsView.as_view(url_name="openapi-schema")
)
