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


def test_an_entry_in_words_names_the_slot_it_broke_into() -> None:
    from datetime import UTC, date, datetime, timedelta

    from planner.domain.flags import entry_in_words
    from planner.domain.values import EntryV, SlotV

    nine = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    slot = SlotV(1, date(2026, 11, 24), nine, nine + timedelta(hours=2), 1, "", "auto", False)
    entry = EntryV(7, nine + timedelta(minutes=5), None, "interruption", 2, None, None, "", "")
    entry = EntryV(**{**entry.__dict__, "flags": frozenset({"cross_role", "in_focus"})})
    names = {1: "Support", 2: "Community"}
    assert entry_in_words(entry, names, [slot]) == (
        "pulled into Community during a Support focus block"
    )
    assert entry_in_words(entry, names, []) == "pulled into Community during a focus block"
