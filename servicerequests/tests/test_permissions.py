"""Who sees and does what, on the portal, the console and the API. Another party's
request is 404; auditors read only."""

import pytest
from django.urls import reverse

from servicerequests import services
from servicerequests.factories import raise_request
from servicerequests.models import ServiceRequest

API = "/api/v1/service-requests/"


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    pass


@pytest.fixture
def sr(supplier_user):
    return raise_request(by=supplier_user)


def _seen(user):
    return set(ServiceRequest.objects.visible_to(user))


def test_participants_see_only_their_organisations_requests(sr, supplier_colleague,
                                                            other_supplier_user):
    assert sr in _seen(supplier_colleague)
    assert sr not in _seen(other_supplier_user)


def test_providers_see_requests_only_once_a_task_is_handed_to_them(sr, desk_agent,
                                                                   provider_org, provider_user,
                                                                   other_provider_user):
    assert sr not in _seen(provider_user)
    services.start_fulfilment(service_request=sr, by=desk_agent)
    services.add_task(service_request=sr, by=desk_agent, group=provider_org, title="Check")
    assert sr in _seen(provider_user) and sr not in _seen(other_provider_user)


def test_internal_staff_see_all_and_inactive_users_see_nothing(sr, desk_agent, operations_user,
                                                              auditor_user, supplier_user):
    assert sr in _seen(desk_agent) and sr in _seen(operations_user) and sr in _seen(auditor_user)
    supplier_user.is_active = False
    supplier_user.save()
    assert not _seen(supplier_user)


@pytest.mark.parametrize("path", ["", "decide/"])
def test_another_partys_request_is_404_on_the_portal(client, sr, other_supplier_user, path):
    client.force_login(other_supplier_user)
    assert client.get(reverse("servicerequests:detail", args=[sr.reference]) + path
                      ).status_code == 404


@pytest.mark.parametrize("path", ["transition/", "tasks/", "tasks/1/"])
def test_another_partys_request_is_404_for_portal_posts(client, sr, other_supplier_user, path):
    client.force_login(other_supplier_user)
    url = reverse("servicerequests:detail", args=[sr.reference]) + path
    assert client.post(url, {"to": "cancelled", "reason": "x"}).status_code == 404
    sr.refresh_from_db()
    assert sr.status == "submitted"


def test_another_partys_request_is_404_on_the_api(api_client, sr, other_supplier_user,
                                                  other_provider_user):
    for user in (other_supplier_user, other_provider_user):
        client = api_client(user)
        assert client.get(f"{API}{sr.reference}/").status_code == 404
        assert client.post(f"{API}{sr.reference}/transitions/",
                           {"to": "cancelled", "reason": "x"}, format="json").status_code == 404
        assert client.get(f"{API}{sr.reference}/sla/").status_code == 404
        refs = [r["reference"] for r in _results(client.get(API).json())]
        assert sr.reference not in refs


def _results(body):
    return body["results"] if isinstance(body, dict) else body


def test_auditors_read_but_change_nothing(api_client, client, sr, auditor_user):
    api = api_client(auditor_user)
    assert api.get(f"{API}{sr.reference}/").status_code == 200
    assert api.post(f"{API}{sr.reference}/transitions/", {"to": "in_fulfilment"},
                    format="json").status_code == 403
    assert api.post(f"{API}{sr.reference}/transitions/", {"to": "cancelled", "reason": "x"},
                    format="json").status_code == 403
    assert api.post(API, {"item": "information-request", "answers": {}},
                    format="json").status_code == 403
    client.force_login(auditor_user)
    client.post(reverse("servicerequests:transition", args=[sr.reference]),
                {"to": "in_fulfilment"})
    sr.refresh_from_db()
    assert sr.status == "submitted"
    assert client.get(reverse("servicerequests:catalogue")).status_code == 403


def test_participants_cannot_work_requests_on_the_portal(client, sr, supplier_user):
    client.force_login(supplier_user)
    client.post(reverse("servicerequests:transition", args=[sr.reference]),
                {"to": "in_fulfilment"})
    assert client.post(reverse("servicerequests:add_task", args=[sr.reference]),
                       {"title": "x"}).status_code == 403
    sr.refresh_from_db()
    assert sr.status == "submitted"


def test_an_approver_of_another_organisation_cannot_open_the_decision_page(
        client, supplier_user, other_supplier_admin):
    sr = raise_request(code="revoke-user", by=supplier_user,
                       answers={"username": "bea", "reason": "Other"})
    client.force_login(other_supplier_admin)
    assert client.get(reverse("servicerequests:decide", args=[sr.reference])).status_code == 404


def test_a_colleague_who_is_not_admin_gets_403_on_the_decision_page(client, supplier_user,
                                                                    supplier_colleague):
    sr = raise_request(code="revoke-user", by=supplier_user,
                       answers={"username": "bea", "reason": "Other"})
    client.force_login(supplier_colleague)
    assert client.get(reverse("servicerequests:decide", args=[sr.reference])).status_code == 403
    assert client.post(reverse("servicerequests:decide", args=[sr.reference]),
                       {"decision": "approve"}).status_code == 403
