"""Bulletins: audiences, publishing, acknowledgement; internal ones never reach participants."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.factories import OrganisationFactory, UserFactory
from notifications.models import OutboundEmail
from servicestatus.bulletins import (
    BulletinError,
    acknowledgement_report,
    publish_bulletin,
    record_receipt,
)
from servicestatus.factories import BulletinFactory, WebhookEndpointFactory
from servicestatus.models import Bulletin, Subscription, WebhookDelivery

A = Bulletin.Audience


@pytest.fixture
def shipper_user(db):
    org = OrganisationFactory(name="Shipwell Gas", short_code="shipwell", market_role="gas_shipper")
    return UserFactory(username="shay", organisation=org)


def publish(by, audience=A.PARTICIPANTS, **kwargs):
    kwargs.setdefault("market_role", "")
    return publish_bulletin(by=by, kind=kwargs.pop("kind", Bulletin.Kind.GENERAL),
                            title=kwargs.pop("title", "Notice"), body="Body text",
                            audience=audience, **kwargs)


@pytest.mark.parametrize("audience, market_role, supplier, shipper, provider", [
    (A.PUBLIC, "", True, True, True),
    (A.PARTICIPANTS, "", True, True, True),
    (A.MARKET_ROLE, "gas_shipper", False, True, False),
    (A.PROVIDERS, "", False, False, True),
    (A.INTERNAL, "", False, False, False),
])
def test_audience_rules(audience, market_role, supplier, shipper, provider, supplier_user,
                        shipper_user, provider_user, desk_agent):
    bulletin = BulletinFactory(audience=audience, market_role=market_role)
    for user, expected in ((supplier_user, supplier), (shipper_user, shipper),
                           (provider_user, provider), (desk_agent, True)):
        assert Bulletin.objects.visible_to(user).filter(pk=bulletin.pk).exists() is expected
        assert bulletin.reaches(user) is expected


def test_anonymous_sees_no_bulletins_through_visible_to(db):
    from django.contrib.auth.models import AnonymousUser

    BulletinFactory(audience=A.PUBLIC)
    assert not Bulletin.objects.visible_to(AnonymousUser()).exists()


def test_drafts_are_for_internal_staff_only(supplier_user, auditor_user):
    draft = BulletinFactory(status=Bulletin.State.DRAFT, published_at=None)
    assert not Bulletin.objects.visible_to(supplier_user).filter(pk=draft.pk).exists()
    assert Bulletin.objects.visible_to(auditor_user).filter(pk=draft.pk).exists()


def test_only_desk_and_operations_publish(supplier_user, auditor_user):
    for user in (supplier_user, auditor_user):
        with pytest.raises(PermissionDenied):
            publish(user)


def test_market_role_audience_needs_a_role(desk_agent):
    with pytest.raises(ValidationError):
        publish(desk_agent, audience=A.MARKET_ROLE)


def test_internal_bulletin_is_never_emailed_or_webhooked_to_participants(
        desk_agent, operations_user, supplier_user):
    for user in (supplier_user, operations_user):
        Subscription.objects.create(user=user, bulletin_kind=Bulletin.Kind.GENERAL)
    WebhookEndpointFactory(organisation=supplier_user.organisation, topics=["bulletin"])
    ops_hook = WebhookEndpointFactory(organisation=operations_user.organisation,
                                      topics=["bulletin"])

    publish(desk_agent, audience=A.INTERNAL, title="Rota change")

    emails = OutboundEmail.objects.filter(subject="Rota change")
    assert [e.to for e in emails] == [[operations_user.email]]
    assert [d.endpoint for d in WebhookDelivery.objects.all()] == [ops_hook]


def test_participant_bulletin_is_emailed_to_subscribed_participants(desk_agent, supplier_user,
                                                                    shipper_user):
    Subscription.objects.create(user=supplier_user, bulletin_kind=Bulletin.Kind.AVAILABILITY)
    Subscription.objects.create(user=shipper_user, bulletin_kind=Bulletin.Kind.GENERAL)
    publish(desk_agent, kind=Bulletin.Kind.AVAILABILITY, title="CSS slow")
    assert [e.to for e in OutboundEmail.objects.filter(subject="CSS slow")] == [
        [supplier_user.email]]


def test_acknowledgement_is_tracked(desk_agent, supplier_user, supplier_colleague):
    bulletin = publish(desk_agent, requires_acknowledgement=True, title="Major incident")
    receipt = record_receipt(bulletin=bulletin, user=supplier_user, acknowledge=True)
    assert receipt.acknowledged_at is not None
    done, outstanding = acknowledgement_report(bulletin)
    assert [r.user for r in done] == [supplier_user]
    assert supplier_colleague in outstanding and desk_agent in outstanding


def test_cannot_acknowledge_a_bulletin_not_addressed_to_you(desk_agent, supplier_user):
    bulletin = publish(desk_agent, audience=A.INTERNAL, requires_acknowledgement=True)
    with pytest.raises(PermissionDenied):
        record_receipt(bulletin=bulletin, user=supplier_user, acknowledge=True)


def test_acknowledging_a_bulletin_that_asks_none_is_refused(desk_agent, supplier_user):
    bulletin = publish(desk_agent)
    with pytest.raises(BulletinError):
        record_receipt(bulletin=bulletin, user=supplier_user, acknowledge=True)


def test_api_hides_internal_bulletins_from_participants(api_client, supplier_user, desk_agent):
    internal = BulletinFactory(audience=A.INTERNAL, title="Internal")
    BulletinFactory(audience=A.PARTICIPANTS, title="For all")
    response = api_client(supplier_user).get("/api/v1/bulletins/")
    assert [b["title"] for b in response.json()["results"]] == ["For all"]
    assert api_client(supplier_user).get(f"/api/v1/bulletins/{internal.pk}/").status_code == 404
    assert api_client(desk_agent).get(f"/api/v1/bulletins/{internal.pk}/").status_code == 200


def test_api_acknowledge(api_client, supplier_user):
    bulletin = BulletinFactory(requires_acknowledgement=True)
    response = api_client(supplier_user).post(f"/api/v1/bulletins/{bulletin.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["acknowledged_at"]


def test_portal_publish_and_acknowledge(client, desk_agent, supplier_user):
    client.force_login(desk_agent)
    response = client.post("/status/bulletins/new/", {
        "kind": "incident_update", "audience": "participants", "market_role": "",
        "title": "INC-000001 update", "body": "Fix deployed", "requires_acknowledgement": "on"})
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    client.force_login(supplier_user)
    assert client.get(f"/status/bulletins/{bulletin.pk}/").status_code == 200
    client.post(f"/status/bulletins/{bulletin.pk}/acknowledge/")
    assert bulletin.receipts.get(user=supplier_user).acknowledged_at is not None
    client.force_login(desk_agent)
    page = client.get(f"/status/bulletins/{bulletin.pk}/").content.decode()
    assert "Acknowledgements" in page and supplier_user.display_name in page


def test_participant_cannot_open_publish_form(client, supplier_user):
    client.force_login(supplier_user)
    assert client.get("/status/bulletins/new/").status_code == 403


def test_subscriptions_page_saves_choices(client, supplier_user, service):
    client.force_login(supplier_user)
    client.post("/status/subscriptions/", {"services": [service.pk],
                                           "bulletin_kinds": ["general"]})
    assert set(Subscription.objects.filter(user=supplier_user)
               .values_list("service__code", "bulletin_kind")) == {("uk-link", ""),
                                                                   (None, "general")}


def test_portal_publish_form_explains_a_missing_market_role(client, desk_agent):
    client.force_login(desk_agent)
    response = client.post("/status/bulletins/new/", {
        "kind": "general", "audience": "market_role", "market_role": "", "title": "T",
        "body": "B"})
    assert response.status_code == 200
    assert "Choose the market role" in response.content.decode()
    assert not Bulletin.objects.exists()
