"""Who may open which console page. Every check is made here, on the server; templates
only hide what a person may not use."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from integration.roles import ACT_ON_SUBMISSIONS, SEE_PERSONAL_DATA, USE_CONSOLE

NEEDS = {
    USE_CONSOLE: _("open the staff console"),
    ACT_ON_SUBMISSIONS: _("change submissions (support or integration admin role)"),
}


def forbidden(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"needed": needed}, status=403)


# What a page of the admin that only superusers may open is for, by its path.
ADMIN_NEEDS = {
    "/admin/auth/user/": _("manage staff accounts"),
    "/admin/auth/group/": _("manage groups and their permissions"),
}


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: staff get a page that says what they lack and whom to ask, in the look
    of the part of the portal they were in; systems calling the API get JSON."""
    path = request.path
    if path.startswith("/admin/"):
        needed = next(
            (words for prefix, words in ADMIN_NEEDS.items() if path.startswith(prefix)),
            _("open this page of the admin"),
        )
        return render(request, "admin/forbidden.html", {"needed": needed}, status=403)
    if path.startswith("/console/"):
        return forbidden(request, _("open this page"))
    return JsonResponse({"detail": "Forbidden."}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page too old for the session (or from another
    site) is a 403 too; staff are told to reload and send again, in the page's look."""
    if request.path.startswith(("/admin/", "/console/")):
        admin_page = request.path.startswith("/admin/")
        template = "admin/forbidden.html" if admin_page else "console/forbidden.html"
        return render(request, template, {"expired_form": True}, status=403)
    return JsonResponse({"detail": "Forbidden: the CSRF check failed."}, status=403)


def console_view(permission: str = USE_CONSOLE) -> Callable:
    """Signed in (else to the sign-in page) and holding `permission` (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(permission):
                return forbidden(request, NEEDS.get(permission, permission))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def sees_personal_data(request: HttpRequest) -> bool:
    return request.user.has_perm(SEE_PERSONAL_DATA)


def can_act(request: HttpRequest) -> bool:
    return request.user.has_perm(ACT_ON_SUBMISSIONS)
