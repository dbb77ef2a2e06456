import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from services.factories import ServiceDependencyFactory, ServiceFactory
from services.models import ServiceDependency

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    """des needs uk-link needs css-registration needs css-address."""
    address = ServiceFactory(code="css-address")
    registration = ServiceFactory(code="css-registration")
    uk_link = ServiceFactory(code="uk-link")
    des = ServiceFactory(code="des")
    ServiceDependencyFactory(service=registration, depends_on=address)
    ServiceDependencyFactory(service=uk_link, depends_on=registration)
    ServiceDependencyFactory(service=des, depends_on=uk_link)
    return address, registration, uk_link, des


def test_dependents_are_found_transitively(chain):
    address, registration, uk_link, des = chain
    assert address.dependents_closure() == {registration.pk, uk_link.pk, des.pk}
    assert des.depends_on_closure() == {uk_link.pk, registration.pk, address.pk}


def test_graph_knows_related_services(chain):
    address, _, _, des = chain
    graph = ServiceDependency.objects.graph()
    assert graph.related(address.pk, des.pk)
    unrelated = ServiceFactory(code="ecoes")
    assert not ServiceDependency.objects.graph().related(unrelated.pk, des.pk)


def test_a_dependency_cycle_is_refused_with_a_reason(chain):
    address, _, _, des = chain
    edge = ServiceDependency(service=address, depends_on=des)
    with pytest.raises(ValidationError) as exc:
        edge.full_clean()
    assert "cycle" in str(exc.value)


def test_a_service_cannot_depend_on_itself(chain):
    address = chain[0]
    with pytest.raises(ValidationError):
        ServiceDependency(service=address, depends_on=address).full_clean()


def test_participant_reads_the_catalogue_in_the_portal(client, supplier_user, chain):
    client.force_login(supplier_user)
    response = client.get(reverse("services:catalogue"))
    assert response.status_code == 200
    assert chain[2].name in response.content.decode()
    detail = client.get(reverse("services:detail", args=["uk-link"])).content.decode()
    assert chain[1].name in detail  # depends on
    assert chain[3].name in detail  # needed by


def test_anonymous_is_asked_to_sign_in_for_the_catalogue(client, chain):
    response = client.get(reverse("services:catalogue"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_inactive_service_is_hidden_from_participants(client, supplier_user):
    ServiceFactory(code="retired", is_active=False)
    client.force_login(supplier_user)
    assert client.get(reverse("services:detail", args=["retired"])).status_code == 404


def test_api_lists_catalogue_with_dependencies(api_client, provider_user, chain):
    response = api_client(provider_user).get("/api/v1/services/uk-link/")
    assert response.status_code == 200
    assert response.json()["depends_on"] == ["css-registration"]


def test_desk_cannot_edit_catalogue_but_operations_can(client, desk_agent, operations_user,
                                                       chain):
    url = reverse("admin:services_service_change", args=[chain[0].pk])
    client.force_login(desk_agent)
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403
    client.force_login(operations_user)
    assert client.get(url).status_code == 200
