"""The acting context: which channel a change came through, read by audit rows and transitions."""

from django.test import RequestFactory

from kernel.acting import Channel, acting, channel_for_path, current_channel, request_context


def test_outside_any_request_or_block_the_system_is_acting():
    assert current_channel() == Channel.SYSTEM


def test_a_request_names_its_channel_by_path():
    assert channel_for_path("/admin/incidents/") == Channel.ADMIN
    assert channel_for_path("/api/v1/incidents/") == Channel.API
    assert channel_for_path("/incidents/INC-000001/") == Channel.PORTAL
    with request_context(RequestFactory().get("/api/v1/me/")):
        assert current_channel() == "api"
    assert current_channel() == "system"


def test_a_block_overrides_the_request_it_runs_in():
    with request_context(RequestFactory().get("/incidents/")), acting(channel=Channel.EMAIL):
        assert current_channel() == "email"
