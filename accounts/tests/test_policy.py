import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from accounts import policy
from accounts.factories import OrganisationFactory, UserFactory
from accounts.models import Organisation, Role, User

pytestmark = pytest.mark.django_db


def test_supplier_sees_only_its_own_organisation(supplier_user, other_supplier_org):
    assert list(Organisation.objects.visible_to(supplier_user)) == [supplier_user.organisation]


def test_supplier_sees_only_its_own_organisations_users(supplier_user, supplier_colleague,
                                                        other_supplier_user):
    visible = set(User.objects.visible_to(supplier_user))
    assert visible == {supplier_user, supplier_colleague}


def test_provider_cannot_see_other_organisations(provider_user, supplier_org, other_provider_org):
    assert set(Organisation.objects.visible_to(provider_user)) == {provider_user.organisation}


def test_anonymous_sees_nothing(supplier_org):
    assert not Organisation.objects.visible_to(AnonymousUser()).exists()
    assert not User.objects.visible_to(AnonymousUser()).exists()


def test_deactivated_user_sees_nothing(supplier_user):
    supplier_user.is_active = False
    supplier_user.save()
    assert not Organisation.objects.visible_to(supplier_user).exists()


def test_internal_staff_see_every_organisation(desk_agent, operations_user, auditor_user,
                                               supplier_org, provider_org):
    for user in (desk_agent, operations_user, auditor_user):
        assert {supplier_org, provider_org} <= set(Organisation.objects.visible_to(user))


def test_console_is_for_internal_staff_only(supplier_user, provider_user, desk_agent,
                                            operations_user, auditor_user):
    assert not policy.may_use_console(supplier_user)
    assert not policy.may_use_console(provider_user)
    assert policy.may_use_console(desk_agent)
    assert policy.may_use_console(operations_user)
    assert policy.may_use_console(auditor_user)


def test_auditor_reads_but_never_changes(auditor_user):
    assert policy.may_use_console(auditor_user)
    assert not policy.may_change_in_console(auditor_user)
    assert not policy.may_manage_reference_data(auditor_user)


def test_only_operations_manage_reference_data(desk_agent, operations_user):
    assert not policy.may_manage_reference_data(desk_agent)
    assert policy.may_manage_reference_data(operations_user)


def test_staff_flag_follows_role(supplier_user, desk_agent):
    assert not supplier_user.is_staff
    assert desk_agent.is_staff


def test_system_account_cannot_log_in_or_use_console(provider_org):
    account = User.objects.system_account_for(provider_org)
    assert not account.has_usable_password()
    assert account.role == Role.CDS_PROVIDER
    assert not policy.may_use_console(account)


def test_role_must_match_organisation_kind(supplier_org):
    user = UserFactory.build(username="x", organisation=supplier_org, role=Role.SERVICE_DESK)
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "cannot belong to a Market Participant" in str(exc.value)


def test_market_participant_needs_market_role(db):
    org = OrganisationFactory.build(short_code="x", name="X", market_role="")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "market role" in str(exc.value)


def test_provider_cannot_have_market_role(db):
    org = OrganisationFactory.build(provider=True, market_role=Organisation.MarketRole.TPI)
    with pytest.raises(ValidationError):
        org.full_clean()
