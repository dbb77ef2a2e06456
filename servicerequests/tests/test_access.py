"""Access items change accounts only once approved and fulfilled (strategy s.7.21, s.9.7)."""

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone

from accounts.models import LoginAttempt, User
from accounts.security import locked_until
from notifications.models import OutboundEmail
from servicerequests import services
from servicerequests.errors import InvalidAnswers, InvalidTransition
from servicerequests.factories import DEFAULT_ANSWERS, raise_request


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    pass


def _through(sr, *, approver, desk):
    if approver is not None:
        services.decide(service_request=sr, by=approver, approve=True)
    services.start_fulfilment(service_request=sr, by=desk)
    for task in sr.tasks.all():
        services.move_task(task=task, by=desk, to="done", notes="Checked")
    return services.fulfil(service_request=sr, by=desk, outcome="Done")


def test_a_new_portal_user_exists_only_after_approval_and_fulfilment(
        supplier_user, operations_user, desk_agent):
    sr = raise_request(code="new-portal-user", by=supplier_user)
    assert not User.objects.filter(email="nia@bw.example").exists()
    services.decide(service_request=sr, by=operations_user, approve=True)
    assert not User.objects.filter(email="nia@bw.example").exists()
    _through(sr, approver=None, desk=desk_agent)
    user = User.objects.get(email="nia@bw.example")
    assert user.organisation == supplier_user.organisation and user.role == "participant"
    assert user.is_active and not user.has_usable_password() and not user.is_org_admin
    sr.refresh_from_db()
    assert "nia@bw.example" in sr.outcome


def test_the_new_user_gets_a_working_set_password_link(client, supplier_user, operations_user,
                                                       desk_agent):
    sr = raise_request(code="new-portal-user", by=supplier_user)
    _through(sr, approver=operations_user, desk=desk_agent)
    email = OutboundEmail.objects.get(to=["nia@bw.example"])
    link = next(w for w in email.body_text.split() if "/password-reset/" in w)
    path = link.split("://", 1)[-1].split("/", 1)[-1]
    user = User.objects.get(email="nia@bw.example")
    token = path.rstrip("/").split("/")[-1]
    assert default_token_generator.check_token(user, token)
    response = client.get("/" + path, follow=True)
    response = client.post(response.redirect_chain[-1][0], {
        "new_password1": "A-long-new-passphrase-9", "new_password2": "A-long-new-passphrase-9"})
    user.refresh_from_db()
    assert user.has_usable_password() and user.check_password("A-long-new-passphrase-9")


def test_a_rejected_new_user_request_creates_nobody(supplier_user, operations_user):
    sr = raise_request(code="new-portal-user", by=supplier_user)
    services.decide(service_request=sr, by=operations_user, approve=False, comment="Unknown")
    assert not User.objects.filter(email="nia@bw.example").exists()


def test_a_new_user_request_for_a_taken_address_is_a_field_error(supplier_user):
    answers = {**DEFAULT_ANSWERS["new-portal-user"], "email": supplier_user.email.upper()}
    with pytest.raises(InvalidAnswers) as caught:
        raise_request(code="new-portal-user", by=supplier_user, answers=answers)
    assert "already exists" in caught.value.errors["email"][0]


def test_the_address_taken_while_waiting_stops_fulfilment(supplier_user, operations_user,
                                                          desk_agent):
    sr = raise_request(code="new-portal-user", by=supplier_user)
    User.objects.create(username="nia2", email="nia@bw.example",
                        organisation=supplier_user.organisation)
    with pytest.raises(InvalidTransition, match="already exists"):
        _through(sr, approver=operations_user, desk=desk_agent)


def test_an_approved_revoke_deactivates_the_named_user(supplier_user, supplier_colleague,
                                                       supplier_admin, desk_agent):
    sr = raise_request(code="revoke-user", by=supplier_user)  # revokes bob
    supplier_colleague.refresh_from_db()
    assert supplier_colleague.is_active
    _through(sr, approver=supplier_admin, desk=desk_agent)
    supplier_colleague.refresh_from_db()
    assert not supplier_colleague.is_active


def test_revoking_another_organisations_user_is_refused(supplier_user, other_supplier_user):
    with pytest.raises(InvalidAnswers) as caught:
        raise_request(code="revoke-user", by=supplier_user,
                      answers={"username": other_supplier_user.username, "reason": "Other"})
    assert caught.value.errors == {"username": ["No active user of your organisation has "
                                                "this username."]}
    other_supplier_user.refresh_from_db()
    assert other_supplier_user.is_active


def test_the_desk_cannot_revoke_across_organisations_on_behalf(supplier_user, desk_agent,
                                                               other_supplier_user):
    with pytest.raises(InvalidAnswers):
        raise_request(code="revoke-user", by=desk_agent, requester=supplier_user,
                      answers={"username": other_supplier_user.username, "reason": "Other"})


def test_unlock_clears_recent_failures_and_sends_a_reset(supplier_user, supplier_colleague,
                                                         desk_agent):
    for _ in range(5):
        LoginAttempt.objects.create(username="bob", remote_addr="192.0.2.1", succeeded=False)
    old = LoginAttempt.objects.create(username="bob", remote_addr="192.0.2.1", succeeded=False)
    old.at = timezone.now() - timedelta(days=2)
    old.save()
    assert locked_until("bob") is not None
    sr = raise_request(code="password-reset-unlock", by=supplier_user)
    _through(sr, approver=None, desk=desk_agent)
    assert locked_until("bob") is None
    assert list(LoginAttempt.objects.values_list("pk", flat=True)) == [old.pk]
    assert OutboundEmail.objects.filter(to=[supplier_colleague.email],
                                        subject__icontains="reset").exists()
