import pytest
from rest_framework.test import APIClient

from accounts.factories import issue_token

pytestmark = pytest.mark.django_db


def test_missing_token_gets_401_with_clear_message():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"].startswith("Token")


def test_wrong_token_gets_401(provider_org):
    token, raw_key = issue_token(provider_org)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key[:-2]}xx")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid API token."


def test_garbage_token_gets_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/me/").status_code == 401


def test_revoked_token_gets_401_saying_revoked(provider_org, operations_user):
    token, raw_key = issue_token(provider_org)
    token.revoke(by=operations_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API token has been revoked."


def test_valid_token_acts_as_its_organisation(provider_org, token_client):
    response = token_client(provider_org).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["organisation"]["short_code"] == "xoserve"
    assert response.json()["role"] == "provider"


def test_token_is_stored_hashed(provider_org):
    token, raw_key = issue_token(provider_org)
    token.refresh_from_db()
    assert raw_key not in token.key_hash
    assert token.matches(raw_key)


def test_malformed_json_gets_400_not_500(supplier_user, api_client):
    client = api_client(supplier_user)
    response = client.post("/api/v1/me/", data="{not json", content_type="application/json")
    # /me/ is read-only: the parser still runs first for a body on an unknown method
    assert response.status_code in (400, 405)
    assert "error" in response.json()


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock the token cache reads, moved by hand (time-machine leaves it)."""
    from accounts import api_auth

    fake = _Clock()
    monkeypatch.setattr(api_auth, "_clock", fake)
    return fake


def test_a_revocation_by_another_process_takes_effect_within_a_second(provider_org, clock):
    from accounts.api_auth import TOKEN_CACHE_SECONDS
    from accounts.models import ApiToken

    token, raw_key = issue_token(provider_org)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    assert client.get("/api/v1/me/").status_code == 200
    # Another process revokes it: no signal reaches this one (a bare UPDATE here).
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    clock.now += TOKEN_CACHE_SECONDS / 2
    assert client.get("/api/v1/me/").status_code == 200  # served from this process's copy
    clock.now += TOKEN_CACHE_SECONDS / 2
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API token has been revoked."


def test_a_deactivated_organisation_is_refused_within_a_second(provider_org, clock):
    from accounts.api_auth import TOKEN_CACHE_SECONDS
    from accounts.models import Organisation

    _, raw_key = issue_token(provider_org)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    assert client.get("/api/v1/me/").status_code == 200
    Organisation.objects.filter(pk=provider_org.pk).update(is_active=False)
    clock.now += TOKEN_CACHE_SECONDS
    assert client.get("/api/v1/me/").status_code == 401


def test_a_revocation_in_this_process_takes_effect_at_once(provider_org, operations_user, clock):
    token, raw_key = issue_token(provider_org)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    assert client.get("/api/v1/me/").status_code == 200
    token.revoke(by=operations_user)
    assert client.get("/api/v1/me/").status_code == 401


def test_a_cached_token_still_checks_the_secret(provider_org, clock):
    _, raw_key = issue_token(provider_org)
    good, bad = APIClient(), APIClient()
    good.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    bad.credentials(HTTP_AUTHORIZATION=f"Token {raw_key[:-2]}xx")
    assert good.get("/api/v1/me/").status_code == 200
    assert bad.get("/api/v1/me/").status_code == 401
