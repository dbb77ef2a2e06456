"""Factories for knowledge tests: articles built through the services, so versions are real."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.factories import UserFactory

from . import services
from .models import Article


def make_article(*, title="Switch request rejected for address mismatch", body=None,
                 summary="Resubmit with the REL address.", article_type=Article.Type.KNOWN_ERROR,
                 audience=Article.Audience.PUBLIC, audience_market_role="", services_=(),
                 owner=None, author=None, review_by=None, publish=True):
    """Return an article (published unless publish=False) owned by a desk agent."""
    owner = owner or UserFactory(desk=True)
    author = author or owner
    article = services.create_article(
        by=author, article_type=article_type, title=title, summary=summary,
        body=body if body is not None else f"# {title}\n\nThe CSS rejects the request.",
        owner=owner, review_by=review_by or (timezone.localdate() + timedelta(days=180)),
        audience=audience, audience_market_role=audience_market_role, services=services_,
    )
    if publish:
        publish_article(article, by=author)
    return article


def publish_article(article, *, by):
    services.transition_article(article=article, action="submit", by=by)
    services.transition_article(article=article, action="publish", by=by)
    article.refresh_from_db()
    return article


class ArticleFactory(factory.Factory):
    """Attribute bag for forms and API payloads (use make_article to create rows)."""

    class Meta:
        model = dict

    title = factory.Sequence(lambda n: f"How to read rejection code {n}")
    summary = "What the code means and what to do."
    body = "Steps:\n\n1. Open the rejection.\n2. Read the code."
    article_type = Article.Type.HOW_TO
    audience = Article.Audience.PARTICIPANTS
    review_by = factory.LazyFunction(lambda: date.today() + timedelta(days=90))
