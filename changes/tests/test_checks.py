from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from changes import checks
from changes.factories import ChangeFreezeFactory
from changes.models import ChangeNotification, ChangeWarning, NoticePeriodRule
from services.factories import ServiceDependencyFactory, ServiceFactory

from .conftest import uk_time, warnings_of

K = ChangeWarning.Kind
UTC = ZoneInfo("UTC")


@pytest.fixture
def catalogue(provider_org, other_provider_org):
    """A small switching catalogue: css-address <- css-registration <- uk-link <- des,
    css-registration <- mpas-ukpn <- ecoes, and an isolated portal."""
    make = lambda code, fuel, org: ServiceFactory(code=code, name=code.upper(), fuel=fuel,  # noqa
                                                  provider=org, resolver_group=org)
    s = {
        "css-address": make("css-address", "both", other_provider_org),
        "css-registration": make("css-registration", "both", other_provider_org),
        "uk-link": make("uk-link", "gas", provider_org),
        "des": make("des", "gas", provider_org),
        "mpas-ukpn": make("mpas-ukpn", "electricity", other_provider_org),
        "ecoes": make("ecoes", "electricity", other_provider_org),
        "dcc-dsp": make("dcc-dsp", "both", other_provider_org),
        "portal": make("portal", "both", provider_org),
    }
    for service, needs in [("css-registration", "css-address"), ("uk-link", "css-registration"),
                           ("des", "uk-link"), ("mpas-ukpn", "css-registration"),
                           ("ecoes", "mpas-ukpn"), ("dcc-dsp", "css-registration")]:
        ServiceDependencyFactory(service=s[service], depends_on=s[needs])
    return s


@pytest.fixture(autouse=True)
def _early_2026():
    """Check windows in 2026 from January, so the general notice rules are met."""
    with time_machine.travel(uk_time(2026, 1, 5, 9, 0), tick=False):
        yield


START = uk_time(2026, 6, 14, 1, 0)
END = uk_time(2026, 6, 14, 5, 0)


@pytest.fixture
def window(make_change, other_provider_org):
    """window(services, start=START, end=END, status="approved") by the other provider."""

    def make(services, start=START, end=END, status="approved", **kw):
        kw.setdefault("provider", other_provider_org)
        return make_change(services, start=start, end=end, status=status, **kw)

    return make


# --- conflicts --------------------------------------------------------------
def test_same_service_overlap_is_a_conflict_both_ways(window, catalogue):
    first = window([catalogue["uk-link"]])
    second = window([catalogue["uk-link"]], start=START + timedelta(hours=3),
                    end=END + timedelta(hours=3), status="submitted")
    assert (K.SAME_SERVICE, first.pk) in warnings_of(second)
    assert (K.SAME_SERVICE, second.pk) in warnings_of(first)
    message = ChangeWarning.objects.get(change_notification=second, kind=K.SAME_SERVICE).message
    assert first.reference in message and "UK-LINK" in message


def test_touching_windows_do_not_conflict(window, catalogue):
    window([catalogue["uk-link"]])
    later = window([catalogue["uk-link"]], start=END, end=END + timedelta(hours=2))
    assert not warnings_of(later)


def test_direct_dependency_conflict(window, catalogue):
    css = window([catalogue["css-registration"]])
    uk_link = window([catalogue["uk-link"]], status="submitted")
    assert (K.DEPENDENCY, css.pk) in warnings_of(uk_link)
    message = uk_link.warnings.get(kind=K.DEPENDENCY).message
    assert "UK-LINK (ours) needs CSS-REGISTRATION (theirs)" in message


def test_transitive_dependency_conflict(window, catalogue):
    address = window([catalogue["css-address"]])
    des = window([(catalogue["des"], "degraded")], status="submitted")
    assert (K.DEPENDENCY, address.pk) in warnings_of(des)


def test_no_impact_never_clashes(window, catalogue):
    window([catalogue["uk-link"]])
    quiet = window([(catalogue["uk-link"], "none")], status="submitted")
    assert not warnings_of(quiet)


def test_unrelated_services_of_the_same_fuel_both_out_leave_no_switch_path(window, catalogue):
    dcc = window([catalogue["dcc-dsp"]])
    gas = window([catalogue["uk-link"]], status="submitted")
    assert warnings_of(gas) == {(K.NO_SWITCH_PATH, dcc.pk)}
    assert "gas switch" in gas.warnings.get().message


def test_degraded_services_keep_a_switch_path(window, catalogue):
    window([(catalogue["dcc-dsp"], "degraded")])
    gas = window([catalogue["uk-link"]], status="submitted")
    assert not warnings_of(gas)


def test_services_of_different_fuels_do_not_block_each_other(window, catalogue):
    window([catalogue["mpas-ukpn"]])
    gas = window([catalogue["uk-link"]], status="submitted")
    assert not warnings_of(gas)


def test_isolated_service_is_on_no_switch_path(window, catalogue):
    window([catalogue["portal"]])
    assert not warnings_of(window([catalogue["uk-link"]], status="submitted"))


