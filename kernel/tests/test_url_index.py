"""The indexed include (kernel.url_index) resolves every path to the view Django's full scan
of the same patterns finds, and fails the same way."""

import itertools
import re

import pytest
from django.http import HttpResponse
from django.urls import Resolver404, URLResolver, get_resolver, path, re_path, reverse
from django.urls.resolvers import RoutePattern
from django.utils.regex_helper import normalize

from kernel.url_index import SegmentIndexedResolver, first_segment, indexed_include


def view(name):
    def answer(request, **kwargs):
        return HttpResponse(name)
    answer.__name__ = name
    return answer


PATTERNS = [
    re_path(r"^events/$", view("event-list"), name="event-list"),
    path("incidents/<int:pk>/", view("incident-by-number"), name="incident-number"),
    # No literal first segment: it may match any path, so it keeps its place before the
    # patterns that come after it.
    re_path(r"^(?P<kind>[a-z]+)/latest/special/$", view("special"), name="special"),
    path("incidents/<str:reference>/", view("incident-by-reference"), name="incident-ref"),
    re_path(r"^incidents/latest/special/$", view("shadowed"), name="shadowed"),
    path("kpi-returns/schema.json", view("schema"), name="schema"),
    re_path(r"^kpi-returns/$", view("returns"), name="returns"),
]


def both():
    return (URLResolver(RoutePattern("api/", is_endpoint=False), PATTERNS),
            indexed_include("api/", PATTERNS))


@pytest.mark.parametrize("url", [
    "api/events/", "api/incidents/7/", "api/incidents/INC0000007/", "api/incidents/special/",
    "api/incidents/latest/special/", "api/kpi-returns/schema.json", "api/kpi-returns/",
])
def test_every_path_resolves_as_the_full_scan_does(url):
    plain, indexed = both()
    expected, found = plain.resolve(url), indexed.resolve(url)
    assert found.func.__name__ == expected.func.__name__
    assert (found.kwargs, found.url_name, found.route) == (
        expected.kwargs, expected.url_name, expected.route)


def test_a_pattern_without_a_literal_segment_keeps_its_place():
    _, indexed = both()
    # "special" comes before "shadowed" and matches first, as in Django's scan.
    assert indexed.resolve("api/incidents/latest/special/").func.__name__ == "special"
    assert indexed.resolve("api/incidents/7/").kwargs == {"pk": 7}


@pytest.mark.parametrize("url", ["api/nothing/", "api/events/9/", "api/events", "other/events/"])
def test_a_path_nothing_matches_is_a_404_naming_what_was_tried(url):
    plain, indexed = both()
    with pytest.raises(Resolver404) as expected:
        plain.resolve(url)
    with pytest.raises(Resolver404) as found:
        indexed.resolve(url)
    assert len(found.value.args[0].get("tried", [])) == len(expected.value.args[0].get("tried", []))


def test_first_segments():
    assert [first_segment(pattern) for pattern in PATTERNS] == [
        "events", "incidents", None, "incidents", "incidents", "kpi-returns", "kpi-returns"]


def _example(regex):
    """Return a path the regex matches, its groups filled with a value each accepts."""
    for template, params in normalize(regex):
        for values in itertools.product(("1", "CHG-1", "OUT-1", "abc"), repeat=len(params)):
            candidate = template % dict(zip(params, values, strict=True))
            if re.fullmatch(regex, candidate):
                return candidate
    return None


def test_every_api_route_resolves_to_its_own_view():
    api = next(p for p in get_resolver().url_patterns if isinstance(p, SegmentIndexedResolver))
    plain = URLResolver(api.pattern, api.url_patterns)
    checked = 0
    for pattern in api.url_patterns:
        url = _example(pattern.pattern.regex.pattern)
        assert url is not None, pattern
        expected, found = plain.resolve(f"api/v1/{url}"), api.resolve(f"api/v1/{url}")
        assert (found.func, found.kwargs, found.route) == (expected.func, expected.kwargs,
                                                          expected.route), url
        checked += 1
    assert checked > 100
    # Reversing goes through the full list, as before.
    assert reverse("event-list") == "/api/v1/events/"
    assert reverse("incident-detail", kwargs={"reference": "INC1"}) == "/api/v1/incidents/INC1/"
