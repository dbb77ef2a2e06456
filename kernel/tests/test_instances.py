"""Copies of cached model instances (kernel.instances) are what copy.copy gives: the
request's own attributes and related-row cache, nothing it changes reaching the original."""

import copy

import pytest

from accounts.factories import OrganisationFactory, issue_token
from accounts.models import ApiToken
from kernel.instances import copy_instance

pytestmark = pytest.mark.django_db


def _cached_token():
    issue_token(OrganisationFactory())
    return ApiToken.objects.select_related("acts_as__organisation", "organisation").get()


def test_a_copy_is_the_same_row_as_copy_copy_makes_it():
    original = _cached_token()
    by_copy, twin = copy.copy(original), copy_instance(original)
    assert type(twin) is ApiToken and twin is not original
    plain = {k: v for k, v in by_copy.__dict__.items() if k not in ("_state", "_django_version")}
    assert {k: v for k, v in twin.__dict__.items() if k != "_state"} == plain
    assert (twin._state.db, twin._state.adding) == (original._state.db, False)
    assert twin._state.fields_cache == original._state.fields_cache
    # The related rows are shared, as with copy.copy; the cache holding them is not.
    assert twin.organisation is original.organisation


def test_what_a_request_changes_on_its_copy_stays_on_the_copy():
    original = _cached_token()
    twin = copy_instance(original)
    twin.name = "renamed in one request"
    twin.acts_as = copy_instance(original.acts_as)
    twin.acts_as.first_name = "Changed"
    twin._state.fields_cache.pop("organisation")
    assert original.name != "renamed in one request"
    assert original.acts_as.first_name != "Changed"
    assert "organisation" in original._state.fields_cache
    assert twin._state is not original._state
    # The copy is a usable row: saving it writes the one row.
    twin.save(update_fields=["name"])
    assert ApiToken.objects.get(pk=original.pk).name == "renamed in one request"


def test_a_model_that_copies_itself_is_copied_by_copy_copy():
    class Remembering(ApiToken):
        class Meta:
            proxy = True
            app_label = "accounts"

        def __copy__(self):
            return "its own copy"

    original = _cached_token()
    original.__class__ = Remembering
    assert copy_instance(original) == "its own copy"
