"""Real CalDAV servers for tests and the benchmark: Radicale (htpasswd auth) and Xandikos.

Each runs as a subprocess on 127.0.0.1 from a temporary folder. start() picks a free port and
tries again on another one when the server could not bind it (a port is free when it is
chosen, not always when the server binds it); it waits until the server answers HTTP, not
just until the port accepts. stop() and start() keep the port and the data (a test stops the
server mid-sync); a restart waits for the port to be free again.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

USER, PASSWORD = "alice", "correct horse"
START_TIMEOUT = 60.0  # a loaded 2-core machine starts a Python server in seconds, not 60
PORT_TRIES = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _split_by_uid(data: bytes) -> list[str]:
    """A whole .ics as one VCALENDAR per UID (its VTIMEZONEs in each), CRLF lines."""
    text = data.decode().replace("\r\n", "\n")
    zones = "".join(re.findall(r"BEGIN:VTIMEZONE\n.*?END:VTIMEZONE\n", text, re.S))
    by_uid: dict[str, list[str]] = {}
    for block in re.findall(r"BEGIN:VEVENT\n.*?END:VEVENT\n", text, re.S):
        found = re.search(r"^UID:(.*)$", block, re.M)
        by_uid.setdefault(found.group(1).strip() if found else block, []).append(block)
    out = []
    for blocks in by_uid.values():
        body = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + zones + "".join(blocks)
        out.append((body + "END:VCALENDAR\n").replace("\n", "\r\n"))
    return out


class DavServer:
    """A CalDAV server subprocess; subclasses say how to run it and what differs."""

    name: ClassVar[str] = "dav"
    # what differs between servers, as the tests found it (see the CalDAV tests' asserts)
    checks_password: ClassVar[bool] = True  # a wrong password is refused
    sync_brings_data: ClassVar[bool] = True  # sync-collection answers calendar-data too

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"{self.name}.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        restart = self.port != 0
        last = ""
        for _ in range(PORT_TRIES):
            if not restart:
                self.port = _free_port()
            last = self._try_start()
            if not last:
                return
        raise RuntimeError(f"{self.name} did not start on 127.0.0.1:\n{last}")

    def _try_start(self) -> str:
        """'' once the server answers; else why not (the process ended: the port was taken)."""
        env = dict(os.environ)
        env.pop("SPLITDAY_CALDAV_PASSWORD", None)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                time.sleep(0.5)  # a restart: the old server's port may linger a moment
                return self.log.read_text(errors="replace")[-2000:]
            if self._answers():
                return ""
            time.sleep(0.1)
        self.stop()
        return f"no HTTP answer within {START_TIMEOUT:g} s"

    def _answers(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection.request("OPTIONS", "/")
            connection.getresponse().read()
            connection.close()
            return True
        connection.close()
        return False

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
        """Requests the server logged so far (its own count, beside the client's)."""
        raise NotImplementedError

    def requests_since(self, before: int, expected: int, timeout: float = 20.0) -> int:
        """Requests logged since `before`, once `expected` are in or `timeout` passed: a
        server may write a request's log line after its answer (Xandikos's access log)."""
        deadline = time.monotonic() + timeout
        while self.requests() - before < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests() - before

    def write_ics(self, calendar_url: str, data: bytes) -> int:
        """A whole .ics into a calendar, one object per UID, written the server's own way (not
        over HTTP: 10 000 PUTs would take minutes); the objects written."""
        raise NotImplementedError


class Radicale(DavServer):
    """Radicale with htpasswd auth (plain, or bcrypt hashes)."""

    name = "radicale"

    def __init__(self, folder: Path, *, encryption: str = "plain") -> None:
        super().__init__(folder)
        self.encryption = encryption
        self.users = folder / "users"
        if encryption == "plain":
            self.users.write_text(f"{USER}:{PASSWORD}\n")
        else:
            import bcrypt

            hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
            self.users.write_text(f"{USER}:{hashed}\n")
        self.config = folder / "config"

    def command(self) -> list[str]:
        self.config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {self.users}\n"
            f"htpasswd_encryption = {self.encryption}\n"
            "delay = 0\n"
            "[storage]\n"
            f"filesystem_folder = {self.folder / 'collections'}\n"
            "[rights]\n"
            "type = owner_only\n"
            "[logging]\n"
            "level = info\n"
            "mask_passwords = True\n"
        )
        return [sys.executable, "-m", "radicale", "--config", str(self.config)]

    def requests(self) -> int:
        text = self.log.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if " request for " in line)

    def write_ics(self, calendar_url: str, data: bytes) -> int:
        """Into Radicale's storage folder as Radicale lays it out."""
        path = urlsplit(calendar_url).path.strip("/")
        folder = self.folder / "collections" / "collection-root" / path
        if not folder.is_dir():
            raise FileNotFoundError(folder)
        items = _split_by_uid(data)
        for n, item in enumerate(items):
            (folder / f"item{n}.ics").write_text(item)
        return len(items)


