"""Search: PostgreSQL full-text (ranking, stemming, prefix, headlines) and the SQLite fallback.

The PostgreSQL tests run only when the test database is PostgreSQL and the
fallback tests only on SQLite, so on each backend the path that runs is tested:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_knowledge .venv/bin/pytest knowledge
"""

import pytest
from django.db import connection

from knowledge.factories import make_article
from knowledge.models import PublishedArticle
from knowledge.search import (
    query_terms,
    search_articles,
    to_tsquery_text,
    with_snippets,
)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search; run with DATABASE_URL"
)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite fallback; PostgreSQL uses full-text search"
)


def titles(results):
    return [article.published_version.title for article in results]


@pytest.fixture
def library(desk_agent):
    return {
        "address": make_article(
            title="Switch request rejected for address mismatch",
            summary="Resubmit using the REL address.",
            body="The CSS rejects a switch request when the address does not match the "
                 "Retail Energy Location. Workaround: copy the REL address exactly."),
        "codes": make_article(
            title="How to read a UK Link rejection code",
            summary="Each code and what it means.",
            body="A rejection code tells you why UK Link refused the file. Address issues "
                 "are rare here."),
        "outages": make_article(
            title="FAQ: planned outages",
            summary="When and how planned outages are announced.",
            body="Planned outages are notified ten working days ahead."),
    }


# --- shared behaviour (both backends) ---------------------------------------
def test_query_terms_keep_only_words():
    assert query_terms("Switch' & | ! :* (rejected) -- address;") == [
        "switch", "rejected", "address"]
    assert query_terms("") == [] and query_terms(None) == []
    assert len(query_terms("word " * 50)) == 8


def test_tsquery_text_is_quoted_with_a_prefix_on_the_last_term():
    assert to_tsquery_text(["switch", "rej"]) == "'switch' & 'rej':*"
    assert to_tsquery_text(["switch", "rej"], match_any=True) == "'switch' | 'rej':*"
    assert to_tsquery_text([]) == ""


def test_punctuation_only_query_finds_nothing(library, supplier_user):
    assert list(search_articles(user=supplier_user, text="&|!:*()'")) == []


def test_search_filters_by_type_and_service(desk_agent, supplier_user, service):
    make_article(title="Outage FAQ for UK Link", article_type="faq", services_=[service])
    make_article(title="Outage how-to", article_type="how_to")
    assert titles(search_articles(user=supplier_user, text="outage", article_type="faq")) == [
        "Outage FAQ for UK Link"]
    assert titles(search_articles(user=supplier_user, text="outage",
                                  service_code="uk-link")) == ["Outage FAQ for UK Link"]


def test_snippet_never_lets_article_markup_through(desk_agent, supplier_user):
    make_article(title="Markup test", body="Text <b onmouseover=x>bold</b> & "
                                          "&lt;script&gt;alert(1)&lt;/script&gt; mismatch")
    [found] = with_snippets(search_articles(user=supplier_user, text="mismatch"), "mismatch")
    snippet = str(found.snippet)
    assert "<script" not in snippet and "onmouseover" not in snippet and "<b" not in snippet
    assert "<mark>" in snippet


# --- PostgreSQL ----------------------------------------------------------------
@postgresql_only
def test_postgresql_ranks_title_matches_first(library, supplier_user):
    results = titles(search_articles(user=supplier_user, text="address"))
    assert results[0] == "Switch request rejected for address mismatch"
    assert "How to read a UK Link rejection code" in results


@postgresql_only
def test_postgresql_stems_words(library, supplier_user):
    # "rejections" and "rejected" both stem to "reject".
    assert set(titles(search_articles(user=supplier_user, text="rejections"))) == {
        "Switch request rejected for address mismatch", "How to read a UK Link rejection code"}


@postgresql_only
def test_postgresql_matches_the_last_word_as_a_prefix(library, supplier_user):
    assert titles(search_articles(user=supplier_user, text="planned outa")) == [
        "FAQ: planned outages"]
    assert titles(search_articles(user=supplier_user, text="outa planned")) == []


@postgresql_only
def test_postgresql_snippets_highlight_matches(library, supplier_user):
    [found] = with_snippets(search_articles(user=supplier_user, text="workaround"), "workaround")
    assert "<mark>Workaround</mark>" in str(found.snippet)


@postgresql_only
def test_postgresql_each_result_gets_its_own_headline(desk_agent, supplier_user):
    # Guards the correlated sub-query that feeds ts_headline: an uncorrelated one
    # would give every result the same snippet.
    make_article(title="Alpha outage", body="Outage of the alpha gateway overnight.")
    make_article(title="Beta outage", body="Outage of the beta gateway at noon.")
    found = with_snippets(search_articles(user=supplier_user, text="outage gateway"), "outage")
    snippets = {a.published_version.title: str(a.snippet) for a in found}
    assert "alpha" in snippets["Alpha outage"] and "beta" not in snippets["Alpha outage"]
    assert "beta" in snippets["Beta outage"] and "alpha" not in snippets["Beta outage"]


@postgresql_only
def test_postgresql_search_vectors_are_stored_on_publish(library):
    publication = PublishedArticle.objects.get(article=library["address"])
    assert "'mismatch':" in str(publication.document)  # title, summary and body
    assert "'retail':" in str(publication.document)
    assert "'retail':" not in str(publication.rank_vector)  # title and summary only


@postgresql_only
def test_postgresql_filters_apply_before_the_candidate_cap(desk_agent, supplier_user,
                                                           monkeypatch):
    from knowledge import search

    monkeypatch.setattr(search, "MAX_CANDIDATES", 2)
    for n in range(3):
        make_article(title=f"Outage notice {n}", article_type="how_to")
    faq = make_article(title="Outage questions", article_type="faq", summary="")
    assert titles(search_articles(user=supplier_user, text="outage")) != []
    assert len(search_articles(user=supplier_user, text="outage")) == 2
    assert [a.pk for a in search_articles(user=supplier_user, text="outage",
                                          article_type="faq")] == [faq.pk]


@postgresql_only
def test_postgresql_tsquery_operators_typed_by_users_are_harmless(library, supplier_user):
    for text in ["address & !", "address | ", "'); drop table x; --", "address:* <-> ("]:
        list(search_articles(user=supplier_user, text=text))


# --- SQLite fallback -------------------------------------------------------------
@sqlite_only
def test_fallback_finds_words_anywhere_case_insensitively(library, supplier_user):
    assert titles(search_articles(user=supplier_user, text="RETAIL energy")) == [
        "Switch request rejected for address mismatch"]


@sqlite_only
def test_fallback_puts_title_matches_first(library, supplier_user):
    results = titles(search_articles(user=supplier_user, text="address"))
    assert results[0] == "Switch request rejected for address mismatch"
    assert "How to read a UK Link rejection code" in results


@sqlite_only
def test_fallback_requires_every_word_unless_matching_any(library, supplier_user):
    assert titles(search_articles(user=supplier_user, text="planned mismatch")) == []
    assert len(search_articles(user=supplier_user, text="planned mismatch",
                               match_any=True)) == 2


@sqlite_only
def test_fallback_matches_partial_last_word(library, supplier_user):
    assert titles(search_articles(user=supplier_user, text="planned outa")) == [
        "FAQ: planned outages"]


@sqlite_only
def test_fallback_snippet_marks_the_term_around_the_match(library, supplier_user):
    [found] = with_snippets(search_articles(user=supplier_user, text="workaround"), "workaround")
    assert "<mark>Workaround</mark>" in str(found.snippet)
    assert "copy the REL address" in str(found.snippet)
