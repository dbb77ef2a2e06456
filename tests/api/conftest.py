import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def openapi():
    """The OpenAPI schema as served at /api/schema/."""
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    """Yield (method, path, operation) for every operation of the schema."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


@pytest.fixture
def session_client():
    """Return a function: session_client(user) -> APIClient with a real session for `user`."""

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make
