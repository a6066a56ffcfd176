"""Interruption flags read as a person would say them."""

from planner.domain.flags import in_words


def test_flags_in_words() -> None:
    every = {"unplanned", "cross_role", "in_focus", "after_stop"}
    assert in_words(every, "Community", "Support") == (
        "pulled into Community during a Support focus block, after the hard stop"
    )
    assert in_words({"unplanned", "cross_role"}, "Community", "Support") == (
        "pulled into Community from Support"
    )
    assert in_words({"unplanned", "in_focus"}, "Support", "Support") == (
        "inside a Support focus block"
    )
    assert in_words({"unplanned", "after_stop"}) == "after the hard stop"
    assert in_words({"unplanned"}) == "unplanned"
    assert in_words(set()) == ""
    assert in_words({"cross_role", "in_focus"}) == "pulled into the other role during a focus block"
