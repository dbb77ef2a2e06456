"""Control characters are refused at the edge with a 400 naming where they are."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory

from kernel.input_guard import InputGuardMiddleware, find_forbidden

pytestmark = pytest.mark.django_db


def fields_of(response):
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


@pytest.mark.parametrize("url,field", [
    ("/api/v1/demand/aggregate/?service=%00", "service"),
    ("/api/v1/kpis/?provider=%00", "provider"),
    ("/api/v1/incidents/?status=new&service=uk%01link", "service"),
    ("/api/v1/incidents/INC-%00/", "path"),
])
def test_control_character_in_the_url_is_400_naming_where(session_client, provider_user, url, field):
    fields = fields_of(session_client(provider_user).get(url))
    assert fields == {field: [
        f"Contains a control character (U+{'0001' if '%01' in url else '0000'}) that is not "
        "allowed; remove it."]}


def test_control_character_in_a_portal_query_is_a_plain_400(client, supplier_user):
    client.force_login(supplier_user)
    response = client.get("/incidents/?show=%00")
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_nul_nested_in_a_json_body_is_400_with_its_field_path(session_client, provider_user, service):
    response = session_client(provider_user).post("/api/v1/change-notifications/", {
        "title": "Patching", "impacts": [{"service": "uk-link", "impact": "outage"},
                                         {"service": "uk\u0000link", "impact": "outage"}]},
        format="json")
    assert fields_of(response) == {"impacts.1.service": [
        "Contains a control character (U+0000) that is not allowed; remove it."]}


def test_lone_surrogate_in_a_json_body_is_refused(session_client, supplier_user, service):
    response = session_client(supplier_user).post(
        "/api/v1/incidents/", '{"title": "Late \\ud800 responses", "description": "x", '
        '"severity": 3, "services": ["uk-link"]}', content_type="application/json")
    assert "title" in fields_of(response)
    assert not supplier_user.organisation.incidents.exists()


def test_control_character_in_a_multipart_field_is_refused(session_client, provider_user):
    client = session_client(provider_user)
    response = client.post("/api/v1/demand/forecasts/upload/", {
        "note": "from\u0007 our planning system",
        "file": SimpleUploadedFile("forecast.csv", b"service,window_start\n")},
        format="multipart")
    assert fields_of(response) == {"note": [
        "Contains a control character (U+0007) that is not allowed; remove it."]}


def test_tabs_and_new_lines_are_text_and_stay_allowed(session_client, supplier_user, service):
    response = session_client(supplier_user).post("/api/v1/incidents/", {
        "title": "Late responses", "description": "Since 09:40:\n\t- UK Link\r\n\t- CSS",
        "severity": 3, "services": ["uk-link"]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["description"].startswith("Since 09:40:\n\t")


def test_keys_are_checked_as_well_as_values():
    assert find_forbidden({"answers": {"sub\x00ject": "x"}}) == (("answers", "sub\\x00ject"), "\x00")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_orchestrator_probes_are_never_blocked(path):
    middleware = InputGuardMiddleware(lambda request: HttpResponse("ok"))
    response = middleware(RequestFactory().get(path + "?x=%00"))
    assert response.status_code == 200
