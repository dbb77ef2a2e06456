"""Comments on a service request, both ways, with a notice to the other side; cancel asks first."""

import pytest
from django.urls import reverse

from notifications.models import OutboundEmail
from servicerequests import services
from servicerequests.errors import InvalidTransition, NotAllowed
from servicerequests.factories import raise_request
from servicerequests.models import Status


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    pass


def _comment_notices(sr):
    return OutboundEmail.objects.filter(subject__contains=f"{sr.reference}: new comment")


def test_requester_comments_and_the_desk_is_told(client, supplier_user, desk_agent,
                                                 django_capture_on_commit_callbacks):
    sr = raise_request(by=supplier_user)
    client.force_login(supplier_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("servicerequests:comment", args=[sr.reference]),
                               {"body": "The volumes are for BWTR only."}, follow=True)
    page = response.content.decode()
    assert "The volumes are for BWTR only." in page and "Your comment on" in page
    notice = _comment_notices(sr).get()
    assert desk_agent.email in notice.to and supplier_user.email not in notice.to


def test_desk_comment_reaches_the_requester_not_the_desk(client, supplier_user, desk_agent):
    sr = raise_request(by=supplier_user)
    client.force_login(desk_agent)
    client.post(reverse("servicerequests:comment", args=[sr.reference]),
                {"body": "Which gas day do you mean?"})
    notice = _comment_notices(sr).get()
    assert notice.to == [supplier_user.email]
    client.force_login(supplier_user)
    page = client.get(sr.get_absolute_url()).content.decode()
    assert "Which gas day do you mean?" in page and desk_agent.display_name in page


def test_another_organisation_cannot_comment(client, supplier_user, other_supplier_user):
    sr = raise_request(by=supplier_user)
    with pytest.raises(NotAllowed):
        services.add_comment(service_request=sr, author=other_supplier_user, body="Hello")
    client.force_login(other_supplier_user)
    response = client.post(reverse("servicerequests:comment", args=[sr.reference]),
                           {"body": "Hello"})
    assert response.status_code == 404 and not sr.comments.exists()


def test_auditor_and_unrelated_provider_cannot_comment(supplier_user, auditor_user,
                                                       provider_user):
    sr = raise_request(by=supplier_user)
    for outsider in (auditor_user, provider_user):
        with pytest.raises(NotAllowed):
            services.add_comment(service_request=sr, author=outsider, body="Hello")


def test_no_comments_once_cancelled_or_empty(supplier_user):
    sr = raise_request(by=supplier_user)
    with pytest.raises(InvalidTransition):
        services.add_comment(service_request=sr, author=supplier_user, body="   ")
    services.cancel(service_request=sr, by=supplier_user, reason="Not needed")
    sr.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.add_comment(service_request=sr, author=supplier_user, body="Still there?")


def test_comment_comes_before_a_cancel_that_asks_for_confirmation(client, supplier_user):
    sr = raise_request(by=supplier_user)
    client.force_login(supplier_user)
    page = client.get(sr.get_absolute_url()).content.decode()
    assert page.index("Add a comment") < page.index("<details class=\"danger-zone\">")
    url = reverse("servicerequests:transition", args=[sr.reference])
    client.post(url, {"to": "cancelled", "reason": "Typed in the wrong box"})
    sr.refresh_from_db()
    assert sr.status != Status.CANCELLED
    client.post(url, {"to": "cancelled", "reason": "Not needed", "confirm": "on"})
    sr.refresh_from_db()
    assert sr.status == Status.CANCELLED
