"""Status pages, JSON and feed: what each audience sees, caching and invalidation."""

import json

import pytest
from django.urls import reverse

from services.factories import ServiceFactory
from servicestatus.factories import BulletinFactory
from servicestatus.models import Bulletin, Status
from servicestatus.services import recompute_status, set_service_status


@pytest.fixture
def hidden_service(provider_org):
    return ServiceFactory(code="internal-bus", name="Internal Message Bus", provider=provider_org,
                          is_public=False)


def test_public_page_shows_public_services_only(client, service, hidden_service):
    recompute_status([service.pk, hidden_service.pk])
    response = client.get(reverse("servicestatus:public"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "UK Link" in body
    assert "Internal Message Bus" not in body
    assert "Xoserve" not in body  # no organisation names on the public page


def test_public_page_hides_reasons_typed_by_staff(client, service, desk_agent,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_service_status(service=service, status=Status.PARTIAL_OUTAGE,
                           reason="Kestrel Power's batch broke it", by=desk_agent)
    body = client.get(reverse("servicestatus:public")).content.decode()
    assert "Partial outage" in body
    assert "Kestrel" not in body
    payload = client.get(reverse("servicestatus:public_json")).content.decode()
    assert "Kestrel" not in payload


def test_public_page_shows_only_public_bulletins(client, db):
    BulletinFactory(title="Everyone: CSS upgrade", audience=Bulletin.Audience.PUBLIC)
    BulletinFactory(title="Participants only", audience=Bulletin.Audience.PARTICIPANTS)
    BulletinFactory(title="Internal: staffing", audience=Bulletin.Audience.INTERNAL)
    BulletinFactory(title="Draft notice", audience=Bulletin.Audience.PUBLIC,
                    status=Bulletin.State.DRAFT)
    body = client.get(reverse("servicestatus:public")).content.decode()
    assert "Everyone: CSS upgrade" in body
    for hidden in ("Participants only", "Internal: staffing", "Draft notice"):
        assert hidden not in body


def test_public_page_is_served_from_cache(client, service, django_assert_num_queries):
    client.get(reverse("servicestatus:public"))
    with django_assert_num_queries(0):
        assert client.get(reverse("servicestatus:public")).status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/api/v1/status/").status_code == 200


def test_status_change_invalidates_the_cached_page(client, service, desk_agent,
                                                   django_capture_on_commit_callbacks):
    recompute_status([service.pk])
    assert "Major outage" not in _service_row(client, service)
    with django_capture_on_commit_callbacks(execute=True):
        set_service_status(service=service, status=Status.MAJOR_OUTAGE, reason="Down",
                           by=desk_agent)
    assert "Major outage" in _service_row(client, service)


def _service_row(client, service):
    """Return the service's row of the public page (the legend names every state too)."""
    page = client.get(reverse("servicestatus:public")).content.decode()
    start = page.index(f'id="service-{service.code}"')
    return page[start:page.index("</tr>", start)]


def test_json_status_endpoint_needs_no_login(client, service):
    recompute_status([service.pk])
    for url in ("/api/v1/status/", reverse("servicestatus:public_json")):
        response = client.get(url)
        assert response.status_code == 200
        data = json.loads(response.content)
        assert data["components"][0]["code"] == "uk-link"
        assert data["components"][0]["status"] == "operational"
        assert len(data["history"]["uk-link"]["days"]) == 90
        assert "reason" not in data["components"][0]


def test_atom_feed_lists_status_changes(client, service, desk_agent):
    set_service_status(service=service, status=Status.DEGRADED, reason="Slow", by=desk_agent)
    response = client.get(reverse("servicestatus:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "UK Link: Degraded" in response.content.decode()


def test_signed_in_user_is_sent_to_the_portal_page(client, supplier_user):
    client.force_login(supplier_user)
    response = client.get(reverse("servicestatus:public"))
    assert response.url == reverse("servicestatus:portal")


def test_portal_page_needs_sign_in(client, db):
    response = client.get(reverse("servicestatus:portal"))
    assert response.status_code == 302 and "login" in response.url


def test_portal_shows_reasons_and_private_services(client, supplier_user, service,
                                                   hidden_service, desk_agent):
    set_service_status(service=service, status=Status.DEGRADED, reason="Slow batch",
                       by=desk_agent)
    recompute_status([hidden_service.pk])
    client.force_login(supplier_user)
    body = client.get(reverse("servicestatus:portal")).content.decode()
    assert "Slow batch" in body and "Internal Message Bus" in body


def test_participant_never_sees_internal_bulletins_in_portal(client, supplier_user, db):
    BulletinFactory(title="Internal: rota", audience=Bulletin.Audience.INTERNAL)
    BulletinFactory(title="For shippers", audience=Bulletin.Audience.MARKET_ROLE,
                    market_role="gas_shipper")
    BulletinFactory(title="For participants", audience=Bulletin.Audience.PARTICIPANTS)
    client.force_login(supplier_user)
    body = client.get(reverse("servicestatus:portal")).content.decode()
    assert "For participants" in body
    assert "Internal: rota" not in body and "For shippers" not in body
    body = client.get(reverse("servicestatus:bulletins")).content.decode()
    assert "Internal: rota" not in body


def test_desk_sets_status_from_the_service_page(client, desk_agent, service):
    client.force_login(desk_agent)
    response = client.post(reverse("servicestatus:set_status", args=[service.code]),
                           {"status": "degraded", "reason": "Queue backlog"})
    assert response.status_code == 302
    page = client.get(reverse("servicestatus:service", args=[service.code])).content.decode()
    assert "Queue backlog" in page and "Degraded" in page


def test_participant_cannot_set_status(client, supplier_user, service):
    client.force_login(supplier_user)
    response = client.post(reverse("servicestatus:set_status", args=[service.code]),
                           {"status": "degraded", "reason": "x"})
    assert response.status_code == 403


def test_setting_status_by_get_is_not_allowed(client, desk_agent, service):
    client.force_login(desk_agent)
    assert client.get(reverse("servicestatus:set_status", args=[service.code])).status_code == 405


def test_service_page_shows_availability(client, supplier_user, service):
    client.force_login(supplier_user)
    page = client.get(reverse("servicestatus:service", args=[service.code])).content.decode()
    assert "This month so far" in page and "Last month" in page


@pytest.mark.parametrize("model", ["servicestate", "statusinterval", "bulletin", "eventrule",
                                   "event", "webhookendpoint", "webhookdelivery",
                                   "subscription"])
def test_console_pages_open_for_staff(client, desk_agent, model, service):
    from servicestatus.factories import EventFactory

    recompute_status([service.pk])
    EventFactory(service=service)
    client.force_login(desk_agent)
    assert client.get(f"/admin/servicestatus/{model}/").status_code == 200


def test_console_is_closed_to_participants(client, supplier_user):
    client.force_login(supplier_user)
    assert client.get("/admin/servicestatus/event/").status_code == 302


def test_readers_get_the_previous_page_while_another_rebuilds(db):
    from django.core.cache import cache

    from servicestatus import cache as status_cache

    assert status_cache.get_or_build("thing", lambda: "v1") == "v1"
    status_cache.invalidate()
    cache.add(f"servicestatus:building:{status_cache.generation()}:thing", 1)  # a rebuild runs
    assert status_cache.get_or_build("thing", lambda: "v2") == "v1"
    cache.clear()
    assert status_cache.get_or_build("thing", lambda: "v2") == "v2"


def test_rendered_pages_serve_the_previous_bytes_while_another_rebuilds(db):
    from django.core.cache import cache

    from servicestatus import cache as status_cache

    first = status_cache.rendered("thing", lambda: b"v1")
    assert first[1] == b"v1"
    status_cache.invalidate()
    cache.add(f"servicestatus:building:{status_cache.generation()}:rendered:thing", 1)
    assert status_cache.rendered("thing", lambda: b"v2") == first  # one generation old
    cache.delete(f"servicestatus:building:{status_cache.generation()}:rendered:thing")
    fresh = status_cache.rendered("thing", lambda: b"v2")
    assert fresh == (status_cache.generation(), b"v2")


@pytest.fixture
def a_minute_later(settings, monkeypatch):
    """A cache whose expiry this test controls (LocMem reads time.time); calling the
    returned function moves the clock just past the status cache's TIMEOUT."""
    import time

    from servicestatus import cache as status_cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "a-minute-later"}}
    now = time.time()

    def later():
        monkeypatch.setattr(time, "time", lambda: now + status_cache.TIMEOUT + 1)
    return later


def test_when_the_status_data_times_out_one_reader_rebuilds_and_the_rest_serve_the_last(
        db, a_minute_later):
    from django.core.cache import cache

    from servicestatus import cache as status_cache

    assert status_cache.get_or_build("thing", lambda: "v1") == "v1"
    a_minute_later()  # the value timed out; nothing was invalidated
    cache.add(f"servicestatus:building:{status_cache.generation()}:thing", 1)  # a rebuild runs
    assert status_cache.get_or_build("thing", lambda: "v2") == "v1"  # served, not waiting
    cache.delete(f"servicestatus:building:{status_cache.generation()}:thing")
    assert status_cache.get_or_build("thing", lambda: "v2") == "v2"


def test_a_rendered_page_past_its_timeout_is_rebuilt_once_and_served_meanwhile(
        db, a_minute_later):
    from django.core.cache import cache

    from servicestatus import cache as status_cache

    first = status_cache.rendered("thing", lambda: b"v1")
    a_minute_later()
    lock = f"servicestatus:building:{status_cache.generation()}:rendered:thing"
    cache.add(lock, 1)  # another reader is re-rendering
    assert status_cache.rendered("thing", lambda: b"v2") == first  # no wait for it
    cache.delete(lock)
    assert status_cache.rendered("thing", lambda: b"v2") == (first[0], b"v2")
    assert status_cache.rendered("thing", lambda: b"v3") == (first[0], b"v2")  # fresh again


def test_a_status_page_hit_is_one_cache_round_trip_and_no_query(client, service, monkeypatch,
                                                                django_assert_num_queries):
    from django.core.cache import cache

    recompute_status([service.pk])
    client.get(reverse("servicestatus:public"))  # rendered once
    calls, depth = [], []

    def counted(name, original):
        def call(*args, **kwargs):
            if not depth:  # LocMemCache's get_many calls get: count what the view asked
                calls.append(name)
            depth.append(name)
            try:
                return original(*args, **kwargs)
            finally:
                depth.pop()
        return call

    for name in ("get", "get_many", "set", "add", "set_many", "delete"):
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    with django_assert_num_queries(0):
        response = client.get(reverse("servicestatus:public"))
    assert response.status_code == 200 and b"UK Link" in response.content
    assert calls == ["get_many"]


def test_api_lists_states_for_signed_in_parties(api_client, supplier_user, service,
                                                hidden_service):
    recompute_status([service.pk, hidden_service.pk])
    codes = [s["service"] for s in api_client(supplier_user).get(
        "/api/v1/service-status/").json()["results"]]
    assert sorted(codes) == ["internal-bus", "uk-link"]
    assert api_client().get("/api/v1/service-status/").status_code in (401, 403)


def test_api_desk_sets_status(api_client, desk_agent, service):
    recompute_status([service.pk])
    response = api_client(desk_agent).post("/api/v1/service-status/uk-link/set/",
                                           {"status": "degraded", "reason": "Slow"})
    assert response.status_code == 200 and response.json()["status"] == "degraded"


@pytest.mark.parametrize("data", [{"status": "on_fire", "reason": "x"}, {"status": "degraded"},
                                  {"status": "degraded", "reason": "  "}, {}])
def test_api_set_status_bad_input_is_400(api_client, desk_agent, service, data):
    recompute_status([service.pk])
    response = api_client(desk_agent).post("/api/v1/service-status/uk-link/set/", data)
    assert response.status_code == 400


def test_api_participant_cannot_set_status(api_client, supplier_user, service):
    recompute_status([service.pk])
    response = api_client(supplier_user).post("/api/v1/service-status/uk-link/set/",
                                              {"status": "degraded", "reason": "x"})
    assert response.status_code == 403


def test_public_status_supports_conditional_get(client, service, desk_agent,
                                                django_capture_on_commit_callbacks):
    first = client.get("/api/v1/status/")
    etag = first["ETag"]
    assert client.get("/api/v1/status/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/status/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        set_service_status(service=service, status=Status.DEGRADED, reason="x", by=desk_agent)
    assert client.get("/api/v1/status/", HTTP_IF_NONE_MATCH=etag).status_code == 200
