"""Markdown to safe HTML for knowledge articles.

Authors write Markdown, which lets raw HTML through; nh3 (ammonia) then keeps
only an allow-list of tags, attributes and URL schemes, so a `<script>`, an
`onerror=` attribute or a `javascript:` link never reaches a reader. We
sanitise when rendering (not when storing) so a tightened allow-list applies
to every existing version; the result is cached per version because reader
pages render the same version many times.
"""

import hashlib
import html

import markdown
import nh3
from django.core.cache import cache

# Bump when the Markdown extensions or the allow-list change: old cache entries are then unused.
RENDER_REVISION = 1
CACHE_SECONDS = 60 * 60 * 24

MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "map", "area"} | {"tfoot"}
ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "code": {"class"},  # fenced code blocks mark their language, e.g. class="language-json"
}
ALLOWED_ATTRIBUTES.pop("img", None)
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(raw_html: str) -> str:
    """Return `raw_html` with everything outside the allow-list removed."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Return sanitised HTML for Markdown `text` (uncached)."""
    return sanitise(markdown.markdown(text or "", extensions=MARKDOWN_EXTENSIONS))


def plain_text(text: str) -> str:
    """Return the readable words of Markdown `text`, without markup (for search and snippets)."""
    stripped = nh3.clean(render_markdown(text), tags=set(), attributes={})
    # Search highlights use these private-use characters as markers (knowledge.search).
    words = html.unescape(stripped).replace("\ue000", "").replace("\ue001", "")
    return " ".join(words.split())


def cached_version_html(version) -> str:
    """Return the sanitised HTML of an ArticleVersion's body, rendering once per version.

    Keyed by the body's hash: a version's body never changes, and a key that
    names the content can never serve another text (e.g. after a restore).
    """
    digest = hashlib.sha256(version.body.encode()).hexdigest()
    key = f"knowledge:version-html:{RENDER_REVISION}:{digest}"
    rendered = cache.get(key)
    if rendered is None:
        rendered = render_markdown(version.body)
        cache.set(key, rendered, CACHE_SECONDS)
    return rendered
