"""Sign-in and sign-out: the identity provider first, username and password only as
break-glass for local superusers. The Django admin signs in here too."""

from urllib.parse import urlencode

from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from integration import app_settings
from integration.console.views.access import forbidden


class ConsoleLoginView(LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            oidc_enabled=bool(app_settings.OIDC_OP_AUTHORIZATION_ENDPOINT),
            provider_name=app_settings.OIDC_PROVIDER_NAME,
            sso_failed=self.request.GET.get("sso") == "failed",
            show_password_form=self.request.method == "POST"
            or not app_settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        )
        return context


logout = LogoutView.as_view(next_page="console:login")


def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's sign-in page: one sign-in for console and admin. Someone
    signed in whose role does not reach the admin is told so instead of asked again."""
    if request.user.is_authenticated:
        return forbidden(request, _("open the Django admin (integration admin role)"))
    query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
    return redirect(f"{reverse('console:login')}?{query}")
