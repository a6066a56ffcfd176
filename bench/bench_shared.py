"""The shared server (issue 18): outages and kill -9s lose nothing; delivery and latency figures.

    python bench/bench_shared.py soak --outages 100 --kills 100   # two devices, random moments
    python bench/bench_shared.py deliver --changes 1000           # time to deliver a backlog
    python bench/bench_shared.py latency --delay-ms 50            # `status` through a slow link
    python bench/bench_shared.py live --runs 50                   # device A's write seen on B

Every server is a PostgreSQL of the script's own on 127.0.0.1 (tests/shared/pgcluster.py); the
slow link is a local TCP proxy that holds every chunk `--delay-ms` in each direction. Each loop
is bounded in count and time, and the script stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "shared"))

from pgcluster import Cluster  # noqa: E402


def _server(name: str) -> tuple[Cluster, str]:
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="splitday-pg.")))
    cluster.start()
    cluster.createdb(name)
    return cluster, cluster.url(name)


def _env(folder: Path, url: str, owner: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SPLITDAY_DATA_DIR": str(folder / "data"),
        "SPLITDAY_SOCKET": str(folder / "no-app.sock"),
        "SPLITDAY_DB_URL": url,
        "SPLITDAY_OWNER": owner,
        "SPLITDAY_DELIVER_FOR": "600",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SPLITDAY_NOW", None)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "planner.cli.main", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _deliverers(folder: Path) -> list[int]:
    """The background deliverers this run started (found by their data folder; by pid)."""
    found = []
    marker = f"SPLITDAY_DATA_DIR={folder}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"sync\0--wait" in cmd and marker in environ:
            found.append(int(entry.name))
    return found


# ---------------------------------------------------------------- soak


class Device(threading.Thread):
    """One device logging interruptions one after the other until told to stop."""

    def __init__(self, name: str, folder: Path, url: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.name_, self.folder, self.stop = name, folder, stop
        self.env = _env(folder, url, f"owner-{name}")
        self.acked: list[str] = []
        self.kept = 0
        self.killed = 0
        self.failed: list[str] = []
        self.current: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()

    def run(self) -> None:
        first = _cli(self.env, "start", "Support")
        first.communicate(timeout=120)
        i = 0
        while not self.stop.is_set():
            i += 1
            note = f"{self.name_}-{i:05d}"
            with self.lock:
                self.current = _cli(self.env, "interrupt", note, "--source", "soak")
            out, err = self.current.communicate(timeout=120)
            code = self.current.returncode
            with self.lock:
                self.current = None
            if code == 0 and ("interruption logged" in out or "saved on this device" in out):
                self.acked.append(note)
                self.kept += "saved on this device" in out
            elif code == -signal.SIGKILL:
                self.killed += 1
            else:
                self.failed.append(f"{note}: rc={code} {err.strip()[:200]}")

    def kill_current(self) -> bool:
        with self.lock:
            if self.current is None or self.current.poll() is not None:
                return False
            self.current.send_signal(signal.SIGKILL)
            return True


def soak(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    cluster, url = _server("soak")
    base = Path(tempfile.mkdtemp(prefix="splitday-soak."))
    stop = threading.Event()
    devices = [Device(n, base / n, url, stop) for n in ("laptop", "desktop")]
    started = time.monotonic()
    outages = kills = killed_deliverers = 0
    try:
        for device in devices:
            device.start()
        time.sleep(3)
        actions = ["outage"] * args.outages + ["kill"] * args.kills
        rng.shuffle(actions)
        for action in actions:
            time.sleep(rng.uniform(0.2, args.gap))
            if action == "outage":
                cluster.stop("immediate")
                time.sleep(rng.uniform(0.3, args.gap))
                cluster.start()
                outages += 1
                continue
            # kill -9: a device's command in flight, or a background deliverer
            device = rng.choice(devices)
            pids = _deliverers(device.folder)
            if pids and rng.random() < 0.5:
                os.kill(rng.choice(pids), signal.SIGKILL)
                killed_deliverers += 1
                kills += 1
                continue
            for _ in range(50):
                if device.kill_current():
                    kills += 1
                    break
                time.sleep(0.05)
        stop.set()
        for device in devices:
            device.join(timeout=180)
        if not cluster.running():
            cluster.start()
        # what is left waiting is delivered by the background deliverers; a last `sync`
        # stands in for the next command of a deliverer that was killed last
        deadline = time.monotonic() + 300
        for device in devices:
            while True:
                done = subprocess.run(
                    [sys.executable, "-m", "planner.cli.main", "sync"],
                    cwd=ROOT,
                    env=device.env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                if "nothing waits" in done.stdout or time.monotonic() > deadline:
                    break
                time.sleep(1)
        took = time.monotonic() - started
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT owner, note FROM entry WHERE kind = 'interruption'")
            ).all()
        engine.dispose()
        print(
            f"soak: {outages} outages (pg_ctl stop -m immediate), {kills} kill -9s "
            f"({killed_deliverers} of background deliverers), {took:.0f} s, seed {args.seed}"
        )
        total_acked = total_delivered = 0
        ok = True
        for device in devices:
            notes = [n for o, n in rows if o == f"owner-{device.name_}"]
            counts = Counter(notes)
            dupes = [n for n, c in counts.items() if c > 1]
            missing = sorted(set(device.acked) - set(counts))
            extra = sorted(set(counts) - set(device.acked))
            delivered_acked = len(set(device.acked) & set(counts))
            total_acked += len(device.acked)
            total_delivered += delivered_acked
            print(
                f"  {device.name_}: acknowledged {len(device.acked)} "
                f"({device.kept} kept on the device), on the server {delivered_acked} of them, "
                f"missing {len(missing)}, duplicated {len(dupes)}; "
                f"commands killed {device.killed} (of which on the server anyway: {len(extra)}); "
                f"failed {len(device.failed)}"
            )
            for line in device.failed[:5]:
                print(f"    failed: {line}")
            ok = ok and not missing and not dupes and not device.failed
        print(
            f"  total: acknowledged {total_acked}, delivered {total_delivered}: "
            f"{'EQUAL' if total_acked == total_delivered else 'DIFFERENT'}"
        )
        return 0 if ok and total_acked == total_delivered else 1
    finally:
        stop.set()
        for device in devices:
            for pid in _deliverers(device.folder):
                os.kill(pid, signal.SIGKILL)
        cluster.destroy()


# ---------------------------------------------------------------- deliver a backlog


def deliver(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    cluster, url = _server("backlog")
    folder = Path(tempfile.mkdtemp(prefix="splitday-backlog."))
    os.environ["SPLITDAY_DATA_DIR"] = str(folder)
    try:
        from planner.services import offline, planning
        from planner.storage.db import open_database
        from planner.storage.pending import PendingQueue

        db = open_database(url, owner="alice")
        with db.transaction() as s:
            planning.ensure_defaults(s, "alice")
        queue = PendingQueue.for_database(url, "alice")
        zone = ZoneInfo("Europe/Berlin")
        first = datetime.now(UTC) - timedelta(minutes=3 * args.changes + 60)
        t0 = time.perf_counter()
        for i in range(args.changes):
            kind = "interrupt" if i % 2 == 0 else "resume"
            fields = {"note": f"n{i}", "source": "phone"} if kind == "interrupt" else {}
            queue.add(kind, first + timedelta(minutes=3 * i), fields)
        queued = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = queue.deliver(db, lambda s, c: offline.apply(s, "alice", zone, c))
        took = time.perf_counter() - t0
        db.close()
        print(
            f"deliver: {args.changes} waiting changes (interrupt/resume alternating, "
            f"PostgreSQL on 127.0.0.1)"
        )
        print(
            f"  queued in {queued:.2f} s ({1000 * queued / args.changes:.2f} ms each, "
            f"synchronous=FULL)"
        )
        print(
            f"  delivered {report.delivered}, refused {len(report.refused)}, left "
            f"{report.left} in {took:.2f} s ({1000 * took / args.changes:.1f} ms each)"
        )
        return 0 if report.delivered == args.changes else 1
    finally:
        cluster.destroy()


# ---------------------------------------------------------------- latency


async def _pipe(reader: Any, writer: Any, delay: float) -> None:
    """Copy one direction, each chunk `delay` late, in order (pipelined, like a long link)."""
    pending: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def send() -> None:
        while True:
            due, chunk = await pending.get()
            if not chunk:
                writer.close()
                return
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.create_task(send())
    while True:
        chunk = await reader.read(65536)
        await pending.put((time.monotonic() + delay, chunk))
        if not chunk:
            break
    await sender


class SlowProxy(threading.Thread):
    """127.0.0.1:port -> target, every chunk held `delay_ms` in each direction."""

    def __init__(self, target_port: int, delay_ms: float) -> None:
        super().__init__(daemon=True)
        self.target, self.delay = target_port, delay_ms / 1000
        self.port = 0
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()

        async def handle(reader: Any, writer: Any) -> None:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
            await asyncio.gather(
                _pipe(reader, up_writer, self.delay),
                _pipe(up_reader, writer, self.delay),
                return_exceptions=True,
            )

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.stopped = asyncio.Event()
        await self.stopped.wait()
        server.close()

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.stopped.set)


def _code_of(ref: str) -> Path:
    """The tree of a git ref (say `main` before this branch), unpacked to run beside this one."""
    where = Path(tempfile.mkdtemp(prefix="splitday-ref."))
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=tar.stdout, check=True)
    return where


def _status_times(code: Path, env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time of the whole `status` process, and of the command (SPLITDAY_TIMING)."""
    env = {**env, "PYTHONPATH": str(code), "SPLITDAY_TIMING": "1"}
    walls, inside = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "planner.cli.main", "status"],
            cwd=code,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        walls.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise RuntimeError(f"status failed: {done.stderr.strip()[-300:]}")
        line = done.stderr.strip().splitlines()[-1]
        inside.append(float(line.strip("[] ms")) / 1000)
    return statistics.median(walls), statistics.median(inside)


