import pytest

from accounts.factories import OrganisationFactory, UserFactory


@pytest.fixture
def desk_org(db):
    return OrganisationFactory(desk=True)


@pytest.fixture
def operations_org(db):
    return OrganisationFactory(operations=True)


@pytest.fixture
def supplier_admin(supplier_org):
    """The supplier organisation's administrator (approves org-admin items)."""
    return UserFactory(username="ann", organisation=supplier_org, is_org_admin=True)


@pytest.fixture
def other_supplier_admin(other_supplier_org):
    return UserFactory(username="kim", organisation=other_supplier_org, is_org_admin=True)
