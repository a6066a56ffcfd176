"""Replaces PyInstaller's PySide6 run-time hook on Linux: the same set-up, but lazier.

The stock hook imports PySide6.QtCore at start-up (to register a qt.conf), which maps Qt and
ICU's 31 MB of data into every process, including `splitday interrupt`, the desktop shortcut
that never touches Qt. Here qt.conf is registered right after the app first imports QtCore.
"""


def _pyi_rthook():
    import importlib.abc
    import importlib.util
    import os
    import sys

    from _pyi_rth_utils import qt as qt_rth_utils

    qt_rth_utils.ensure_single_qt_bindings_package("PySide6")
    qt_path = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_path, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt_path, "qml")

    class QtConfAfterQtCore(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "PySide6.QtCore":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            def exec_then_register(module):
                exec_module(module)
                qt_rth_utils.create_embedded_qt_conf("PySide6", qt_path)

            spec.loader.exec_module = exec_then_register
            return spec

    sys.meta_path.insert(0, QtConfAfterQtCore())


_pyi_rthook()
del _pyi_rthook
