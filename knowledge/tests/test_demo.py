"""Demo data loads, is idempotent, and its articles are searchable by the right audiences."""

import io

from accounts import demo as accounts_demo
from accounts.models import User
from knowledge import demo
from knowledge.models import Article
from knowledge.search import search_articles
from services import demo as services_demo


def test_demo_articles_load_once_and_respect_audiences(db):
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    demo.seed(out)
    count = Article.objects.count()
    demo.seed(out)
    assert Article.objects.count() == count >= 10
    supplier = User.objects.get(username="supplier")
    found = [a.published_version.title for a in search_articles(user=supplier, text="address")]
    assert "CSS switch request rejected for address mismatch" in found
    assert not any("runbook" in title.lower() for title in found)
    assert Article.objects.filter(status=Article.Status.IN_REVIEW).exists()
    assert Article.objects.due_for_review().exists()
