"""`/favicon.ico`: browsers ask for it on every page outside the console and admin (which
name their icon), e.g. the API docs and JSON answers opened in a tab; a 404 there fills the
access log. It points at the one icon the portal has."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("console/favicon.svg"))
