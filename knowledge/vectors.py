"""The full-text search vectors of a published article (PostgreSQL), built in one place.

Publishing writes them (knowledge.models.PublishedArticle) and search reads them
(knowledge.search); neither needs the other for this.
"""

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value

SEARCH_CONFIG = "english"


def is_postgresql():
    return connection.vendor == "postgresql"


def search_vectors_for(version):
    """Return (document, rank_vector) expressions for an ArticleVersion's content."""
    title = SearchVector(Value(version.title), weight="A", config=SEARCH_CONFIG)
    summary = SearchVector(Value(version.summary), weight="B", config=SEARCH_CONFIG)
    body = SearchVector(Value(version.plain_body), weight="C", config=SEARCH_CONFIG)
    return title + summary + body, title + summary
