"""The OpenAPI schema says what the API does: error statuses and shape, nulls, list shapes."""

import pytest

from incidents.factories import IncidentFactory
from kernel.api_errors import _flatten

from .conftest import operations

pytestmark = pytest.mark.django_db
ERROR_REF = "#/components/schemas/ApiError"


def error_codes(operation):
    return {code for code, response in operation["responses"].items()
            if response.get("content", {}).get("application/json", {}).get("schema", {})
            .get("$ref") == ERROR_REF}


def test_every_operation_documents_the_errors_it_can_answer(openapi):
    for method, path, operation in operations(openapi):
        codes = error_codes(operation)
        assert {"400", "401"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if method != "GET":
            assert {"403", "409"} <= codes, (method, path)
        assert all(operation["responses"][code]["description"] for code in codes), (method, path)


def test_public_reads_do_not_claim_403(openapi):
    assert "403" not in error_codes(openapi["paths"]["/api/v1/status/"]["get"])


def test_error_fields_are_messages_by_field_path(openapi):
    body = openapi["components"]["schemas"]["ApiErrorBody"]["properties"]
    assert body["fields"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_nested_validation_errors_are_filed_under_dotted_paths():
    detail = {
        "title": ["This field is required."],
        "impacts": [{}, {"service": ["Object with code=x does not exist."]}],
        "answers": {"mpid": ["An MPID is four capital letters."],
                    "non_field_errors": ["Answer the questions."]},
        "services": {0: ["Not a service."]},
    }
    assert _flatten(detail) == {
        "title": ["This field is required."],
        "impacts.1.service": ["Object with code=x does not exist."],
        "answers.mpid": ["An MPID is four capital letters."],
        "answers": ["Answer the questions."],
        "services.0": ["Not a service."],
    }
    assert _flatten(["Send a JSON object."]) == {"non_field_errors": ["Send a JSON object."]}


@pytest.mark.parametrize("component,field", [
    ("Incident", "assigned_group"), ("Incident", "duplicate_of"),
    ("IncidentDetail", "assigned_group"), ("ChangeNotification", "contact"),
    ("Figure", "service"), ("Approval", "decided_by"), ("ServiceRequestDetail", "approval"),
])
def test_fields_that_can_be_null_are_documented_nullable(openapi, component, field):
    assert openapi["components"]["schemas"][component]["properties"][field].get("nullable") is True


def test_lists_of_related_rows_are_not_nullable(openapi):
    properties = openapi["components"]["schemas"]["ChangeNotification"]["properties"]
    assert not properties["transitions"].get("nullable")


def test_unassigned_incident_returns_the_null_the_schema_documents(session_client, desk_agent,
                                                                   service):
    incident = IncidentFactory(services=[service])
    body = session_client(desk_agent).get(f"/api/v1/incidents/{incident.reference}/").json()
    assert body["assigned_group"] is None and body["duplicate_of"] is None


def test_comments_are_documented_as_the_plain_list_they_are(openapi, session_client, desk_agent,
                                                           service):
    operation = openapi["paths"]["/api/v1/incidents/{reference}/comments/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert [p["name"] for p in operation["parameters"]] == ["reference"]
    incident = IncidentFactory(services=[service])
    body = session_client(desk_agent).get(f"/api/v1/incidents/{incident.reference}/comments/").json()
    assert isinstance(body, list)
