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


# --- services named by code in the API (services.catalogue) --------------------------

def _take(user, code):
    """Return the service CatalogueCodeField takes for `code` from `user`, or None."""
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from services.catalogue import CatalogueCodeField

    class Form(serializers.Serializer):
        service = CatalogueCodeField()

    request = APIRequestFactory().post("/")
    request.user = user
    form = Form(data={"service": code}, context={"request": request})
    if form.is_valid():
        return form.validated_data["service"]
    assert "does not exist" in str(form.errors["service"][0]), form.errors
    return None


def _accepted_codes(user, codes):
    return {code for code in codes if _take(user, code) is not None}


def test_the_cached_catalogue_takes_exactly_what_the_catalogue_rule_shows(
        supplier_user, provider_user, desk_agent, auditor_user, operations_user):
    """Independent reference: the queryset rule (Service.objects.visible_to) for each role."""
    from services.models import Service

    live, switched_off = ServiceFactory(code="uk-link"), ServiceFactory(code="old-mpas")
    switched_off.is_active = False
    switched_off.save()
    codes = ["uk-link", "old-mpas", "no-such-service"]
    for user in (supplier_user, provider_user, desk_agent, auditor_user, operations_user):
        expected = set(Service.objects.active().visible_to(user).filter(code__in=codes)
                       .values_list("code", flat=True))
        assert _accepted_codes(user, codes) == expected == {live.code}, user.role
    supplier_user.is_active = False  # a deactivated account reads nothing
    assert _accepted_codes(supplier_user, codes) == set(
        Service.objects.active().visible_to(supplier_user).values_list("code", flat=True))


def test_a_service_switched_off_is_refused_at_once_and_each_caller_gets_its_own_copy(
        token_client, supplier_org, supplier_user):
    from services.catalogue import active_by_code

    service = ServiceFactory(code="uk-link")
    client = token_client(supplier_org)
    body = {"title": "Registration responses delayed", "description": "Since 09:40.",
            "severity": 3, "services": ["uk-link"]}
    assert client.post("/api/v1/incidents/", body, format="json").status_code == 201
    first = active_by_code()["uk-link"]
    service.is_active = False
    service.save()  # every process drops its copy of the catalogue
    refused = client.post("/api/v1/incidents/", body, format="json")
    assert refused.status_code == 400
    assert "services" in refused.json()["error"]["fields"]
    assert "uk-link" not in active_by_code()
    service.is_active = True
    service.save()
    assert client.post("/api/v1/incidents/", body, format="json").status_code == 201
    assert active_by_code()["uk-link"] is not first  # rebuilt from the row
    mine, theirs = _take(supplier_user, "uk-link"), _take(supplier_user, "uk-link")
    assert mine == theirs == active_by_code()["uk-link"]  # the same row
    assert mine is not theirs and mine is not active_by_code()["uk-link"]  # each its own
