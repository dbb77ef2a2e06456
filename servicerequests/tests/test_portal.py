"""Portal pages: catalogue, generated form with per-field errors, list, detail, decisions."""

import pytest
from django.urls import reverse

from servicerequests.factories import raise_request
from servicerequests.models import ServiceRequest


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    pass


def test_catalogue_shows_only_items_the_user_may_request(client, provider_user):
    client.force_login(provider_user)
    page = client.get(reverse("servicerequests:catalogue")).content.decode()
    assert "Test environment access" in page and "Switching network connection" not in page
    url = reverse("servicerequests:raise", args=["switching-network-connection"])
    assert client.get(url).status_code == 404


def test_the_form_is_generated_from_the_item(client, supplier_user):
    client.force_login(supplier_user)
    page = client.get(reverse("servicerequests:raise",
                              args=["switching-network-connection"])).content.decode()
    assert 'name="mpid"' in page and 'type="date"' in page and 'type="number"' in page
    assert "<select" in page and "Pre-production" in page and "behalf-requester" not in page


def test_invalid_answers_show_per_field_errors_and_create_nothing(client, supplier_user):
    client.force_login(supplier_user)
    response = client.post(reverse("servicerequests:raise",
                                   args=["switching-network-connection"]),
                           {"mpid": "bw", "environment": "Staging", "go_live_date": "",
                            "peak_messages_per_hour": "0", "technical_contact_email": "x"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["mpid"] == ["An MPID is four capital letters, e.g. BWTR."]
    assert {"environment", "go_live_date", "peak_messages_per_hour", "technical_contact_email",
            "connection_type"} <= set(form.errors)
    assert "There is a problem" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_effect_errors_show_on_the_field(client, supplier_user, other_supplier_user):
    client.force_login(supplier_user)
    response = client.post(reverse("servicerequests:raise", args=["revoke-user"]),
                           {"username": other_supplier_user.username, "reason": "Other"})
    assert response.context["form"].errors["username"] == [
        "No active user of your organisation has this username."]


def test_a_valid_form_raises_the_request_and_shows_it(client, supplier_user):
    client.force_login(supplier_user)
    response = client.post(reverse("servicerequests:raise", args=["information-request"]),
                           {"subject": "Volumes", "question": "How many switches failed today?"},
                           follow=True)
    sr = ServiceRequest.objects.get()
    assert sr.channel == "portal" and sr.answers["subject"] == "Volumes"
    page = response.content.decode()
    assert sr.reference in page and "How many switches failed today?" in page
    listing = client.get(reverse("servicerequests:list")).content.decode()
    assert sr.reference in listing


def test_the_desk_records_a_phone_request_for_a_caller(client, desk_agent, supplier_user):
    client.force_login(desk_agent)
    url = reverse("servicerequests:raise", args=["information-request"])
    assert "behalf-requester" in client.get(url).content.decode()
    client.post(url, {"behalf-requester": supplier_user.pk, "behalf-channel": "phone",
                      "subject": "Volumes", "question": "How many switches failed today?"})
    sr = ServiceRequest.objects.get()
    assert sr.requester == supplier_user and sr.raised_by == desk_agent
    assert sr.channel == "phone" and sr.organisation == supplier_user.organisation


def test_the_desk_must_name_the_caller(client, desk_agent):
    client.force_login(desk_agent)
    response = client.post(reverse("servicerequests:raise", args=["information-request"]),
                           {"subject": "Volumes", "question": "How many switches failed?"})
    assert "requester" in response.context["on_behalf"].errors
    assert not ServiceRequest.objects.exists()


def test_the_approver_approves_and_rejects_on_the_decision_page(client, supplier_user,
                                                                operations_user):
    sr = raise_request(code="switching-network-connection", by=supplier_user)
    client.force_login(operations_user)
    assert sr.reference in client.get(reverse("servicerequests:approvals")).content.decode()
    url = reverse("servicerequests:decide", args=[sr.reference])
    response = client.post(url, {"decision": "reject", "comment": ""})
    assert response.context["form"].errors["comment"]
    client.post(url, {"decision": "approve", "comment": "Fine"})
    sr.refresh_from_db()
    assert sr.status == "approved"
    again = raise_request(code="switching-network-connection", by=supplier_user)
    client.post(reverse("servicerequests:decide", args=[again.reference]),
                {"decision": "reject", "comment": "MPID unknown"})
    again.refresh_from_db()
    assert again.status == "rejected" and again.approval.comment == "MPID unknown"


def test_the_detail_shows_the_timeline_tasks_and_desk_actions(client, supplier_user, desk_agent):
    sr = raise_request(by=supplier_user)
    client.force_login(desk_agent)
    client.post(reverse("servicerequests:transition", args=[sr.reference]),
                {"to": "in_fulfilment"})
    page = client.get(sr.get_absolute_url()).content.decode()
    assert "In fulfilment" in page and "Fulfil: Information request" in page
    assert "Mark fulfilled" in page and "Hand a task to a group" in page
    client.force_login(supplier_user)
    page = client.get(sr.get_absolute_url()).content.decode()
    assert "Mark fulfilled" not in page and "Cancel request" in page


def test_an_invalid_move_on_the_portal_is_a_message_not_an_error(client, supplier_user,
                                                                 desk_agent):
    sr = raise_request(by=supplier_user)
    client.force_login(desk_agent)
    response = client.post(reverse("servicerequests:transition", args=[sr.reference]),
                           {"to": "closed"}, follow=True)
    assert response.status_code == 200
    assert "cannot be moved to closed" in response.content.decode()


def test_the_portal_nav_has_service_requests(client, supplier_user):
    client.force_login(supplier_user)
    page = client.get("/").content.decode()
    assert 'href="/requests/"' in page and "Service requests" in page


def test_a_provider_lists_the_requests_with_open_tasks_for_it(client, supplier_user, desk_agent,
                                                             provider_org, provider_user):
    from servicerequests import services

    mine, other = raise_request(by=supplier_user), raise_request(by=supplier_user)
    services.start_fulfilment(service_request=mine, by=desk_agent)
    services.add_task(service_request=mine, by=desk_agent, group=provider_org, title="Extract")
    client.force_login(provider_user)
    page = client.get(reverse("servicerequests:list") + "?show=tasks").content.decode()
    assert mine.reference in page and other.reference not in page


def test_an_end_before_the_start_is_refused_on_the_end_field(client, supplier_user):
    client.force_login(supplier_user)
    response = client.post(reverse("servicerequests:raise", args=["test-environment-access"]),
                           {"environment": "Market trial", "user_count": "3",
                            "start_date": "2027-03-10", "end_date": "2027-03-01",
                            "purpose": "Regression of our CRM release."})
    assert response.status_code == 200 and not ServiceRequest.objects.exists()
    assert response.context["form"].errors["end_date"] == [
        "Until must not be before from (10 Mar 2027)."]
    page = response.content.decode()
    assert "data-error-summary" in page and 'href="#id_end_date"' in page


def test_the_api_refuses_an_end_before_the_start_too(api_client, supplier_user):
    response = api_client(supplier_user).post("/api/v1/service-requests/", {
        "item": "test-environment-access", "answers": {
            "environment": "Market trial", "user_count": 3, "start_date": "2027-03-10",
            "end_date": "2027-03-01", "purpose": "Regression of our CRM release."}},
        format="json")
    assert response.status_code == 400
    assert "answers.end_date" in response.json()["error"]["fields"]
