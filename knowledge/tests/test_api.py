"""API: search and retrieve, filters, visibility (another audience's article is 404), bad input."""

import pytest

from knowledge.factories import make_article

LIST = "/api/v1/knowledge/articles/"


def detail(article):
    return f"{LIST}{article.pk}/"


@pytest.mark.parametrize("role,names", [
    ("supplier_user", {"public", "participants", "suppliers"}),
    ("provider_user", {"public", "providers"}),
    ("desk_agent", {"public", "participants", "suppliers", "shippers", "providers", "internal"}),
])
def test_api_lists_searches_and_retrieves_only_the_callers_audience(
        request, api_client, role, names, audience_articles):
    client = api_client(request.getfixturevalue(role))
    by_id = {article.pk: name for name, article in audience_articles.items()}
    listed = {by_id[row["id"]] for row in client.get(LIST).json()["results"]}
    searched = {by_id[row["id"]] for row in client.get(LIST, {"q": "rejection"}).json()["results"]}
    assert listed == names and searched == names
    for name, article in audience_articles.items():
        assert client.get(detail(article)).status_code == (200 if name in names else 404)


def test_provider_token_sees_provider_articles_not_internal(token_client, provider_org,
                                                            audience_articles):
    client = token_client(provider_org)
    assert client.get(detail(audience_articles["providers"])).status_code == 200
    response = client.get(detail(audience_articles["internal"]))
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_api_requires_authentication(client, audience_articles):
    assert client.get(LIST).status_code in (401, 403)


def test_search_results_carry_highlighted_snippets(api_client, supplier_user, desk_agent):
    make_article(title="Address mismatch workaround",
                 body="Copy the REL address exactly and resubmit.")
    [row] = api_client(supplier_user).get(LIST, {"q": "resubmit"}).json()["results"]
    assert "<mark>" in row["snippet"].lower()
    assert row["url"].endswith(f"/knowledge/{row['id']}/")


def test_retrieve_returns_markdown_and_sanitised_html(api_client, supplier_user, desk_agent):
    article = make_article(body="**Bold** <script>alert(1)</script>")
    body = api_client(supplier_user).get(detail(article)).json()
    assert body["body_markdown"].startswith("**Bold**")
    assert "<strong>Bold</strong>" in body["body_html"] and "<script" not in body["body_html"]
    assert body["version"] == 1 and body["reference"] == article.reference


def test_filters_by_type_and_service(api_client, supplier_user, desk_agent, service):
    faq = make_article(title="UK Link FAQ", article_type="faq", services_=[service])
    make_article(title="Other how-to", article_type="how_to")
    client = api_client(supplier_user)
    assert [r["id"] for r in client.get(LIST, {"type": "faq"}).json()["results"]] == [faq.pk]
    assert [r["id"] for r in client.get(LIST, {"service": "uk-link"}).json()["results"]] == [
        faq.pk]
    found = client.get(LIST, {"q": "faq", "service": "uk-link"}).json()["results"]
    assert [r["services"] for r in found] == [["uk-link"]]


@pytest.mark.parametrize("params,field", [
    ({"type": "gossip"}, "type"),
    ({"q": "x" * 201}, "q"),
    ({"service": "not a slug!"}, "service"),
])
def test_bad_query_parameters_are_400_with_fields(api_client, supplier_user, params, field):
    response = api_client(supplier_user).get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_api_is_read_only(api_client, desk_agent, audience_articles):
    client = api_client(desk_agent)
    assert client.post(LIST, {"title": "x"}).status_code == 405
    assert client.delete(detail(audience_articles["public"])).status_code == 405
