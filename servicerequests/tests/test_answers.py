"""The form generated from an item's fields: each type, required, regex, choices, limits."""

import pytest

from servicerequests.answers import clean_answers, form_for
from servicerequests.factories import RequestFieldFactory, RequestItemFactory
from servicerequests.models import FieldType


@pytest.fixture
def item(db):
    item = RequestItemFactory(code="every-type")
    F = RequestFieldFactory
    F(item=item, key="name", label="Name", max_value=10, min_value=2, order=1)
    F(item=item, key="mpid", label="MPID", regex="[A-Z]{4}", regex_message="Four capitals.",
      order=2)
    F(item=item, key="notes", field_type=FieldType.TEXTAREA, required=False, order=3)
    F(item=item, key="email", field_type=FieldType.EMAIL, order=4)
    F(item=item, key="count", field_type=FieldType.NUMBER, min_value=1, max_value=50, order=5)
    F(item=item, key="when", field_type=FieldType.DATE, order=6)
    F(item=item, key="env", field_type=FieldType.CHOICE, choices="Production\nPre-production",
      order=7)
    F(item=item, key="agree", field_type=FieldType.CHECKBOX, order=8)
    F(item=item, key="extra_tick", field_type=FieldType.CHECKBOX, required=False, order=9)
    return item


VALID = {"name": "Nia", "mpid": "BWTR", "email": "nia@bw.example", "count": "3",
         "when": "2026-12-01", "env": "Production", "agree": "on"}


def test_the_generated_form_has_one_field_per_row_in_order(item):
    form = form_for(item)
    assert list(form.fields) == ["name", "mpid", "notes", "email", "count", "when", "env",
                                 "agree", "extra_tick"]
    assert form.fields["env"].choices == [("Production", "Production"),
                                          ("Pre-production", "Pre-production")]


def test_valid_answers_are_cleaned_to_json(item):
    answers, errors = clean_answers(item, VALID)
    assert errors is None
    assert answers == {"name": "Nia", "mpid": "BWTR", "notes": "", "email": "nia@bw.example",
                       "count": 3, "when": "2026-12-01", "env": "Production", "agree": True,
                       "extra_tick": False}


@pytest.mark.parametrize("key, value, message", [
    ("name", "", "This field is required."),
    ("name", "N", "at least 2 characters"),
    ("name", "N" * 11, "at most 10 characters"),
    ("mpid", "bwtr", "Four capitals."),
    ("mpid", "BWTRX", "Four capitals."),  # the whole answer must match
    ("email", "not-an-email", "valid email"),
    ("count", "0", "greater than or equal to 1"),
    ("count", "51", "less than or equal to 50."),
    ("count", "many", "Enter a number."),
    ("when", "31/02/2026", "Enter a valid date."),
    ("env", "Staging", "Select a valid choice."),
    ("agree", "", "This field is required."),
])
def test_each_field_type_reports_its_own_error(item, key, value, message):
    answers, errors = clean_answers(item, {**VALID, key: value})
    assert answers is None
    assert list(errors) == [key]
    assert message in errors[key][0]


def test_api_answers_may_be_json_numbers_and_booleans(item):
    answers, errors = clean_answers(item, {**VALID, "count": 7, "agree": True,
                                           "extra_tick": False})
    assert errors is None and answers["count"] == 7 and answers["agree"] is True


def test_api_answers_with_unknown_or_nested_values_are_field_errors(item):
    _, errors = clean_answers(item, {**VALID, "colour": "red", "name": {"first": "Nia"}})
    assert errors["colour"] == ["Not a field of this item."]
    assert errors["name"] == ["Give a single value."]


def test_seeded_connection_item_validates_mpid_and_peak(db):
    from servicerequests.factories import DEFAULT_ANSWERS
    from servicerequests.factories import item as seeded

    good = DEFAULT_ANSWERS["switching-network-connection"]
    assert clean_answers(seeded("switching-network-connection"), good)[1] is None
    _, errors = clean_answers(seeded("switching-network-connection"),
                              {**good, "mpid": "bw", "peak_messages_per_hour": -4})
    assert errors["mpid"] == ["An MPID is four capital letters, e.g. BWTR."]
    assert "peak_messages_per_hour" in errors
