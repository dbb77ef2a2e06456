"""Article search, used alike by the portal, the API and the incident form's suggestions.

On PostgreSQL: full-text search over a stored, GIN-indexed tsvector (title
weight A, summary B, body C) with the 'english' configuration (stemming),
ranked by ts_rank, the last word typed matched as a prefix, and highlighted
snippets from ts_headline. On SQLite (local runs, tests): case-insensitive
containment with a snippet cut around the first match.

Every search starts from `Article.objects.visible_to(user)`, so a reader can
never find, or read a snippet of, an article outside their audience.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Article, ArticleVersion, PublishedArticle
from .vectors import SEARCH_CONFIG, is_postgresql

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MIN_SUGGEST_LENGTH = 3
# PostgreSQL returns at most this many best matches (first ranked by title and summary).
MAX_CANDIDATES = 200
SNIPPET_CHARS = 180
# Private-use characters mark highlights inside ts_headline output, so the
# whole headline can be HTML-escaped before they become <mark> tags.
# rendering.plain_text() removes them from article text.
START_SEL, STOP_SEL = "\ue000", "\ue001"

_WORD = re.compile(r"[^\W_]+")


def query_terms(text):
    """Return the words of `text` to search for: letters and digits only, lower case, capped."""
    words = _WORD.findall((text or "")[:MAX_QUERY_LENGTH].lower())
    return [word[:50] for word in words][:MAX_TERMS]


def to_tsquery_text(terms, *, match_any=False):
    """Return a to_tsquery() expression for `terms`, the last one a prefix.

    Safe from injection by construction: each term is letters and digits only
    (see query_terms) and is single-quoted, so no tsquery operator can be typed.
    """
    if not terms:
        return ""
    quoted = [f"'{term}'" for term in terms]
    quoted[-1] += ":*"
    return (" | " if match_any else " & ").join(quoted)


def _filters(prefix, article_type, service_code, service_ids):
    """Return a Q for the type and service filters, the article reached through `prefix`."""
    condition = Q()
    if article_type:
        condition &= Q(**{f"{prefix}article_type": article_type})
    if service_code or service_ids is not None:
        about = Article.objects.all()
        if service_code:
            about = about.filter(services__code=service_code)
        if service_ids is not None:
            about = about.filter(services__in=list(service_ids))
        # A sub-query, not a join: an article on two services must not appear twice.
        condition &= Q(**{f"{prefix}pk__in": about.values("pk")})
    return condition


def search_articles(*, user, text, article_type="", service_code="", service_ids=None,
                    match_any=False):
    """Return live articles `user` may see that match `text`, best first.

    `match_any` finds articles with any of the words (suggestions while typing);
    otherwise every word must match (the search page and the API). `service_ids`
    keeps articles about any of those services. On PostgreSQL each result carries
    `rank` and `headline` (use `with_snippets` for display) and at most
    MAX_CANDIDATES results are returned.
    """
    terms = query_terms(text)
    # visible_to already keeps live articles only; a retired (withdrawn) one is excluded
    # here too, so no search, suggestion or "did you mean" can ever offer it.
    articles = Article.objects.visible_to(user).exclude(status=Article.Status.RETIRED).filter(
        _filters("", article_type, service_code, service_ids))
    if not terms:
        return articles.none()
    if is_postgresql():
        candidates = PublishedArticle.objects.visible_to(user).filter(
            _filters("article__", article_type, service_code, service_ids))
        return _postgresql_search(articles, candidates, terms, match_any)
    return _fallback_search(articles, terms, match_any)


# "Did you mean": words of this length or more are compared with the readers' vocabulary.
MIN_CORRECTED_LENGTH = 4
VOCABULARY_ARTICLES = 2000


@dataclass
class SearchOutcome:
    """What the search page shows: the results, how they matched, and a suggestion."""

    results: list = field(default_factory=list)
    matched: str = "all"  # "all" words, "any" word (the fall-back), or "none"
    did_you_mean: str = ""  # a corrected query that finds articles, or ""


def search_with_fallback(*, user, text, limit, article_type="", service_code=""):
    """Search for every word; when that finds nothing, for any word; offer a spelling fix.

    A spelling suggestion replaces each word no readable article contains with the
    closest word of the titles and summaries this user may read, and is offered only
    when it finds something; so it never points at a retired or unreadable article.
    """
    filters = {"article_type": article_type, "service_code": service_code}
    found = with_snippets(search_articles(user=user, text=text, **filters)[:limit], text)
    matched = "all"
    if not found and len(query_terms(text)) > 1:
        found = with_snippets(
            search_articles(user=user, text=text, match_any=True, **filters)[:limit], text)
        matched = "any"
    if not found:
        matched = "none"
    corrected = _corrected_query(user, text)
    if corrected and not search_articles(user=user, text=corrected, **filters).exists():
        corrected = ""
    return SearchOutcome(results=found, matched=matched, did_you_mean=corrected)


def _vocabulary(user):
    """Return the words of the titles and summaries of the live articles `user` may read."""
    rows = (Article.objects.visible_to(user).exclude(status=Article.Status.RETIRED)
            .values_list("published_version__title", "published_version__summary")
            .order_by("-published_at")[:VOCABULARY_ARTICLES])
    words = set()
    for title, summary in rows:
        words.update(query_terms_unbounded(f"{title} {summary or ''}"))
    return words


def query_terms_unbounded(text):
    """Return every word of `text`, lower case (for building the vocabulary)."""
    return [word for word in _WORD.findall((text or "").lower()) if len(word) <= 50]


def _corrected_query(user, text):
    """Return `text` with unknown words replaced by the closest known ones, or ""."""
    terms = query_terms(text)
    if not terms:
        return ""
    vocabulary = _vocabulary(user)
    corrected, changed = [], False
    for term in terms:
        if term in vocabulary or len(term) < MIN_CORRECTED_LENGTH or term.isdigit():
            corrected.append(term)
            continue
        close = difflib.get_close_matches(term, vocabulary, n=1, cutoff=0.75)
        if close:
            corrected.append(close[0])
            changed = True
        else:
            corrected.append(term)
    return " ".join(corrected) if changed else ""


def _postgresql_search(articles, candidates, terms, match_any):
    """Rank in two steps so a common word costs a narrow scan, not a read of every match.

    1. Among the matching PublishedArticle rows (GIN index; narrow rows), keep the
       best MAX_CANDIDATES by the small title+summary vector, newest first on ties.
    2. Rank those by the full weighted document and add ts_headline snippets,
       which read the version text only for the rows returned (a correlated
       sub-query; its ordering is cleared so it stays correlated).
    """
    tsquery = SearchQuery(to_tsquery_text(terms, match_any=match_any), search_type="raw",
                          config=SEARCH_CONFIG)
    best = (candidates.filter(document=tsquery)
            .annotate(quick=SearchRank(F("rank_vector"), tsquery))
            .order_by("-quick", "-published_at").values("article_id")[:MAX_CANDIDATES])
    plain_body = (ArticleVersion.objects.filter(pk=OuterRef("published_version_id"))
                  .order_by().values("plain_body")[:1])
    return (
        articles.filter(pk__in=Subquery(best))
        .prefetch_related("published_version")
        .annotate(
            rank=SearchRank(F("publication__document"), tsquery),
            headline=SearchHeadline(
                Subquery(plain_body), tsquery, config=SEARCH_CONFIG,
                start_sel=START_SEL, stop_sel=STOP_SEL, max_words=30, min_words=12,
                max_fragments=2, fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at", "pk")
    )


def _fallback_search(articles, terms, match_any):
    def matches(term):
        return (Q(published_version__title__icontains=term)
                | Q(published_version__summary__icontains=term)
                | Q(published_version__plain_body__icontains=term))

    condition = matches(terms[0])
    for term in terms[1:]:
        condition = (condition | matches(term)) if match_any else (condition & matches(term))
    # A crude ranking: a hit in the title counts for more than one in the body.
    title_hits = sum(
        (Case(When(published_version__title__icontains=term, then=Value(1)), default=Value(0),
              output_field=IntegerField()) for term in terms),
        Value(0),
    )
    return (articles.select_related("published_version").filter(condition)
            .annotate(rank=title_hits).order_by("-rank", "-published_at", "pk"))


def with_snippets(articles, text):
    """Set `snippet` (safe HTML, matches in <mark>) on each article and return them as a list."""
    terms = query_terms(text)
    results = list(articles)
    for article in results:
        headline = getattr(article, "headline", None)
        if headline is not None:
            article.snippet = _highlighted(headline)
        else:
            article.snippet = fallback_snippet(article.published_version, terms)
    return results


def _highlighted(headline):
    """Escape ts_headline output, then turn its sentinel marks into <mark> tags."""
    html = escape(headline).replace(START_SEL, "<mark>").replace(STOP_SEL, "</mark>")
    return mark_safe(html)  # noqa: S308 - everything but our own <mark> tags is escaped


def fallback_snippet(version, terms):
    """Return ~SNIPPET_CHARS of the version's text around the first match, matches marked."""
    text = version.plain_body or version.summary
    lowered = text.lower()
    positions = [lowered.find(term) for term in terms if lowered.find(term) >= 0]
    if positions:
        start = max(min(positions) - SNIPPET_CHARS // 3, 0)
    else:
        text = version.summary or text
        start = 0
    window = text[start:start + SNIPPET_CHARS]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_CHARS < len(text) else ""
    if not terms:
        return mark_safe(escape(prefix + window + suffix))  # noqa: S308 - escaped
    pattern = re.compile("(" + "|".join(re.escape(t) for t in terms) + ")", re.IGNORECASE)
    parts = pattern.split(window)
    marked = "".join(
        f"<mark>{escape(part)}</mark>" if index % 2 else escape(part)
        for index, part in enumerate(parts)
    )
    return mark_safe(escape(prefix) + marked + escape(suffix))  # noqa: S308 - escaped
