"""Light and dark: the palette follows the request, and role colours stay legible in both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from planner.services.planning import PALETTE
from ui import geometry, theme


@pytest.fixture
def app(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[QApplication]:
    yield qapp
    monkeypatch.setenv("SPLITDAY_THEME", "light")
    theme.apply(qapp)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_requested_scheme_is_applied(
    app: QApplication, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.setenv("SPLITDAY_THEME", scheme)
    theme.apply(app)
    palette = app.palette()
    assert theme.scheme_of(palette) == scheme
    base = palette.base().color()
    text = palette.text().color()
    contrast = geometry.contrast_ratio(
        (base.red(), base.green(), base.blue()), (text.red(), text.green(), text.blue())
    )
    assert contrast >= 7
    # the warning and now colours read well on the timeline's background
    for colour in (theme.warning_colour(palette), theme.now_colour(palette)):
        ratio = geometry.contrast_ratio(
            (colour.red(), colour.green(), colour.blue()), (base.red(), base.green(), base.blue())
        )
        assert ratio >= 3, (scheme, colour.name(), ratio)
    for role_colour in PALETTE:
        fill = theme.role_fill(role_colour)
        ink = theme.role_text(role_colour)
        ratio = geometry.contrast_ratio(
            (fill.red(), fill.green(), fill.blue()), (ink.red(), ink.green(), ink.blue())
        )
        assert ratio >= 4.5


@pytest.mark.parametrize("base", ["#ffffff", "#1e1f22"])
def test_actual_blocks_keep_legible_text(base: str) -> None:
    from PySide6.QtGui import QColor

    for role_colour in PALETTE:
        fill = theme.blend(QColor(role_colour), QColor(base), 0.7)
        ink = theme.role_text(fill.name())
        ratio = geometry.contrast_ratio(
            (fill.red(), fill.green(), fill.blue()), (ink.red(), ink.green(), ink.blue())
        )
        assert ratio >= 4.5, (role_colour, base, ratio)
