"""Forms generated from an item's RequestField rows.

The portal renders the generated form; the API validates its JSON `answers`
with the very same form, so a field's rules (type, required, choices, limits,
pattern) are written once, as data, and give the same messages everywhere.
"""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator

from .models import FieldType

TEXT_MAX = 200
TEXTAREA_MAX = 4000


def _limits(field):
    low = None if field.min_value is None else int(field.min_value)
    high = None if field.max_value is None else int(field.max_value)
    return low, high


def build_field(field):
    """Return the Django form field for one RequestField row."""
    common = {"label": field.label, "required": field.required, "help_text": field.help_text}
    validators = []
    if field.regex:
        validators.append(RegexValidator(
            f"^(?:{field.regex})$", message=field.regex_message or "Enter a valid value."))
    kind = field.field_type
    if kind in (FieldType.TEXT, FieldType.TEXTAREA):
        low, high = _limits(field)
        limit = TEXT_MAX if kind == FieldType.TEXT else TEXTAREA_MAX
        widget = forms.Textarea(attrs={"rows": 4}) if kind == FieldType.TEXTAREA else None
        return forms.CharField(min_length=low, max_length=min(high or limit, limit),
                               validators=validators, widget=widget, **common)
    if kind == FieldType.EMAIL:
        return forms.EmailField(max_length=254, validators=validators, **common)
    if kind == FieldType.NUMBER:
        return forms.DecimalField(min_value=to_json(field.min_value),
                                  max_value=to_json(field.max_value),
                                  max_digits=14, decimal_places=2, **common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.CHOICE:
        options = [(c, c) for c in field.choice_list()]
        if not field.required:
            options = [("", "---------"), *options]
        return forms.ChoiceField(choices=options, **common)
    if kind == FieldType.CHECKBOX:
        return forms.BooleanField(**common)
    raise ValueError(f"Unknown field type {kind!r}")


class GeneratedForm(forms.Form):
    """An item's form; `date_order` holds (later key, earlier key) pairs from `not_before`."""

    date_order = ()

    def clean(self):
        data = super().clean()
        for later, earlier in self.date_order:
            if data.get(later) and data.get(earlier) and data[later] < data[earlier]:
                self.add_error(later, f"{self.fields[later].label} must not be before "
                                      f"{self.fields[earlier].label.lower()} "
                                      f"({data[earlier]:%d %b %Y}).")
        return data


def form_class_for(item):
    """Return a Form class with one field per RequestField row, in order."""
    rows = list(item.fields.all())
    keys = {row.key for row in rows}
    attrs = {row.key: build_field(row) for row in rows}
    attrs["date_order"] = tuple((row.key, row.not_before) for row in rows
                                if row.not_before in keys)
    return type(f"{item.code.replace('-', '_').title()}Form", (GeneratedForm,), attrs)


def form_for(item, data=None, **kwargs):
    return form_class_for(item)(data, **kwargs)


def to_json(value):
    """Return a cleaned form value as JSON (dates ISO, decimals as numbers)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def clean_answers(item, data):
    """Return (answers as JSON, None) or (None, {key: [messages]}) for submitted `data`.

    `data` is a QueryDict (portal) or a plain dict (API; values may be JSON
    numbers or booleans, which are turned into the strings a form expects).
    """
    extra = {}
    if not hasattr(data, "getlist"):
        known = {row.key for row in item.fields.all()}
        extra = {key: ["Not a field of this item."] for key in data if key not in known}
        extra.update({key: ["Give a single value."] for key, value in data.items()
                      if key in known and isinstance(value, (dict, list))})
        data = {key: _as_form_value(value) for key, value in data.items()
                if key in known and not isinstance(value, (dict, list))}
    form = form_for(item, data)
    if not form.is_valid() or extra:
        errors = {key: [str(m) for m in messages] for key, messages in form.errors.items()}
        return None, {**errors, **extra}
    return {key: to_json(value) for key, value in form.cleaned_data.items()}, None


def _as_form_value(value):
    if value is True:
        return "on"
    if value is False or value is None:
        return ""
    return str(value)


def add_errors(form, errors):
    """Show service-level answer errors ({key: [messages]}) on the bound form's fields."""
    for key, messages in errors.items():
        for message in messages:
            if key in form.fields and message not in form.errors.get(key, []):
                form.add_error(key, message)
