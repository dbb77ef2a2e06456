"""Deactivation means no access: sign-in, sessions and tokens stop at once, on every path.

Sessions are real here (`force_login`, not DRF's force_authenticate), so each request goes
through the authentication middleware and backend as in production.
"""

import pyotp
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.factories import issue_token
from accounts.models import TotpDevice
from changes.views_schedule import feed_key
from knowledge.factories import make_article
from knowledge.models import Article

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def deactivate(organisation):
    organisation.is_active = False
    organisation.save(update_fields=["is_active"])


def signed_in(user, client_class=None):
    client = (client_class or APIClient)()
    client.force_login(user)
    return client


# --- sign-in ----------------------------------------------------------------------------
def test_participant_of_a_deactivated_organisation_cannot_sign_in(client, supplier_user):
    deactivate(supplier_user.organisation)
    response = client.post(reverse("portal:login"), {"username": "bea", "password": PASSWORD})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("portal:login"))


def test_deactivated_user_cannot_sign_in(client, supplier_user):
    services.deactivate_user(user=supplier_user)
    client.post(reverse("portal:login"), {"username": "bea", "password": PASSWORD})
    assert client.get(reverse("portal:home")).status_code == 302


def test_organisation_deactivated_between_password_and_code_does_not_sign_in(client, desk_agent):
    device = TotpDevice.objects.create(user=desk_agent, secret=pyotp.random_base32(),
                                       confirmed_at="2026-01-01T00:00Z")
    response = client.post(reverse("portal:login"), {"username": "dana", "password": PASSWORD})
    assert response["Location"] == reverse("portal:two_factor_verify")
    deactivate(desk_agent.organisation)
    response = client.post(reverse("portal:two_factor_verify"),
                           {"code": pyotp.TOTP(device.secret).now()})
    assert response["Location"] == reverse("portal:login")
    assert client.get(reverse("portal:home")).status_code == 302


# --- portal sessions ----------------------------------------------------------------------
@pytest.mark.parametrize("url_name", ["portal:home", "incidents:list", "changes:schedule_csv",
                                      "portal:account"])
def test_portal_session_stops_when_the_organisation_is_deactivated(supplier_user, url_name):
    client = signed_in(supplier_user)
    assert client.get(reverse(url_name)).status_code == 200
    deactivate(supplier_user.organisation)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_knowledge_for_participants_is_hidden_once_the_organisation_is_deactivated(supplier_user):
    article = make_article(title="Participants only: resubmitting a switch",
                           audience=Article.Audience.PARTICIPANTS)
    client = signed_in(supplier_user)
    url = reverse("knowledge:article", args=[article.pk])
    assert client.get(url).status_code == 200
    deactivate(supplier_user.organisation)
    assert client.get(url).status_code in (302, 404)
    assert "Participants only" not in client.get(reverse("knowledge:home")).content.decode()


def test_portal_session_stops_when_the_user_is_deactivated(supplier_user):
    client = signed_in(supplier_user)
    services.deactivate_user(user=supplier_user)
    assert client.get(reverse("incidents:list")).status_code == 302


def test_deactivated_organisations_user_cannot_post_from_an_open_session(supplier_user, service):
    client = signed_in(supplier_user)
    deactivate(supplier_user.organisation)
    response = client.post(reverse("incidents:raise"), {
        "title": "Late responses", "description": "x", "severity": 3, "services": [service.pk]})
    assert response.status_code == 302
    assert not supplier_user.organisation.incidents.exists()


def test_calendar_feed_key_stops_working_when_the_organisation_is_deactivated(supplier_user):
    url = reverse("changes:feed") + "?key=" + feed_key(supplier_user)
    assert APIClient().get(url).status_code == 200
    deactivate(supplier_user.organisation)
    assert APIClient().get(url).status_code == 404


# --- console ------------------------------------------------------------------------------
def test_console_session_stops_when_the_desk_organisation_is_deactivated(desk_agent):
    client = signed_in(desk_agent)
    assert client.get(reverse("admin:index")).status_code == 200
    deactivate(desk_agent.organisation)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_console_session_stops_when_the_agent_is_deactivated(operations_user):
    client = signed_in(operations_user)
    services.deactivate_user(user=operations_user)
    assert client.get(reverse("admin:accounts_organisation_changelist")).status_code == 302


# --- API ----------------------------------------------------------------------------------
def test_api_session_stops_when_the_organisation_is_deactivated(supplier_user):
    client = signed_in(supplier_user)
    assert client.get("/api/v1/me/").status_code == 200
    deactivate(supplier_user.organisation)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_api_session_stops_when_the_user_is_deactivated(supplier_user):
    client = signed_in(supplier_user)
    services.deactivate_user(user=supplier_user)
    assert client.get("/api/v1/incidents/").status_code == 401


def test_api_token_stops_when_its_organisation_is_deactivated(provider_org):
    _, key = issue_token(provider_org)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200
    deactivate(provider_org)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "deactivated" in response.json()["error"]["message"]


def test_api_token_stops_when_its_system_account_is_deactivated(provider_org):
    token, key = issue_token(provider_org)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    services.deactivate_user(user=token.acts_as)
    assert client.post("/api/v1/events/", {"service": "x"}, format="json").status_code == 401
