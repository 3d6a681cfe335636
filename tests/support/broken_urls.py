"""A URL whose view has a bug, to see what a caller gets."""

from django.urls import path


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom", boom)]
handler500 = "integration.api.errors.server_error"
