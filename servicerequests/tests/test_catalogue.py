import pytest
from django.core.exceptions import ValidationError

from accounts.factories import OrganisationFactory, UserFactory
from accounts.models import Organisation
from servicerequests.factories import RequestFieldFactory, RequestItemFactory
from servicerequests.models import Audience, FieldType, RequestItem, RequestSlaPolicy

SEEDED = ["new-portal-user", "password-reset-unlock", "revoke-user",
          "switching-network-connection", "change-organisation-contact", "information-request",
          "test-environment-access"]


@pytest.mark.django_db
def test_the_data_migration_seeds_the_real_catalogue_and_every_row_is_valid():
    assert set(SEEDED) <= set(RequestItem.objects.values_list("code", flat=True))
    for item in RequestItem.objects.filter(code__in=SEEDED):
        item.full_clean()
        assert item.sla_policy.version_in_force() is not None
        assert item.fields.exists()
        for field in item.fields.all():
            field.full_clean()


@pytest.mark.django_db
def test_access_items_need_the_named_approver_and_carry_their_effect():
    items = {i.code: i for i in RequestItem.objects.all()}
    assert items["new-portal-user"].approver_role == "operations"
    assert items["new-portal-user"].effect == "new_user"
    assert items["revoke-user"].approver_role == "org_admin"
    assert items["revoke-user"].effect == "revoke_user"
    assert not items["password-reset-unlock"].needs_approval
    assert items["password-reset-unlock"].effect == "unlock_user"


def test_participants_see_items_for_their_audience_only(supplier_user, provider_user,
                                                          desk_agent, auditor_user):
    shipper_only = RequestItemFactory(audience=Audience.MARKET_ROLE,
                                      market_role=Organisation.MarketRole.GAS_SHIPPER)
    internal = RequestItemFactory(audience=Audience.INTERNAL)
    supplier_items = set(RequestItem.objects.requestable_by(supplier_user))
    assert shipper_only not in supplier_items and internal not in supplier_items
    assert RequestItem.objects.get(code="switching-network-connection") in supplier_items
    shipper = UserFactory(organisation=OrganisationFactory(
        market_role=Organisation.MarketRole.GAS_SHIPPER))
    assert shipper_only in set(RequestItem.objects.requestable_by(shipper))
    provider_items = set(RequestItem.objects.requestable_by(provider_user))
    assert RequestItem.objects.get(code="switching-network-connection") not in provider_items
    assert RequestItem.objects.get(code="test-environment-access") in provider_items
    assert internal in set(RequestItem.objects.requestable_by(desk_agent))
    assert not RequestItem.objects.requestable_by(auditor_user).exists()


def test_inactive_items_are_not_requestable(supplier_user):
    item = RequestItemFactory(is_active=False)
    assert item not in RequestItem.objects.requestable_by(supplier_user)


@pytest.mark.django_db
def test_item_rules_market_role_and_provider_fulfilment():
    with pytest.raises(ValidationError, match="market role"):
        RequestItemFactory.build(audience=Audience.MARKET_ROLE,
                                 sla_policy=RequestSlaPolicy.objects.first()).clean()
    with pytest.raises(ValidationError, match="CDS provider"):
        RequestItemFactory.build(fulfilment_group="provider",
                                 sla_policy=RequestSlaPolicy.objects.first()).clean()


@pytest.mark.django_db
@pytest.mark.parametrize("attrs, message", [
    ({"field_type": FieldType.CHOICE, "choices": ""}, "at least one option"),
    ({"field_type": FieldType.TEXT, "choices": "A\nB"}, "Only choice fields"),
    ({"regex": "([a-z"}, "Not a valid pattern"),
    ({"field_type": FieldType.NUMBER, "regex": "[0-9]+"}, "Only text answers"),
    ({"min_value": 5, "max_value": 2}, "not be below"),
])
def test_field_definitions_are_checked(attrs, message):
    field = RequestFieldFactory.build(item=RequestItemFactory(), **attrs)
    with pytest.raises(ValidationError, match=message):
        field.clean()
