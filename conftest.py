"""Shared, named fixtures so permission tests read like sentences.

Every app's tests may use these: supplier_user / other_supplier_user (two
Market Participants), provider_user / other_provider_user (two CDS
providers), desk_agent, operations_user, auditor_user, a small catalogue
(`service`, `other_service`), and API clients (`api_client`, `token_client`).
"""

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from accounts.factories import OrganisationFactory, UserFactory, issue_token
from services.factories import ServiceFactory
from switching_sm.celery import app as celery_app

# Property tests (hypothesis): a bounded, reproducible run by default, so the suite stays
# quick on both databases; HYPOTHESIS_PROFILE=thorough searches much harder.
hypothesis_settings.register_profile(
    "default", max_examples=50, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
hypothesis_settings.register_profile(
    "thorough", max_examples=2000, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Run tasks inline in unit tests; tests/integration starts a real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Forget cached ContentType ids: a transactional test's flush recreates the rows with
    new ids, and the audit trail writes content_type_id from that cache."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start each test with an empty cache: rate-limit counts must not leak between tests,
    nor the per-process copies of policies and tokens (kernel/process_cache.py)."""
    from django.core.cache import cache

    from accounts.api_auth import forget_cached_tokens
    from kernel import process_cache

    cache.clear()
    process_cache.clear_all()
    forget_cached_tokens()


@pytest.fixture(autouse=True)
def _references_from_one(request):
    """Number each test's incidents and requests from 1 on PostgreSQL too: their sequences
    (incidents.ReferenceCounter) keep counting when a test's transaction rolls back."""
    names = set(request.fixturenames)
    if not (request.node.get_closest_marker("django_db") or names & {"db", "transactional_db"}):
        return
    if not request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    from django.db import connection

    if connection.vendor == "postgresql":
        from incidents.models import ReferenceCounter

        ReferenceCounter.restart()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply; production keeps Django's PBKDF2 default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def supplier_org(db):
    return OrganisationFactory(name="Brightwater Energy", short_code="brightwater")


@pytest.fixture
def other_supplier_org(db):
    return OrganisationFactory(name="Kestrel Power", short_code="kestrel")


@pytest.fixture
def provider_org(db):
    return OrganisationFactory(provider=True, name="Xoserve", short_code="xoserve")


@pytest.fixture
def other_provider_org(db):
    return OrganisationFactory(provider=True, name="Gemserv", short_code="gemserv")


@pytest.fixture
def supplier_user(supplier_org):
    return UserFactory(username="bea", organisation=supplier_org)


@pytest.fixture
def supplier_colleague(supplier_org):
    return UserFactory(username="bob", organisation=supplier_org)


@pytest.fixture
def other_supplier_user(other_supplier_org):
    return UserFactory(username="ken", organisation=other_supplier_org)


@pytest.fixture
def provider_user(provider_org):
    return UserFactory(username="xavier", provider=True, organisation=provider_org)


@pytest.fixture
def other_provider_user(other_provider_org):
    return UserFactory(username="gemma", provider=True, organisation=other_provider_org)


@pytest.fixture
def desk_agent(db):
    return UserFactory(username="dana", desk=True)


@pytest.fixture
def operations_user(db):
    return UserFactory(username="olu", operations=True)


@pytest.fixture
def auditor_user(db):
    return UserFactory(username="ada", auditor=True)


@pytest.fixture
def service(provider_org):
    return ServiceFactory(code="uk-link", name="UK Link", provider=provider_org)


@pytest.fixture
def other_service(other_provider_org):
    return ServiceFactory(code="ecoes", name="ECOES", provider=other_provider_org)


@pytest.fixture
def api_client():
    """Return a function: api_client(user) -> APIClient logged in by session as `user`."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def token_client(db):
    """Return a function: token_client(organisation) -> APIClient sending a fresh org token."""

    def make(organisation):
        _, raw_key = issue_token(organisation)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
        return client

    return make


@pytest.fixture
def migrator():
    """Return `to(app, migration)`: move the test database to that migration (backwards or
    forwards) and return the historical apps there. The database is back at the latest
    migrations afterwards. Tests using it mark themselves
    `django_db(transaction=True, serialized_rollback=True)` (migrations cannot run inside the
    test's transaction)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def to(app, migration):
        executor = MigrationExecutor(connection)
        executor.migrate([(app, migration)])
        executor.loader.build_graph()
        # The historical apps of every migration now applied, so other apps' models match
        # their tables (a column added since, NOT NULL, is there in the model too).
        return executor.loader.project_state(list(executor.loader.applied_migrations)).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
