"""The admin console admits internal staff only and applies the policy to every page."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken, AuditEntry, Organisation

pytestmark = pytest.mark.django_db


def test_participant_is_sent_to_console_login(client, supplier_user):
    client.force_login(supplier_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_participant_cannot_read_another_organisation_in_console(client, supplier_user,
                                                                 other_supplier_org):
    client.force_login(supplier_user)
    url = reverse("admin:accounts_organisation_change", args=[other_supplier_org.pk])
    response = client.get(url)
    assert response.status_code == 302  # to the console login, never the record


def test_provider_is_refused_the_console(client, provider_user):
    client.force_login(provider_user)
    assert client.get("/admin/accounts/organisation/").status_code == 302


def test_desk_agent_reads_organisations_but_cannot_change_them(client, desk_agent, supplier_org):
    client.force_login(desk_agent)
    url = reverse("admin:accounts_organisation_change", args=[supplier_org.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Renamed", "short_code": "brightwater",
                                 "kind": "market_participant", "market_role": "energy_supplier"})
    assert response.status_code == 403
    supplier_org.refresh_from_db()
    assert supplier_org.name == "Brightwater Energy"


def test_auditor_cannot_change_anything(client, auditor_user, supplier_org):
    client.force_login(auditor_user)
    url = reverse("admin:accounts_organisation_change", args=[supplier_org.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "X"}).status_code == 403
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_operations_edit_an_organisation_and_the_audit_trail_records_it(
        client, operations_user, supplier_org):
    client.force_login(operations_user)
    url = reverse("admin:accounts_organisation_change", args=[supplier_org.pk])
    response = client.post(url, {
        "name": "Brightwater Energy Ltd", "short_code": "brightwater",
        "kind": "market_participant", "market_role": "energy_supplier",
        "contact_email": "switching@brightwater.example", "is_active": "on",
    })
    assert response.status_code == 302
    entry = AuditEntry.objects.for_object(supplier_org).first()
    assert entry.action == "update"
    assert entry.channel == "admin"
    assert entry.actor == operations_user
    assert entry.changes["name"] == ["Brightwater Energy", "Brightwater Energy Ltd"]
    history = client.get(reverse("admin:accounts_organisation_history", args=[supplier_org.pk]))
    assert "Brightwater Energy Ltd" in history.content.decode()
    assert "admin" in history.content.decode()


def test_operations_issue_a_token_shown_once_and_stored_hashed(client, operations_user,
                                                               provider_org):
    client.force_login(operations_user)
    response = client.post(reverse("admin:accounts_apitoken_add"),
                           {"organisation": provider_org.pk, "name": "UK Link monitoring"},
                           follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(name="UK Link monitoring")
    key_page = reverse("admin:accounts_apitoken_key", args=[token.pk])
    assert response.redirect_chain[-1][0] == key_page
    page = response.content.decode()
    raw = page.split('id="api-token-key" class="api-key">', 1)[1].split("<", 1)[0]
    assert token.matches(raw) and raw not in token.key_hash
    assert 'data-copy-target="api-token-key"' in page and "js/copy-button.js" in page
    assert not any(raw in str(m) for m in response.context["messages"])  # no flash
    again = client.get(key_page).content.decode()
    assert raw not in again and "cannot be shown again" in again
    listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert raw not in listing


def test_the_key_page_is_for_operations_only(client, desk_agent, provider_org):
    token, _ = ApiToken.issue(organisation=provider_org, name="monitoring")
    client.force_login(desk_agent)
    response = client.get(reverse("admin:accounts_apitoken_key", args=[token.pk]))
    assert response.status_code == 403


def test_operations_revoke_a_token_from_the_console(client, operations_user, provider_org):
    token, _ = ApiToken.issue(organisation=provider_org, name="old")
    client.force_login(operations_user)
    client.post(reverse("admin:accounts_apitoken_changelist"),
                {"action": "revoke_tokens", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.is_revoked
    assert token.revoked_by == operations_user


def test_desk_agent_cannot_issue_tokens(client, desk_agent, provider_org):
    client.force_login(desk_agent)
    response = client.post(reverse("admin:accounts_apitoken_add"),
                           {"organisation": provider_org.pk, "name": "sneaky"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_audit_entries_are_read_only_in_console(client, operations_user, supplier_org):
    client.force_login(operations_user)
    entry = AuditEntry.objects.for_object(supplier_org).first()
    url = reverse("admin:accounts_auditentry_change", args=[entry.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"object_repr": "tampered"}).status_code == 403


def test_console_lists_organisations_for_desk(client, desk_agent, supplier_org, provider_org):
    client.force_login(desk_agent)
    body = client.get(reverse("admin:accounts_organisation_changelist")).content.decode()
    assert "Brightwater Energy" in body and "Xoserve" in body
    assert Organisation.objects.count() >= 2
