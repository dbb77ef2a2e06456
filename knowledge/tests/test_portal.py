"""Portal pages: home, search form errors, suggestions input handling, attachments."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from knowledge.factories import make_article
from knowledge.models import ArticleAttachment
from knowledge.services import save_attachment


def test_home_groups_by_type_and_service(client, supplier_user, desk_agent, service):
    make_article(title="UK Link FAQ", article_type="faq", services_=[service])
    client.force_login(supplier_user)
    page = client.get(reverse("knowledge:home")).content.decode()
    assert "UK Link FAQ" in page and "?service=uk-link" in page and "?type=faq" in page


def test_home_is_open_to_anonymous_visitors_with_public_articles(client, audience_articles):
    page = client.get(reverse("knowledge:home")).content.decode()
    assert "Public rejection guide" in page and "Participant rejection codes" not in page


def test_search_page_highlights_matches(client, supplier_user, desk_agent):
    make_article(title="Address mismatch", body="Copy the REL address exactly.")
    client.force_login(supplier_user)
    page = client.get(reverse("knowledge:search"), {"q": "exactly"}).content.decode()
    assert "<mark>exactly</mark>" in page


@pytest.mark.parametrize("params", [{"q": "x" * 201}, {"type": "gossip"},
                                    {"service": "no-such-service"}])
def test_bad_search_input_shows_form_errors(client, supplier_user, params):
    client.force_login(supplier_user)
    response = client.get(reverse("knowledge:search"), params)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_browsing_a_type_lists_newest_first(client, supplier_user, desk_agent):
    make_article(title="First FAQ", article_type="faq")
    make_article(title="Second FAQ", article_type="faq")
    client.force_login(supplier_user)
    page = client.get(reverse("knowledge:search"), {"type": "faq"}).content.decode()
    assert page.index("Second FAQ") < page.index("First FAQ")


@pytest.mark.parametrize("params,status", [({}, 400), ({"q": "x" * 201}, 400),
                                           ({"q": "ab"}, 200)])
def test_suggest_input_handling(client, supplier_user, params, status):
    client.force_login(supplier_user)
    response = client.get(reverse("knowledge:suggest"), params)
    assert response.status_code == status
    if status == 200:
        assert response.json()["results"] == []


def test_suggestions_match_any_word_typed(client, supplier_user, desk_agent):
    make_article(title="Switch request rejected for address mismatch")
    client.force_login(supplier_user)
    results = client.get(reverse("knowledge:suggest"),
                         {"q": "my switch keeps failing"}).json()["results"]
    assert [r["title"] for r in results] == ["Switch request rejected for address mismatch"]
    assert "from=suggestion" in results[0]["url"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_attachment_is_served_only_within_the_audience(client, media, supplier_user,
                                                       provider_user, desk_agent):
    article = make_article(audience="participants")
    item = save_attachment(attachment=ArticleAttachment(article=article, title="Code table"),
                           upload=ContentFile(b"R01,Address mismatch\n", name="codes.csv"),
                           by=desk_agent)
    url = reverse("knowledge:attachment", args=[article.pk, item.pk])
    client.force_login(supplier_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="codes.csv"'
    assert response["Content-Type"] == "text/csv"
    assert b"".join(response.streaming_content) == b"R01,Address mismatch\n"
    client.force_login(provider_user)
    assert client.get(url).status_code == 404


def test_search_falls_back_to_any_word_when_one_word_misses(client, supplier_user, desk_agent):
    make_article(title="Switch request rejection for address mismatch")
    client.force_login(supplier_user)
    page = client.get(reverse("knowledge:search"), {"q": "E0213 rejection"}).content.decode()
    assert "Switch request rejection for address mismatch" in page
    assert "No article has all of these words" in page


def test_search_offers_a_spelling_that_finds_articles(client, supplier_user, desk_agent):
    make_article(title="Switch request rejection for address mismatch")
    client.force_login(supplier_user)
    page = client.get(reverse("knowledge:search"), {"q": "rejektion"}).content.decode()
    assert "Did you mean" in page and "q=rejection" in page


def _retire(article, by):
    from knowledge import services
    services.transition_article(article=article, action="retire", by=by, reason="Withdrawn")


def test_a_withdrawn_article_is_never_found_suggested_or_spelt(client, supplier_user,
                                                                desk_agent):
    retired = make_article(title="Faxing rejection forms", author=desk_agent, owner=desk_agent)
    _retire(retired, desk_agent)
    client.force_login(supplier_user)
    search = client.get(reverse("knowledge:search"), {"q": "faxing rejection"}).content.decode()
    typo = client.get(reverse("knowledge:search"), {"q": "faxng"}).content.decode()
    suggested = client.get(reverse("knowledge:suggest"), {"q": "faxing form"}).json()["results"]
    assert "Faxing rejection forms" not in search and suggested == []
    assert "Did you mean" not in typo
