"""A calendar URL with a password in it (http://user:secret@host/…): the password goes to the
system keyring — or, where there is none, to a file only the user can read, and the command says
so — and never into the database (hence never into a backup)."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.cli.main import main
from tests.planner.test_calendars_url import Site, site  # noqa: F401 (the fixture)

keyring = pytest.importorskip("keyring")
from keyring.backend import KeyringBackend  # noqa: E402
from keyring.backends import fail  # noqa: E402


class Memory(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[Memory]:
    previous = keyring.get_keyring()
    ring = Memory()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _dump(path: Path) -> str:
    """Every value in the database file, as a backup would hold it."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(
            str(row)
            for table in ("calendar_source", "occurrence", "setting")
            for row in conn.execute(f"SELECT * FROM {table}")
        )
    finally:
        conn.close()


def _secret_url(server: Site) -> str:
    return server.base.replace("http://", "http://ann:s3cret@") + "/private.ics"


CREDENTIALS = Path("config") / "splitday" / "calendar-credentials.json"


def test_without_a_keyring_the_password_goes_to_a_private_file_and_it_says_so(
    site: Site,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_keyring: None,
) -> None:
    db = tmp_path / "cal.sqlite3"
    code, out, err = run(
        capsys, "--db", f"sqlite:///{db}", "calendar", "add", "Private", _secret_url(site)
    )
    assert code == 0, err
    assert "no system keyring" in out and str(tmp_path / CREDENTIALS) in out
    assert "6 events" in out or "6 new" in out  # the sync logged in with it
    assert "s3cret" not in _dump(db) and "ann:" not in _dump(db)
    store = tmp_path / CREDENTIALS
    assert (store.stat().st_mode & 0o777) == 0o600
    assert (store.parent.stat().st_mode & 0o777) == 0o700
    assert json.loads(store.read_text()) == {f"{site.base}/private.ics": ["ann", "s3cret"]}
    code, out, _ = run(capsys, "--db", f"sqlite:///{db}", "calendar", "list")
    assert f"{site.base}/private.ics" in out and "s3cret" not in out
    assert run(capsys, "--db", f"sqlite:///{db}", "calendar", "rm", "Private")[0] == 0
    assert json.loads(store.read_text()) == {}


def test_with_a_keyring_the_password_goes_there(
    site: Site,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: Memory,
) -> None:
    db = tmp_path / "cal.sqlite3"
    code, out, err = run(
        capsys, "--db", f"sqlite:///{db}", "calendar", "add", "Private", _secret_url(site)
    )
    assert code == 0, err
    assert "system keyring" in out and "6 new" in out
    assert list(memory_keyring.store.values()) == ["ann\ns3cret"]
    assert "s3cret" not in _dump(db)
    assert not (tmp_path / CREDENTIALS).exists()


def test_password_stdin_without_a_keyring_works_and_says_where(
    site: Site,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
) -> None:
    db = tmp_path / "cal.sqlite3"
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    code, out, err = run(
        capsys,
        "--db",
        f"sqlite:///{db}",
        "calendar",
        "add",
        "Private",
        f"{site.base}/private.ics",
        "--user",
        "ann",
        "--password-stdin",
    )
    assert code == 0, err
    assert "no system keyring" in out and "6 new" in out
    assert "No recommended backend" not in out + err
    assert "s3cret" not in _dump(db)


def test_a_password_already_stored_in_the_database_is_moved_out_on_the_next_sync(
    site: Site,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: Memory,
) -> None:
    db = tmp_path / "cal.sqlite3"
    url = f"sqlite:///{db}"
    assert (
        run(
            capsys,
            "--db",
            url,
            "calendar",
            "add",
            "Private",
            f"{site.base}/private.ics",
            "--no-sync",
        )[0]
        == 0
    )
    conn = sqlite3.connect(db)
    with conn:  # as an older Splitday stored it
        conn.execute("UPDATE calendar_source SET location = ?", (_secret_url(site),))
    conn.close()
    code, out, err = run(capsys, "--db", url, "calendar", "sync")
    assert code == 0, err
    assert "6 new" in out
    assert "s3cret" not in _dump(db)
    assert list(memory_keyring.store.values()) == ["ann\ns3cret"]
