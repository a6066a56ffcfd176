"""A real Radicale CalDAV server for tests: a subprocess on 127.0.0.1, a free port, htpasswd."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

USER, PASSWORD = "alice", "correct horse"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Radicale:
    """Radicale in a temporary folder; stop() and start() keep the port and the data."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = folder / "radicale.log"
        users = folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n")
        self.config = folder / "config"
        self.config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {users}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[storage]\n"
            f"filesystem_folder = {folder / 'collections'}\n"
            "[rights]\n"
            "type = owner_only\n"
            "[logging]\n"
            "level = info\n"
            "mask_passwords = True\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env.pop("SPLITDAY_CALDAV_PASSWORD", None)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Radicale did not start:\n{self.log.read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("Radicale did not listen within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def requests(self) -> int:
        """Requests Radicale logged so far (its own count, beside the client's)."""
        text = self.log.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if " request for " in line)

    def write_ics(self, calendar_url: str, data: bytes) -> int:
        """A whole .ics into a calendar, one object per UID, written into Radicale's storage
        folder as Radicale lays it out (10 000 PUTs would take minutes); the objects written."""
        text = data.decode().replace("\r\n", "\n")
        zones = "".join(re.findall(r"BEGIN:VTIMEZONE\n.*?END:VTIMEZONE\n", text, re.S))
        by_uid: dict[str, list[str]] = {}
        for block in re.findall(r"BEGIN:VEVENT\n.*?END:VEVENT\n", text, re.S):
            found = re.search(r"^UID:(.*)$", block, re.M)
            by_uid.setdefault(found.group(1).strip() if found else block, []).append(block)
        path = urlsplit(calendar_url).path.strip("/")
        folder = self.folder / "collections" / "collection-root" / path
        if not folder.is_dir():
            raise FileNotFoundError(folder)
        for n, blocks in enumerate(by_uid.values()):
            body = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + zones + "".join(blocks)
            item = (body + "END:VCALENDAR\n").replace("\n", "\r\n")
            (folder / f"item{n}.ics").write_text(item)
        return len(by_uid)
