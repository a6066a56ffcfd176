"""The README stays true: its module map names every module, its commands exist."""

import re
from pathlib import Path

from planner.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_module_map_names_every_module() -> None:
    listed = set(re.findall(r"^\| `((?:planner|ui)/[\w/]+\.py)` \|", README, flags=re.M))
    modules = {
        p.relative_to(ROOT).as_posix()
        for folder in ("planner", "ui")
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    }
    assert modules - listed == set(), "add these to the README's module map"
    assert listed - modules - {"planner/__init__.py"} == set(), "these no longer exist"


def test_every_subcommand_is_in_the_readme() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"`{name}" in README or f"\\|{name}" in README, name
