import factory

from .models import FieldType, RequestField, RequestItem, RequestSlaPolicy
from .services import raise_request as raise_


class RequestItemFactory(factory.django.DjangoModelFactory):
    """An item on the seeded "standard" policy; add fields with RequestFieldFactory."""

    class Meta:
        model = RequestItem
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"test-item-{n}")
    name = factory.Sequence(lambda n: f"Test item {n}")
    description = "Something a participant may ask for."
    sla_policy = factory.LazyFunction(lambda: RequestSlaPolicy.objects.get(code="standard"))


class RequestFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestField

    item = factory.SubFactory(RequestItemFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Question {n}")
    field_type = FieldType.TEXT
    required = True


def item(code):
    """Return a seeded catalogue item by code (the data migration puts them there)."""
    return RequestItem.objects.get(code=code)


def raise_request(*, code="information-request", by, answers=None, **kwargs):
    """Raise a request for a seeded item with valid default answers."""
    return raise_(item=item(code), raised_by=by, answers=answers or DEFAULT_ANSWERS[code],
                  **kwargs)


DEFAULT_ANSWERS = {
    "information-request": {"subject": "Switch volumes", "question":
                            "How many switches failed on the 3rd of March, and why?"},
    "new-portal-user": {"first_name": "Nia", "last_name": "Jones", "email": "nia@bw.example",
                        "justification": "Joins the switching operations team."},
    "revoke-user": {"username": "bob", "reason": "Left the organisation"},
    "password-reset-unlock": {"username": "bob", "confirm": True},
    "switching-network-connection": {
        "mpid": "BWTR", "connection_type": "New connection", "environment": "Production",
        "go_live_date": "2026-12-01", "peak_messages_per_hour": 5000,
        "technical_contact_email": "ops@bw.example"},
}
