"""Who may open which console page. Every check is made here, on the server; templates
only hide what a person may not use."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from integration.console.roles import ACT_ON_SUBMISSIONS, SEE_PERSONAL_DATA, USE_CONSOLE

NEEDS = {
    USE_CONSOLE: _("open the staff console"),
    ACT_ON_SUBMISSIONS: _("change submissions (support or integration admin role)"),
}


def forbidden(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"needed": needed}, status=403)


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
