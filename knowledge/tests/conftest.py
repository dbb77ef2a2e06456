"""Knowledge fixtures: one published article per audience, all mentioning 'rejection'."""

import pytest

from knowledge.factories import make_article
from knowledge.models import Article

A = Article.Audience


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hash test passwords cheaply: factories set one per user, and PBKDF2 is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def author(desk_agent):
    return desk_agent


@pytest.fixture
def audience_articles(author):
    """Return {name: article} for every audience, each published and findable by 'rejection'."""
    rows = {
        "public": dict(audience=A.PUBLIC, title="Public rejection guide"),
        "participants": dict(audience=A.PARTICIPANTS, title="Participant rejection codes"),
        "suppliers": dict(audience=A.MARKET_ROLE, audience_market_role="energy_supplier",
                          title="Supplier rejection handling"),
        "shippers": dict(audience=A.MARKET_ROLE, audience_market_role="gas_shipper",
                         title="Shipper rejection handling"),
        "providers": dict(audience=A.PROVIDERS, title="Provider rejection runbook"),
        "internal": dict(audience=A.INTERNAL, title="Internal rejection triage secrets",
                         body="Desk only: rejection triage notes. Secret escalation numbers."),
    }
    return {name: make_article(author=author, owner=author, **kwargs)
            for name, kwargs in rows.items()}


@pytest.fixture
def visible_names():
    """Return {role fixture name: set of audience article names that role may read}."""
    return {
        "anonymous": {"public"},
        "supplier_user": {"public", "participants", "suppliers"},
        "provider_user": {"public", "providers"},
        "desk_agent": {"public", "participants", "suppliers", "shippers", "providers",
                       "internal"},
        "auditor_user": {"public", "participants", "suppliers", "shippers", "providers",
                         "internal"},
    }
