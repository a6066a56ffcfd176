"""Replaces PyInstaller's matplotlib run-time hook: a lasting font cache instead of a fresh one.

The stock hook points MPLCONFIGDIR at a new temporary directory on every start (right for
onefile builds, whose paths change), so matplotlib rebuilds its font cache each time. A onedir
build's paths stay put, so the cache lives in the per-user cache directory from platformdirs;
matplotlib rebuilds it by itself if the app folder is ever moved. A user's own MPLCONFIGDIR wins.
"""


def _pyi_rthook():
    import os

    if os.environ.get("MPLCONFIGDIR"):
        return
    import platformdirs

    cache = os.path.join(platformdirs.user_cache_dir("splitday", appauthor=False), "matplotlib")
    os.environ["MPLCONFIGDIR"] = cache


_pyi_rthook()
del _pyi_rthook