class Xandikos(DavServer):
    """Xandikos (a Git-backed CalDAV server), the principal at /alice/.

    Xandikos checks passwords only over HTTPS (its --htpasswd needs --autocert, a self-signed
    certificate): here it serves plain HTTP without auth and takes any password."""

    name = "xandikos"
    checks_password = False
    sync_brings_data = False  # calendar-data is 404 in a sync-collection: a multiget follows

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "xandikos", "serve",
            "--directory", str(self.folder / "collections"),
            "--state-dir", str(self.folder / "state"),
            "--autocreate",
            "--current-user-principal", f"/{USER}/",
            "--listen-address", "127.0.0.1",
            "--port", str(self.port),
            "--no-detect-systemd",
        ]  # fmt: skip

    def requests(self) -> int:
        text = self.log.read_text(errors="replace")
        return len(re.findall(r'^\S+ \[[^]]*\] "[A-Z]+ [^"]*" \d{3} ', text, re.M))

    def write_ics(self, calendar_url: str, data: bytes) -> int:
        """Through Xandikos's own store (a Git commit per object), as its PUT does."""
        from xandikos.store.git import GitStore

        path = urlsplit(calendar_url).path.strip("/")
        store = GitStore.open_from_path(str(self.folder / "collections" / path))
        items = _split_by_uid(data)
        for n, item in enumerate(items):
            store.import_one(f"item{n}.ics", "text/calendar", [item.encode()], message="import")
        return len(items)


class XandikosTLS(Xandikos):
    """Xandikos checking passwords (bcrypt htpasswd), which it does only over HTTPS: a
    certificate for 127.0.0.1 made here (Xandikos's own --autocert names a host, not an IP
    address) that the client trusts through $REQUESTS_CA_BUNDLE (see ca_bundle)."""

    name = "xandikos-tls"
    checks_password = True

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        import bcrypt

        self.users = folder / "users"
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        self.users.write_text(f"{USER}:{hashed}\n")
        certs = folder / "state" / "certs"  # where --autocert looks first
        self.ca_bundle = certs / "selfsigned.crt"
        _make_certificate(self.ca_bundle, certs / "selfsigned.key")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        return [*super().command(), "--autocert", "--htpasswd", str(self.users)]

    def _answers(self) -> bool:
        import ssl

        context = ssl.create_default_context(cafile=str(self.ca_bundle))
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=5, context=context)
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection.request("OPTIONS", "/")
            connection.getresponse().read()
            connection.close()
            return True
        connection.close()
        return False


def _make_certificate(cert_path: Path, key_path: Path) -> None:
    """A self-signed certificate for the address 127.0.0.1, valid for 60 days (Xandikos
    makes its own instead when fewer than 30 are left)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=60))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


SERVERS: dict[str, type[DavServer]] = {"radicale": Radicale, "xandikos": Xandikos}
