"""The `splitday` entry point: the command line, which starts the GUI when given no command.

Kept free of Qt imports so that `splitday interrupt` (bound to a desktop shortcut) stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from planner.domain.i18n import tr


def _start_app(db_url: str | None, open_plan: bool) -> int:
    from ui.shell.app import main as app_main

    return app_main(db_url=db_url, open_plan=open_plan)


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:  # plain `splitday`: straight to the window, without building the CLI parser
        try:
            return _start_app(None, False)
        except Exception as exc:  # the boundary: one line, never a traceback
            print(
                tr("splitday: unexpected error: {name}: {exc}").format(
                    name=type(exc).__name__, exc=exc
                ),
                file=sys.stderr,
            )
            return 1
    from planner.cli.main import main as cli_main

    return cli_main(args, start_app=_start_app)


if __name__ == "__main__":
    sys.exit(main())