def test_only_live_changes_clash(window, catalogue):
    window([catalogue["uk-link"]], status="draft")
    window([catalogue["uk-link"]], status="implemented")
    assert not warnings_of(window([catalogue["uk-link"]], status="submitted"))


def test_withdrawing_a_change_clears_the_others_conflict(window, catalogue, operations_user):
    from changes.services import perform_action

    first = window([catalogue["uk-link"]])
    second = window([catalogue["uk-link"]], status="submitted")
    perform_action(change_notification=first, action="withdraw", by=operations_user)
    assert not warnings_of(second)


def test_moving_a_draft_window_re_runs_the_checks(window, catalogue, operations_user):
    from changes.services import update_draft

    window([catalogue["uk-link"]])
    draft = window([catalogue["uk-link"]], status="draft", start=END, end=END + timedelta(hours=1))
    assert not warnings_of(draft)
    update_draft(change_notification=draft, by=operations_user,
                 changes={"planned_start": START, "planned_end": END})
    assert {kind for kind, _ in warnings_of(draft)} == {K.SAME_SERVICE}


def test_dst_night_windows_compare_in_real_time(window, catalogue):
    # 25 Oct 2026: 01:00-02:00 BST is 00:00-01:00 UTC; then clocks go back, and 01:00-02:00
    # GMT is 01:00-02:00 UTC. Both read "01:00" on a wall clock but do not overlap.
    first = window([catalogue["uk-link"]], start=datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
                   end=datetime(2026, 10, 25, 1, 0, tzinfo=UTC))
    second = window([catalogue["uk-link"]], start=datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
                    end=datetime(2026, 10, 25, 2, 0, tzinfo=UTC), status="submitted")
    assert not warnings_of(second)
    third = window([catalogue["uk-link"]], start=datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                   end=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), status="submitted")
    assert {other for _, other in warnings_of(third)} == {first.pk, second.pk}


# --- notice -----------------------------------------------------------------
@pytest.fixture
def css_rule(catalogue, other_provider_org):
    return NoticePeriodRule.objects.create(
        service=catalogue["css-registration"], outages_only=True, working_days=8,
        description="CSS planned outage: 8 working days")


@pytest.mark.parametrize("start_day,late", [(15, True), (16, False)])
def test_notice_counts_clear_working_days_across_easter(window, catalogue, css_rule, start_day,
                                                        late):
    # Submitted Wed 1 Apr 2026; Good Friday 3 Apr and Easter Monday 6 Apr are bank holidays,
    # so the 8th clear working day is Wed 15 Apr: a start on Thu 16 Apr is on time.
    with time_machine.travel(uk_time(2026, 4, 1, 10, 0), tick=False):
        change = window([catalogue["css-registration"]], status="submitted",
                        start=uk_time(2026, 4, start_day, 22, 0),
                        end=uk_time(2026, 4, start_day, 23, 0))
    kinds = {kind for kind, _ in warnings_of(change)}
    assert (K.LATE_NOTICE in kinds) is late
    assert (ChangeNotification.objects.late().filter(pk=change.pk).exists()) is late


def test_notice_skips_weekends(window, catalogue, css_rule):
    # Submitted Fri 5 Jun 2026: Mon 8 .. Wed 17 Jun are 8 clear working days.
    with time_machine.travel(uk_time(2026, 6, 5, 16, 0), tick=False):
        on_time = window([catalogue["css-registration"]], status="submitted",
                         start=uk_time(2026, 6, 18, 1, 0), end=uk_time(2026, 6, 18, 2, 0))
        late = window([catalogue["css-registration"]], status="submitted",
                      start=uk_time(2026, 6, 17, 1, 0), end=uk_time(2026, 6, 17, 2, 0))
    assert K.LATE_NOTICE not in {k for k, _ in warnings_of(on_time)}
    message = late.warnings.get(kind=K.LATE_NOTICE).message
    assert "8 working days' notice required" in message and "7 was given" in message


def test_degraded_css_uses_the_general_rule(window, catalogue, css_rule):
    with time_machine.travel(uk_time(2026, 6, 5, 16, 0), tick=False):
        change = window([(catalogue["css-registration"], "degraded")], status="submitted",
                        start=uk_time(2026, 6, 15, 1, 0), end=uk_time(2026, 6, 15, 2, 0))
    # The seeded normal-change rule (5 working days) applies: 5 clear days given (8-12 Jun).
    assert not change.warnings.filter(kind=K.LATE_NOTICE).exists()


def test_most_specific_rule_wins(catalogue, other_provider_org):
    NoticePeriodRule.objects.create(provider=other_provider_org, working_days=3)
    NoticePeriodRule.objects.create(service=catalogue["ecoes"], change_type="normal",
                                    working_days=12)
    change = ChangeNotification(provider=other_provider_org, change_type="normal")
    impacts = [type("I", (), {"service_id": catalogue["ecoes"].pk, "impact": "outage"})]
    days, rule = checks.required_notice(change, impacts, checks.CheckContext.load())
    assert days == 12 and rule.service_id == catalogue["ecoes"].pk


