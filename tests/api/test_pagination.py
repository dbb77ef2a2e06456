"""Every API list pages with a bounded, strictly parsed `limit` and `offset`."""

import pytest

from kernel.api_pagination import MAX_LIMIT

from .conftest import operations

pytestmark = pytest.mark.django_db
URL = "/api/v1/services/"


@pytest.mark.parametrize("query,field", [
    ("limit=43256615701344927744", "limit"),  # above 2**63: was a 500 on every list
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("limit=ten", "limit"),
    ("limit=1.5", "limit"),
    ("offset=-1545754", "offset"),
    ("offset=99999999999999", "offset"),
])
def test_bad_limit_or_offset_is_400_naming_the_parameter(session_client, supplier_user, query, field):
    response = session_client(supplier_user).get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


def test_limit_and_offset_page_through_the_list(session_client, supplier_user, service, other_service):
    client = session_client(supplier_user)
    first = client.get(f"{URL}?limit=1").json()
    second = client.get(f"{URL}?limit=1&offset=1").json()
    assert first["count"] == 2 and len(first["results"]) == 1
    assert first["results"][0]["code"] != second["results"][0]["code"]
    assert client.get(f"{URL}?limit={MAX_LIMIT}").status_code == 200


def test_every_paginated_list_documents_the_bounds(openapi):
    lists = 0
    for _method, _path, operation in operations(openapi):
        params = {p["name"]: p for p in operation.get("parameters", [])}
        if "limit" in params:
            lists += 1
            assert params["limit"]["schema"] == {"type": "integer", "minimum": 1,
                                                 "maximum": MAX_LIMIT}
            if "cursor" in params:  # keyset pages: no offset to walk
                assert "offset" not in params and params["cursor"]["schema"]["type"] == "string"
            else:
                assert params["offset"]["schema"]["minimum"] == 0
    assert lists > 10


def test_every_integer_query_parameter_is_bounded_in_the_schema(openapi):
    for method, path, operation in operations(openapi):
        for param in operation.get("parameters", []):
            schema = param["schema"]
            schema = schema.get("items", schema)
            if param["in"] == "query" and schema.get("type") == "integer" and "enum" not in schema:
                assert "minimum" in schema and "maximum" in schema, (method, path, param["name"])


INCIDENTS = "/api/v1/incidents/"


@pytest.mark.parametrize("query,field", [
    ("limit=43256615701344927744", "limit"),
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("cursor=not-a-cursor", "cursor"),
    ("cursor=%FF%FE", "cursor"),
])
def test_a_bad_limit_or_cursor_on_a_keyset_list_is_400(session_client, supplier_user, query, field):
    response = session_client(supplier_user).get(f"{INCIDENTS}?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


def test_keyset_pages_walk_the_incidents_newest_first_without_a_count(
        session_client, supplier_org, supplier_user, service):
    from incidents.factories import IncidentFactory

    raised = [IncidentFactory(organisation=supplier_org, raised_by=supplier_user,
                              services=[service]).reference for _ in range(5)]
    client = session_client(supplier_user)
    seen, url = [], f"{INCIDENTS}?limit=2"
    while url:
        page = client.get(url).json()
        assert "count" not in page and len(page["results"]) <= 2
        seen += [row["reference"] for row in page["results"]]
        url = page["next"]
    assert seen == raised[::-1]
    back = client.get(client.get(f"{INCIDENTS}?limit=2").json()["next"]).json()["previous"]
    assert [r["reference"] for r in client.get(back).json()["results"]] == raised[::-1][:2]
