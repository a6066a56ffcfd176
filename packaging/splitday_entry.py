"""Entry point of the frozen app: `splitday`, or SPLITDAY_SELF_CHECK=1 for the smoke test."""

from __future__ import annotations

import os
import sys


def _self_check() -> int:
    """SPLITDAY_SELF_CHECK=1: load what the app loads lazily, so a smoke test sees it is bundled."""
    import importlib
    import io

    import kiwisolver
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image
    from sqlalchemy.util._has_cython import HAS_CYEXTENSION

    figure = Figure(figsize=(4, 3), layout="constrained")  # constrained layout uses kiwisolver
    figure.add_subplot().bar(["Support", "Community"], [60, 40])
    png = io.BytesIO()
    FigureCanvasAgg(figure).print_png(png)
    size = Image.open(io.BytesIO(png.getvalue())).size

    from matplotlib import font_manager

    font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    # The chart canvas in the window and the single-instance server (ui/ imports both lazily).
    for name in ("matplotlib.backends.backend_qtagg", "PySide6.QtNetwork"):
        importlib.import_module(name)

    from PySide6.QtCore import QFile, QLibraryInfo

    qt_prefix = QLibraryInfo.path(QLibraryInfo.LibraryPath.PrefixPath)
    if getattr(sys, "frozen", False):
        # The bundled Qt must find itself (qt.conf), not a Qt elsewhere on the machine.
        if not QFile.exists(":/qt/etc/qt.conf"):
            raise SystemExit("self-check failed: no embedded qt.conf")
        if not qt_prefix.startswith(getattr(sys, "_MEIPASS", "")):
            raise SystemExit(f"self-check failed: Qt prefix outside the app: {qt_prefix}")

    from ui.shell.qt_guard import check_bindings, none_refcount_drift

    # The bundled bindings must not leak None (PySide6 6.12.0 on 3.11 aborts the app).
    if reason := check_bindings(calls=5000):
        raise SystemExit(f"self-check failed: {reason}")
    drift = none_refcount_drift(5000)

    # The catalogs, Qt's own translations and the locale data are bundled and load.
    from PySide6.QtCore import QLocale, QTranslator

    from planner.domain import i18n, localefmt

    langs = []
    for lang in i18n.SHIPPED:
        i18n.set_language(lang)
        if i18n.language() != lang or i18n.tr("&Plan my day…") == "&Plan my day…":
            raise SystemExit(f"self-check failed: no {lang} catalog in {i18n.locale_dir()}")
        qt = QTranslator()
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if not qt.load(QLocale(lang), "qtbase", "_", folder):
            raise SystemExit(f"self-check failed: no qtbase_{lang}.qm in {folder}")
        langs.append(lang)
    i18n.set_language(None)
    if localefmt.first_weekday("en_US") != 6 or localefmt.decimal(1.5, 1, "de_DE") != "1,5":
        raise SystemExit("self-check failed: Babel's locale data is missing")

    from planner import APP_ID, __version__

    print(
        f"self-check ok: splitday {__version__} ({APP_ID}); matplotlib {matplotlib.__version__} "
        f"png {size[0]}x{size[1]}; kiwisolver {kiwisolver.__version__}; "
        f"sqlalchemy compiled {HAS_CYEXTENSION}; None refcount drift {drift}/5000; "
        f"Qt prefix {qt_prefix}; catalogs {','.join(langs)} + qtbase; "
        f"MPLCONFIGDIR={matplotlib.get_configdir()}"
    )
    return 0


if __name__ == "__main__":
    if os.environ.get("SPLITDAY_SELF_CHECK"):
        sys.exit(_self_check())
    from ui.shell.launcher import main

    sys.exit(main())
