"""The allowed-moves helper and the one InvalidTransition every lifecycle raises."""

import pytest
from django.db import models

from kernel.transitions import InvalidTransition, Moves


class Light(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    OUT = "out", "Out of order"


MOVES = Moves(Light, {
    Light.RED: {Light.AMBER, Light.OUT},
    Light.AMBER: {Light.GREEN, Light.OUT},
    Light.GREEN: {Light.RED, Light.OUT},
    Light.OUT: set(),
})


def test_a_move_in_the_table_is_allowed_and_one_outside_it_is_refused_with_a_readable_message():
    MOVES.check("red", "amber", subject="Signal 4")
    with pytest.raises(InvalidTransition) as refused:
        MOVES.check("red", "green", subject="Signal 4")
    assert str(refused.value) == "Signal 4 is red; it cannot be moved to green."
    with pytest.raises(InvalidTransition, match="Signal 4 is already out of order; it cannot"):
        MOVES.check("out", "red", subject="Signal 4")


def test_a_status_that_does_not_exist_is_refused_naming_the_real_ones():
    with pytest.raises(InvalidTransition, match="'blue' is not a status. Use one of: red, amber"):
        MOVES.check("red", "blue", subject="Signal 4")


def test_targets_and_final_states_come_from_the_table():
    assert MOVES.targets("amber") == {"green", "out"}
    assert MOVES.allows(Light.GREEN, Light.RED) and not MOVES.allows("green", "amber")
    assert MOVES.is_final("out") and not MOVES.is_final("red")


def test_extended_moves_add_targets_without_changing_the_original():
    emergency = MOVES.extended({Light.RED: {Light.GREEN}})
    assert emergency.allows("red", "green")
    assert not MOVES.allows("red", "green")


def test_a_table_missing_a_status_or_naming_an_unknown_target_is_a_programming_error():
    with pytest.raises(ValueError, match="missing rows"):
        Moves(Light, {Light.RED: {Light.AMBER}})
    with pytest.raises(ValueError, match="unknown targets"):
        Moves(Light, {Light.RED: {"blue"}, Light.AMBER: set(), Light.GREEN: set(),
                      Light.OUT: set()})


ACTIONS = Moves.by_action(Light, {
    Light.RED: {"prepare": Light.AMBER},
    Light.AMBER: {"go": Light.GREEN},
    Light.GREEN: {"stop": Light.RED, "break": Light.OUT},
    Light.OUT: {},
}, labels={"prepare": "Prepare to go", "go": "Go", "stop": "Stop", "break": "Break"})


def test_an_action_leads_to_its_status_and_an_action_not_open_now_is_refused_by_its_label():
    assert ACTIONS.target_of("green", "break", subject="a signal") == "out"
    assert ACTIONS.actions("green") == ["stop", "break"]
    with pytest.raises(InvalidTransition) as refused:
        ACTIONS.target_of("red", "go", subject="a signal")
    assert str(refused.value) == "Cannot go a signal that is red."



class SignalError(InvalidTransition):
    """An app's own error, as each app subclasses the kernel's."""


def test_the_apps_own_error_is_raised_so_callers_catching_it_still_do():
    moves = Moves(Light, {Light.RED: {Light.AMBER}, Light.AMBER: set(), Light.GREEN: set(),
                          Light.OUT: set()}, error=SignalError)
    with pytest.raises(SignalError):
        moves.check("amber", "red", subject="Signal 4")
    with pytest.raises(TypeError, match="must subclass"):
        Moves(Light, {}, error=ValueError)



def test_a_transition_row_shows_its_statuses_by_their_labels():
    from kernel.transitions import TransitionRecord

    class Row:  # the abstract model's label methods, on a plain object (no table needed)
        statuses = Light
        _label = TransitionRecord._label
        get_from_status_display = TransitionRecord.get_from_status_display
        get_to_status_display = TransitionRecord.get_to_status_display

        def __init__(self, from_status, to_status):
            self.from_status, self.to_status = from_status, to_status

    row = Row("red", "out")
    assert (row.get_from_status_display(), row.get_to_status_display()) == ("Red", "Out of order")
    assert Row("", "retired").get_to_status_display() == "retired"
