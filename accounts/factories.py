import factory

from .models import ApiToken, Organisation, Role, User

K = Organisation.Kind


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["short_code"]

    name = factory.Sequence(lambda n: f"Supplier {n} Energy")
    short_code = factory.Sequence(lambda n: f"supplier-{n}")
    kind = K.MARKET_PARTICIPANT
    market_role = Organisation.MarketRole.ENERGY_SUPPLIER
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.short_code}.example")

    class Params:
        provider = factory.Trait(kind=K.CDS_PROVIDER, market_role="",
                                 name=factory.Sequence(lambda n: f"Provider {n}"),
                                 short_code=factory.Sequence(lambda n: f"provider-{n}"))
        desk = factory.Trait(kind=K.SERVICE_DESK, market_role="", name="Switching Service Desk",
                             short_code="service-desk")
        operations = factory.Trait(kind=K.SWITCHING_OPERATIONS, market_role="",
                                   name="Switching Operations", short_code="switching-operations")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.MARKET_PARTICIPANT
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    class Params:
        desk = factory.Trait(role=Role.SERVICE_DESK,
                             organisation=factory.SubFactory(OrganisationFactory, desk=True))
        operations = factory.Trait(role=Role.SWITCHING_OPERATIONS,
                                   organisation=factory.SubFactory(OrganisationFactory, operations=True))
        auditor = factory.Trait(role=Role.AUDITOR,
                                organisation=factory.SubFactory(OrganisationFactory, operations=True))
        provider = factory.Trait(role=Role.CDS_PROVIDER,
                                 organisation=factory.SubFactory(OrganisationFactory, provider=True))


def issue_token(organisation, name="test system"):
    """Return (token, raw_key) for `organisation`."""
    return ApiToken.issue(organisation=organisation, name=name)
