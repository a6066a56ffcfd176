"""The core stays free of Qt, and the fast CLI path stays free of heavy imports."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_under_planner_imports_qt() -> None:
    offenders = []
    for path in (ROOT / "planner").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("PySide6", "shiboken6", "ui") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_importing_every_planner_module_loads_no_qt() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "planner").rglob("*.py")
        if "migrations" not in p.parts and p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(k for k in sys.modules if k.startswith(('PySide6', 'shiboken6'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_forwarding_path_imports_nothing_heavy() -> None:
    code = (
        "import sys; from planner.cli import main; from planner.platform import ipc\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'PySide6', 'matplotlib', 'icalendar', 'alembic')]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_a_forwarded_interrupt_imports_only_the_standard_librarys_light_parts(
    tmp_path: Path,
) -> None:
    """`splitday interrupt … --duration 10m`, as a desktop shortcut runs it, against a running
    app (a plain socket server here): no dataclasses/inspect (~7 ms), nothing of the core's
    heavier modules, before the reply."""
    import socket
    import threading

    path = tmp_path / "app.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def reply() -> None:
        conn, _ = server.accept()
        with conn:
            while not conn.recv(65536).endswith(b"\n"):
                pass
            conn.sendall(b'{"v": 1, "ok": true, "message": "logged"}\n')

    threading.Thread(target=reply, daemon=True).start()
    code = (
        "import sys\n"
        "from ui.shell.launcher import main\n"
        "code = main(['interrupt', 'printer', '--duration', '10m'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ("
        "'dataclasses', 'inspect', 'ast', 'sqlalchemy', 'PySide6', 'zoneinfo'))"
        " or sorted(m for m in sys.modules if m.startswith('planner.') and m.split('.')[1] in "
        "('services', 'storage', 'calendars', 'review')), code)\n"
    )
    env = {**os.environ, "SPLITDAY_SOCKET": str(path)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=30
    )
    server.close()
    assert out.stdout.strip().splitlines()[-1] == "[] 0", out.stdout + out.stderr


def test_a_start_on_sqlite_loads_no_postgresql_code(tmp_path: Path) -> None:
    """The PostgreSQL-only schema parts live in the migrations' SQL: declaring them on the
    models (an ExcludeConstraint, postgresql_where) loaded SQLAlchemy's whole PostgreSQL
    dialect into every start (+4.5 MB RSS before the window's first paint)."""
    url = f"sqlite:///{tmp_path / 'splitday.sqlite3'}"
    first = f"from planner.storage.db import open_database; open_database({url!r}).close()"
    made = subprocess.run([sys.executable, "-c", first], cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr  # the first start builds it (Alembic: every dialect)
    code = (  # every later start
        "import sys\n"
        "from planner.storage.db import open_database\n"
        f"db = open_database({url!r})\n"
        "import planner.storage.models, planner.services.day, planner.services.tracking\n"
        "db.close()\n"
        "print(sorted(m for m in sys.modules if 'postgresql' in m or 'psycopg' in m))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
