"""Every HTML page carries the security headers; no template relies on inline script or style."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "templates"
EMAILS = re.compile(r"/email/")  # emails are not web pages: mail clients need inline styles


def policy(response):
    return {name: sources for name, *sources in
            (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())}


def assert_secured(response, url):
    directives = policy(response)
    assert directives["script-src"] == ["'self'"] or "'unsafe-inline'" not in directives["script-src"], url
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"], url
    assert response["Permissions-Policy"].startswith("accelerometer=()"), url
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["X-Frame-Options"] == "DENY", url


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and "?" not in href:
            self.hrefs.append(href)


def crawl(client, start, limit, prefix):
    """Visit up to `limit` pages under `prefix` reachable from `start`; return the HTML ones."""
    seen, queue, pages = set(), [start], []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or "logout" in url or "/delete/" in url:
            continue
        seen.add(url)
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            pages.append((url, response))
            parser = Links()
            parser.feed(response.content.decode())
            queue.extend(h for h in parser.hrefs if h.startswith(prefix) and h not in seen)
    return pages


@pytest.mark.parametrize("persona,start,prefix", [
    ("supplier_user", "/", "/"), ("operations_user", "/admin/", "/admin/"),
    (None, "/login/", "/"),
])
def test_every_html_page_carries_the_security_headers(request, client, service, persona, start,
                                                      prefix):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    pages = crawl(client, start, limit=60, prefix=prefix)
    assert len(pages) >= (10 if persona else 3)
    for url, response in pages:
        assert_secured(response, url)


@pytest.mark.parametrize("url", ["/no-such-page/", "/incidents/?show=%00", "/api/docs/",
                                 "/api/redoc/", "/status/"])
def test_error_pages_and_docs_carry_them_too(client, url):
    assert_secured(client.get(url), url)


def test_redoc_alone_may_use_inline_styles(client):
    assert "'unsafe-inline'" in policy(client.get("/api/redoc/"))["style-src"]
    assert "'unsafe-inline'" not in policy(client.get("/api/docs/"))["style-src"]
    assert "'unsafe-inline'" not in policy(client.get("/status/"))["style-src"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER],
                         ids=["inline script", "inline style", "event handler attribute"])
def test_no_page_template_relies_on_inline_code(pattern):
    offenders = [str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
                 if not EMAILS.search(str(path)) and pattern.search(path.read_text())]
    assert offenders == []


def test_the_remembered_policy_is_django_csp_s_own_for_every_kind_of_response(rf):
    """One middleware instance serves ordinary responses, a replaced policy, a nonce used by
    the page and a header set by the view, in turn: each gets what django-csp gives it."""
    from csp.middleware import CSPMiddleware as StockCSPMiddleware
    from django.http import HttpResponse

    from switching_sm.security_headers import CSPMiddleware

    def view(request):
        response = HttpResponse("ok")
        if request.path == "/replaced/":
            response._csp_replace = {"style-src": ["'self'", "'unsafe-inline'"]}
        elif request.path == "/nonce/":
            response.content = f'<script nonce="{request.csp_nonce}"></script>'.encode()
        elif request.path == "/own/":
            response["Content-Security-Policy"] = "default-src 'none'"
        return response

    ours, stock = CSPMiddleware(view), StockCSPMiddleware(view)
    seen = {}
    for path in ["/a/", "/replaced/", "/nonce/", "/b/", "/nonce/", "/own/", "/c/"]:
        mine, theirs = ours(rf.get(path)), stock(rf.get(path))
        header = mine["Content-Security-Policy"]
        if path == "/nonce/":
            nonce = re.search(rb'nonce="([^"]+)"', mine.content).group(1).decode()
            assert f"'nonce-{nonce}'" in header
            assert header == theirs["Content-Security-Policy"].replace(
                re.search(rb'nonce="([^"]+)"', theirs.content).group(1).decode(), nonce)
            assert header != seen.get(path)  # a fresh nonce each time
        else:
            assert header == theirs["Content-Security-Policy"], path
        seen[path] = header
    assert seen["/a/"] == seen["/b/"] == seen["/c/"] and "nonce" not in seen["/c/"]
    assert "'unsafe-inline'" in seen["/replaced/"] and "'unsafe-inline'" not in seen["/c/"]
    assert seen["/own/"] == "default-src 'none'"


def test_a_nonce_read_after_the_header_is_written_is_an_error(rf):
    """As with django-csp: a template reading the nonce too late would leave it out of the
    header, so it fails loudly, on a remembered policy too."""
    from csp.exceptions import CSPNonceError
    from django.http import HttpResponse

    from switching_sm.security_headers import CSPMiddleware

    middleware = CSPMiddleware(lambda request: HttpResponse("ok"))
    for _ in range(2):  # the first builds the policy, the second reuses it
        request = rf.get("/")
        middleware(request)
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)
