"""Friendly 403/404/500 pages in the portal's look and, under /admin/, the console's; the
same under `make run` (DEBUG), where Django would show its technical pages."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TECHNICAL = 'content="NONE,NOARCHIVE"'


@pytest.fixture(params=[False, True], ids=["production", "make-run-debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_a_refused_portal_page_is_the_portals_403(client, supplier_user, debug):
    client.force_login(supplier_user)
    response = client.get("/demand/alerts/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "You cannot do that" in page and "site-header" in page and TECHNICAL not in page


def test_a_refused_console_page_is_the_consoles_403(client, auditor_user, debug):
    client.force_login(auditor_user)
    response = client.get("/admin/accounts/organisation/add/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "You cannot do that" in page and 'id="site-name"' in page


def test_a_missing_page_is_the_friendly_404_even_under_debug(client, supplier_user, debug):
    client.force_login(supplier_user)
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and TECHNICAL not in page and "URLconf" not in page
    if not debug:  # django-csp leaves DEBUG 404s alone; in production the page has it
        assert response.headers["Content-Security-Policy"]


def test_a_missing_console_record_is_the_consoles_404(client, desk_agent, debug):
    client.force_login(desk_agent)
    response = client.get("/admin/incidents/incident/999999/change/", follow=True)
    page = response.content.decode()
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert 'id="site-name"' in page and TECHNICAL not in page


def test_api_errors_keep_their_json_shape(client, debug):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.urls("tests.error_urls")
def test_a_failing_page_is_the_friendly_500_even_under_debug(debug):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page and TECHNICAL not in page and "a bug" not in page