def test_emergency_changes_are_always_flagged(window, catalogue):
    change = window([catalogue["des"]], status="submitted", change_type="emergency")
    assert change.warnings.filter(kind=K.EMERGENCY).exists()


# --- freezes ----------------------------------------------------------------
def test_one_off_global_freeze(window, catalogue, django_capture_on_commit_callbacks):
    change = window([catalogue["des"]], start=uk_time(2026, 12, 24, 1), end=uk_time(2026, 12, 24, 3))
    with django_capture_on_commit_callbacks(execute=True):
        freeze = ChangeFreezeFactory(name="Christmas", starts_at=uk_time(2026, 12, 18, 17),
                                     ends_at=uk_time(2027, 1, 4, 9))
    assert warnings_of(change) == {(K.FREEZE, None)}
    assert "Christmas" in change.warnings.get().message
    with django_capture_on_commit_callbacks(execute=True):
        freeze.is_active = False
        freeze.save()
    assert not warnings_of(change)


def test_freeze_on_other_services_does_not_apply(window, catalogue,
                                                 django_capture_on_commit_callbacks):
    change = window([catalogue["des"]], start=uk_time(2026, 12, 24, 1), end=uk_time(2026, 12, 24, 3))
    with django_capture_on_commit_callbacks(execute=True):
        freeze = ChangeFreezeFactory(starts_at=uk_time(2026, 12, 18), ends_at=uk_time(2027, 1, 4))
        freeze.services.set([catalogue["ecoes"]])
    assert not warnings_of(change)
    with django_capture_on_commit_callbacks(execute=True):
        freeze.services.add(catalogue["des"])
    assert warnings_of(change) == {(K.FREEZE, None)}


@pytest.mark.parametrize("start_utc,frozen", [
    (datetime(2026, 3, 22, 5, 30, tzinfo=UTC), True),   # 05:30 GMT: inside Sun 00:00-06:00
    (datetime(2026, 3, 29, 5, 30, tzinfo=UTC), False),  # 06:30 BST: after the freeze
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), False),  # Saturday 23:30 GMT
    (datetime(2026, 4, 4, 23, 30, tzinfo=UTC), True),   # Sunday 00:30 BST
])
def test_weekly_freeze_follows_uk_wall_clock(window, catalogue, start_utc, frozen):
    ChangeFreezeFactory(recurrence="weekly", weekday=6, start_time=time(0, 0),
                        end_time=time(6, 0))
    change = window([catalogue["des"]], start=start_utc, end=start_utc + timedelta(minutes=20))
    assert bool(change.warnings.filter(kind=K.FREEZE).exists()) is frozen


def test_weekly_overnight_freeze_and_validity_dates(catalogue):
    freeze = ChangeFreezeFactory(recurrence="weekly", weekday=4, start_time=time(22, 0),
                                 end_time=time(2, 0), valid_from=datetime(2026, 6, 1).date(),
                                 valid_until=datetime(2026, 6, 30).date())
    saturday_1am = uk_time(2026, 6, 13, 1, 0)
    assert list(freeze.occurrences(saturday_1am, saturday_1am + timedelta(minutes=5))) == [
        (uk_time(2026, 6, 12, 22, 0).astimezone(UTC), uk_time(2026, 6, 13, 2, 0).astimezone(UTC))]
    july = uk_time(2026, 7, 11, 1, 0)
    assert not list(freeze.occurrences(july, july + timedelta(minutes=5)))


def test_catalogue_change_re_runs_the_checks(window, catalogue,
                                             django_capture_on_commit_callbacks):
    window([catalogue["ecoes"]])
    gas = window([catalogue["des"]], status="submitted")
    assert not warnings_of(gas)
    with django_capture_on_commit_callbacks(execute=True):
        ServiceDependencyFactory(service=catalogue["des"], depends_on=catalogue["ecoes"])
    assert {k for k, _ in warnings_of(gas)} == {K.DEPENDENCY}


def test_refresh_reaches_clashes_of_a_neighbour_beyond_the_window(window, catalogue,
                                                                  operations_user):
    # B overlaps the draft A and also C, which starts after A ends; moving A must leave
    # B's clash with C in place.
    from changes.services import update_draft

    b = window([catalogue["uk-link"]], start=START, end=START + timedelta(days=3))
    c = window([catalogue["uk-link"]], start=START + timedelta(days=2),
               end=START + timedelta(days=2, hours=2))
    a = window([catalogue["uk-link"]], status="draft", start=START, end=START + timedelta(hours=1))
    update_draft(change_notification=a, by=operations_user,
                 changes={"planned_start": START + timedelta(hours=1),
                          "planned_end": START + timedelta(hours=2)})
    assert (K.SAME_SERVICE, c.pk) in warnings_of(b)
    assert (K.SAME_SERVICE, b.pk) in warnings_of(c)
