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
