"""Markdown rendering and sanitising: nothing a script could run survives."""

import pytest

from knowledge.factories import make_article
from knowledge.rendering import plain_text, render_markdown


@pytest.mark.parametrize("source", [
    "<script>alert('x')</script>Hello",
    "Hello <SCRIPT src=//evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">Hello',
    '<p onclick="alert(1)" onmouseover="alert(2)">Hello</p>',
    "[Hello](javascript:alert(1))",
    '<a href="javascript:alert(1)">Hello</a>',
    '<a href="JaVaScRiPt:alert(1)">Hello</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">Hello</a>',
    '<iframe src="https://evil.example"></iframe>Hello',
    '<svg onload="alert(1)"></svg>Hello',
    '<style>body{display:none}</style>Hello',
])
def test_dangerous_markup_is_stripped(source):
    html = render_markdown(source).lower()
    for needle in ("<script", "onerror", "onclick", "onmouseover", "onload", "javascript:",
                   "data:text", "<iframe", "<svg", "<style"):
        assert needle not in html
    assert "hello" in html


def test_markdown_features_survive_sanitising():
    html = render_markdown(
        "# Heading\n\n* item\n\n| Code | Meaning |\n|---|---|\n| R01 | Address |\n\n"
        "[REL guide](https://example.org/rel) and `code`"
    )
    assert "<h1>Heading</h1>" in html and "<li>item</li>" in html and "<table>" in html
    assert 'href="https://example.org/rel"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<code>code</code>" in html


def test_plain_text_drops_markup_for_search():
    assert plain_text("# Title\n\n**Bold** <b>x</b> & y") == "Title Bold x & y"


def test_article_page_serves_sanitised_html(client, desk_agent):
    article = make_article(body='Hi <script>alert("pwned")</script>'
                                '<a href="javascript:alert(2)">link</a>'
                                '<img src=x onerror=alert(3)>')
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'alert("pwned")' not in page and "javascript:alert" not in page
    assert "onerror" not in page
