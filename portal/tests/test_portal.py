import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_participant_signs_in_and_sees_their_organisation(client, supplier_user):
    response = client.post(reverse("portal:login"),
                           {"username": "bea", "password": "pass-word-123"}, follow=True)
    body = response.content.decode()
    assert "Welcome, Test" in body
    assert "Brightwater Energy" in body
    assert "Agent console" not in body


def test_wrong_password_shows_a_form_error(client, supplier_user):
    response = client.post(reverse("portal:login"), {"username": "bea", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_desk_agent_sees_console_link(client, desk_agent):
    client.force_login(desk_agent)
    assert "Agent console" in client.get("/").content.decode()


def test_logout_is_post_only(client, supplier_user):
    client.force_login(supplier_user)
    assert client.get(reverse("portal:logout")).status_code == 405
    client.post(reverse("portal:logout"))
    assert client.get("/").status_code == 302


def test_password_reset_by_email_sets_a_new_password(client, supplier_user, mailoutbox):
    client.post(reverse("portal:password_reset"), {"email": supplier_user.email})
    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    client.post(form_page.redirect_chain[-1][0],
                {"new_password1": "a-longer-Passphrase-9", "new_password2": "a-longer-Passphrase-9"})
    supplier_user.refresh_from_db()
    assert supplier_user.check_password("a-longer-Passphrase-9")


def test_password_reset_for_unknown_address_reveals_nothing(client, mailoutbox):
    response = client.post(reverse("portal:password_reset"), {"email": "nobody@x.example"},
                           follow=True)
    assert "Check your email" in response.content.decode()
    assert mailoutbox == []


def test_navigation_lists_the_catalogue(client, supplier_user):
    client.force_login(supplier_user)
    body = client.get("/").content.decode()
    assert 'href="/services/"' in body
    assert 'aria-label="Main"' in body


def test_unknown_api_path_gets_json_404(client):
    response = client.get("/api/v1/does-not-exist/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi_schema_is_published(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"organisationToken" in response.content
