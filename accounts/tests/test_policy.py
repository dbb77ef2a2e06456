import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from accounts import policy
from accounts.factories import OrganisationFactory, UserFactory
from accounts.models import Organisation, Role, User

pytestmark = pytest.mark.django_db


def test_supplier_sees_only_its_own_organisation(supplier_user, other_supplier_org):
    assert list(Organisation.objects.visible_to(supplier_user)) == [supplier_user.organisation]


def test_supplier_sees_only_its_own_organisations_users(supplier_user, supplier_colleague,
                                                        other_supplier_user):
    visible = set(User.objects.visible_to(supplier_user))
    assert visible == {supplier_user, supplier_colleague}


def test_provider_cannot_see_other_organisations(provider_user, supplier_org, other_provider_org):
    assert set(Organisation.objects.visible_to(provider_user)) == {provider_user.organisation}


def test_anonymous_sees_nothing(supplier_org):
    assert not Organisation.objects.visible_to(AnonymousUser()).exists()
    assert not User.objects.visible_to(AnonymousUser()).exists()


def test_deactivated_user_sees_nothing(supplier_user):
    supplier_user.is_active = False
    supplier_user.save()
    assert not Organisation.objects.visible_to(supplier_user).exists()


def test_internal_staff_see_every_organisation(desk_agent, operations_user, auditor_user,
                                               supplier_org, provider_org):
    for user in (desk_agent, operations_user, auditor_user):
        assert {supplier_org, provider_org} <= set(Organisation.objects.visible_to(user))


def test_console_is_for_internal_staff_only(supplier_user, provider_user, desk_agent,
                                            operations_user, auditor_user):
    assert not policy.may_use_console(supplier_user)
    assert not policy.may_use_console(provider_user)
    assert policy.may_use_console(desk_agent)
    assert policy.may_use_console(operations_user)
    assert policy.may_use_console(auditor_user)


def test_auditor_reads_but_never_changes(auditor_user):
    assert policy.may_use_console(auditor_user)
    assert not policy.may_change_in_console(auditor_user)
    assert not policy.may_manage_reference_data(auditor_user)


def test_only_operations_manage_reference_data(desk_agent, operations_user):
    assert not policy.may_manage_reference_data(desk_agent)
    assert policy.may_manage_reference_data(operations_user)


def test_staff_flag_follows_role(supplier_user, desk_agent):
    assert not supplier_user.is_staff
    assert desk_agent.is_staff


def test_system_account_cannot_log_in_or_use_console(provider_org):
    account = User.objects.system_account_for(provider_org)
    assert not account.has_usable_password()
    assert account.role == Role.CDS_PROVIDER
    assert not policy.may_use_console(account)


def test_role_must_match_organisation_kind(supplier_org):
    user = UserFactory.build(username="x", organisation=supplier_org, role=Role.SERVICE_DESK)
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "cannot belong to a Market Participant" in str(exc.value)


def test_market_participant_needs_market_role(db):
    org = OrganisationFactory.build(short_code="x", name="X", market_role="")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "market role" in str(exc.value)


def test_provider_cannot_have_market_role(db):
    org = OrganisationFactory.build(provider=True, market_role=Organisation.MarketRole.TPI)
    with pytest.raises(ValidationError):
        org.full_clean()


# --- the visibility rules declared in the policy ---------------------------------
def _people_read_models():
    from django.apps import apps

    return [m for m in apps.get_models() if hasattr(m._default_manager, "visible_to")]


def test_every_model_people_read_has_its_rule_declared_in_the_policy():
    missing = [m._meta.label for m in _people_read_models()
               if m._meta.label_lower not in policy._RULES]
    assert missing == []


def test_a_model_without_a_rule_refuses_to_answer_rather_than_show_everything(desk_agent):
    from accounts.models import LoginAttempt

    with pytest.raises(LookupError, match="No visibility rule for accounts.loginattempt"):
        policy.visible(LoginAttempt.objects.all(), desk_agent)


@pytest.mark.parametrize("who", ["anonymous", "inactive"])
def test_anonymous_and_inactive_users_see_nothing_but_public_articles(who, supplier_user):
    from django.core.exceptions import EmptyResultSet

    if who == "inactive":
        supplier_user.is_active = False
    user = AnonymousUser() if who == "anonymous" else supplier_user
    public = {"knowledge.article", "knowledge.publishedarticle"}  # the public audience
    shown = []
    for model in _people_read_models():
        query = model._default_manager.visible_to(user).query
        try:
            query.get_compiler("default").as_sql()
        except EmptyResultSet:
            continue
        shown.append(model._meta.label_lower)
    assert sorted(shown) == sorted(public)


def test_the_raiser_edits_details_only_while_new_and_the_desk_always(
        supplier_user, other_supplier_user, desk_agent, auditor_user):
    from incidents.models import Incident

    incident = Incident(organisation=supplier_user.organisation, status="new")
    assert policy.may_edit_incident_details(supplier_user, incident)
    assert not policy.may_edit_incident_details(other_supplier_user, incident)
    assert not policy.may_edit_incident_details(auditor_user, incident)
    incident.status = "in_progress"
    assert not policy.may_edit_incident_details(supplier_user, incident)
    assert policy.may_edit_incident_details(desk_agent, incident)


def test_providers_take_their_own_change_steps_and_only_operations_decide(
        provider_user, other_provider_user, desk_agent, operations_user):
    from changes.models import ChangeNotification

    change = ChangeNotification(provider=provider_user.organisation)
    assert policy.may_take_change_action(provider_user, change, "submit")
    assert policy.may_take_change_action(desk_agent, change, "submit")  # on the provider's behalf
    assert not policy.may_take_change_action(other_provider_user, change, "submit")
    assert not policy.may_take_change_action(provider_user, change, "approve")
    assert not policy.may_take_change_action(desk_agent, change, "approve")
    assert policy.may_take_change_action(operations_user, change, "approve")
    assert not policy.may_take_change_action(operations_user, change, "publish")  # not a step


def test_only_the_asked_provider_or_the_desk_answers_a_consultation(
        provider_user, other_provider_user, desk_agent, supplier_user):
    from changes.models import ConsultationRequest

    asked = ConsultationRequest(organisation=provider_user.organisation)
    assert policy.may_answer_consultation(provider_user, asked)
    assert policy.may_answer_consultation(desk_agent, asked)
    assert not policy.may_answer_consultation(other_provider_user, asked)
    assert not policy.may_answer_consultation(supplier_user, asked)
