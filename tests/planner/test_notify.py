"""The notifier chain: a failing backend is logged once and the next one takes over."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from planner.platform import notify
from planner.platform.notify import (
    FallbackChain,
    MemoryNotifier,
    Notice,
    NotifyFailed,
    PlyerNotifier,
)


class Exploding:
    name = "exploding"

    def __init__(self) -> None:
        self.calls = 0

    def notify(self, notice: Notice) -> None:
        self.calls += 1
        raise RuntimeError("no daemon")


def test_chain_falls_back_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    broken, toast = Exploding(), MemoryNotifier("toast")
    chain = FallbackChain([broken, toast])
    with caplog.at_level(logging.WARNING, logger="planner.platform.notify"):
        for n in range(3):
            assert chain.deliver(Notice(f"hello {n}")) == "toast"
    assert broken.calls == 3  # tried again each time: a daemon may come back
    assert [n.title for n in toast.shown] == ["hello 0", "hello 1", "hello 2"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "exploding" in warnings[0].getMessage()


def test_chain_uses_the_first_that_works_and_notes_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    desktop, toast = MemoryNotifier("desktop", fail=True), MemoryNotifier("toast")
    chain = FallbackChain([desktop, toast])
    with caplog.at_level(logging.INFO, logger="planner.platform.notify"):
        assert chain.deliver(Notice("a")) == "toast"
        desktop.fail = False
        assert chain.deliver(Notice("b")) == "desktop"
    assert [n.title for n in desktop.shown] == ["b"]
    assert any("work again" in r.getMessage() for r in caplog.records)


def test_chain_with_nothing_working_returns_none_and_notify_raises() -> None:
    chain = FallbackChain([MemoryNotifier(fail=True)])
    assert chain.deliver(Notice("x")) is None
    with pytest.raises(NotifyFailed):
        chain.notify(Notice("x"))


def test_plyer_is_not_called_without_a_notification_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from plyer import notification

    called = []
    monkeypatch.setattr(notification, "_notify", lambda **kw: called.append(kw))
    with pytest.raises(NotifyFailed):
        PlyerNotifier(probe=lambda: False).notify(Notice("x"))
    assert called == []


def test_plyer_errors_become_notify_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    from plyer import notification

    def boom(**kw: object) -> None:
        raise NotImplementedError("no backend")

    monkeypatch.setattr(notification, "_notify", boom)
    with pytest.raises(NotifyFailed, match="NotImplementedError"):
        PlyerNotifier(probe=lambda: True).notify(Notice("x"))


def test_plyer_gets_title_body_and_app_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from plyer import notification

    called: list[dict[str, object]] = []
    monkeypatch.setattr(notification, "_notify", lambda **kw: called.append(kw))
    PlyerNotifier(probe=lambda: None).notify(Notice("Community 11:00–12:00", "starts in 2 min"))
    assert len(called) == 1
    assert {k: called[0][k] for k in ("title", "message", "app_name", "timeout")} == {
        "title": "Community 11:00–12:00",
        "message": "starts in 2 min",
        "app_name": "Splitday",
        "timeout": 10,
    }
    assert called[0]["expire_time"] == "10000"  # notify-send's timeout, in ms


def test_no_session_bus_means_no_service(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert notify.session_bus_address() is None
    assert notify.notification_service_present() is False


def test_a_dead_bus_cannot_be_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """dbus-send cannot connect: unknown, so plyer is tried (and its failure caught)."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'nothing'}")
    assert notify.notification_service_present() is None


def test_an_urgent_notice_never_expires_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """ "Time to stop" stays on screen until dismissed: critical, and no expiry time."""
    from plyer import notification

    called: list[dict[str, object]] = []
    monkeypatch.setattr(notification, "_notify", lambda **kw: called.append(kw))
    PlyerNotifier(probe=lambda: None).notify(Notice("Time to stop", "17:30", urgent=True))
    assert (called[0]["urgency"], called[0]["timeout"], called[0]["expire_time"]) == (
        "critical",
        0,
        "0",
    )
