"""The project's URLs plus a page that fails, for the friendly 500 page tests."""

from django.urls import path

from switching_sm.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), path("admin-broken/", broken), *urlpatterns]