def _start_app(env: dict[str, str], sock: Path) -> subprocess.Popen[str]:
    """The app (offscreen, no dialogs) on `env`'s database, listening on `sock`; returns once
    it answers a ping."""
    from planner.platform import ipc

    env = {**env, "SPLITDAY_SOCKET": str(sock), "QT_QPA_PLATFORM": "offscreen"}
    env["SPLITDAY_NO_DIALOGS"] = "1"
    app = subprocess.Popen(
        [sys.executable, "-c", "from ui.shell.launcher import main; main([])"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if sock.exists() and ipc.send(str(sock), ipc.encode_request("ping"), 1.0):
                time.sleep(2)  # the features are wired after the first paint
                return app
        except ipc.ProtocolError:  # listening, not answering yet
            pass
        if app.poll() is not None:
            break
        time.sleep(0.2)
    app.kill()
    raise RuntimeError("the app did not start")


def latency(args: argparse.Namespace) -> int:
    """`status` direct and through the slow proxy, on PostgreSQL and on SQLite, with this tree
    and (--before REF) with REF's, interleaved run by run so that both see the same load."""
    cluster, _ = _server("latency")
    proxy = SlowProxy(cluster.port, args.delay_ms)
    proxy.start()
    proxy.ready.wait(10)
    folder = Path(tempfile.mkdtemp(prefix="splitday-latency."))
    codes = {"this tree": ROOT}
    apps: list[subprocess.Popen[str]] = []
    if args.before:
        codes[args.before] = _code_of(args.before)
    try:
        # each tree its own databases, set up by its own code (a newer schema is one the
        # older code rightly refuses to read)
        envs: dict[tuple[str, str], dict[str, str]] = {}
        for number, (name, code) in enumerate(codes.items()):
            base = f"latency{number}"
            cluster.createdb(base)
            direct = cluster.url(base)
            targets = {
                "PostgreSQL direct": direct,
                f"PostgreSQL +{args.delay_ms:g} ms each way": direct.replace(
                    f":{cluster.port}/", f":{proxy.port}/"
                ),
                "SQLite file": f"sqlite:///{folder / base / 'splitday.sqlite3'}",
            }
            for label, target in targets.items():
                env = _env(folder / base / label.replace(" ", "_"), target, "alice")
                env["SPLITDAY_NO_DELIVERER"] = "1"
                for setup in (["plan", "--auto"], ["start"], ["interrupt", "phone"], ["resume"]):
                    subprocess.run(
                        [sys.executable, "-m", "planner.cli.main", *setup],
                        cwd=code,
                        env={**env, "PYTHONPATH": str(code)},
                        capture_output=True,
                        timeout=120,
                    )
                envs[(label, name)] = env
        for label, name in list(envs):  # `status` answered by the running app (this tree's)
            if name != "this tree":
                continue
            sock = folder / f"{label.replace(' ', '_')}.sock"
            apps.append(_start_app(envs[(label, name)], sock))
            envs[(f"{label}, app running", name)] = {
                **envs[(label, name)],
                "SPLITDAY_SOCKET": str(sock),
            }
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.runs):  # interleaved: each round runs every case once
            for (label, name), env in envs.items():
                times = _status_times(codes[name], env, 1)
                results.setdefault((label, name), []).append(times)
        bare = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import sqlalchemy.orm, psycopg"], check=True)
            bare.append(time.perf_counter() - t0)
        load = os.getloadavg()[0]
        print(f"latency: `splitday status`, median of {args.runs} (load average {load:.1f})")
        for (label, name), values in results.items():
            wall = statistics.median(v[0] for v in values)
            inner = statistics.median(v[1] for v in values)
            print(
                f"  {label}, {name}: whole process {wall * 1000:.0f} ms; the command itself "
                f"(SPLITDAY_TIMING) {inner * 1000:.0f} ms"
            )
        print(
            f"  python -c 'import sqlalchemy.orm, psycopg': {statistics.median(bare) * 1000:.0f} ms"
        )
        return 0
    finally:
        for app in apps:  # also when a run failed: no app left behind
            app.terminate()
            try:
                app.wait(30)
            except subprocess.TimeoutExpired:
                app.kill()
        proxy.stop()
        cluster.destroy()
        for code in codes.values():
            if code != ROOT:
                shutil.rmtree(code, ignore_errors=True)


# ---------------------------------------------------------------- live (LISTEN/NOTIFY)


def live_figures(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    cluster, url = _server("live")
    try:
        from planner.services import planning, tracking
        from planner.storage import live
        from planner.storage.db import open_database

        zone = ZoneInfo("Europe/Berlin")
        a, b = open_database(url, owner="alice"), open_database(url, owner="alice")
        with a.transaction() as s:
            planning.ensure_defaults(s, "alice")
        heard = threading.Event()
        listener = live.start(url, "alice", heard.set)
        assert listener is not None and listener.listening.wait(30)
        first = datetime.now(UTC) - timedelta(minutes=5 * args.runs + 60)
        delays = []
        for i in range(args.runs):
            heard.clear()
            with a.transaction() as s:
                tracking.interrupt(s, "alice", zone, first + timedelta(minutes=5 * i), note=str(i))
            committed = time.perf_counter()
            heard.wait(10)
            with b.read() as s:
                seen = tracking.running(s, "alice")
            assert seen is not None and seen.note == str(i)
            delays.append(time.perf_counter() - committed)
        listener.stop()
        a.close()
        b.close()
        delays.sort()
        print(
            f"live: write committed on device A -> notified and read on device B, "
            f"{args.runs} writes: median {statistics.median(delays) * 1000:.0f} ms, "
            f"p90 {delays[int(0.9 * (len(delays) - 1))] * 1000:.0f} ms, "
            f"max {delays[-1] * 1000:.0f} ms"
        )
        return 0
    finally:
        cluster.destroy()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("soak")
    s.add_argument("--outages", type=int, default=100)
    s.add_argument("--kills", type=int, default=100)
    s.add_argument("--gap", type=float, default=2.0, help="longest pause between actions (s)")
    s.add_argument("--seed", type=int, default=18)
    d = sub.add_parser("deliver")
    d.add_argument("--changes", type=int, default=1000)
    lat = sub.add_parser("latency")
    lat.add_argument("--delay-ms", type=float, default=50)
    lat.add_argument("--runs", type=int, default=7)
    lat.add_argument("--before", metavar="REF", help="also time REF's code (e.g. main)")
    lv = sub.add_parser("live")
    lv.add_argument("--runs", type=int, default=50)
    args = p.parse_args()
    jobs = {"soak": soak, "deliver": deliver, "latency": latency, "live": live_figures}
    return jobs[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
