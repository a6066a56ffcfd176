"""Render the app icon into a hicolor theme tree: OUT/hicolor/<N>x<N>/apps/<APP_ID>.png.

16 and 24 px come from the pixel-grid variant (…-small.svg), larger sizes from the main SVG.
Uses rsvg-convert when present, else Qt's QSvgRenderer (PySide6 is a dependency anyway).
Usage: python packaging/render_icons.py OUTDIR
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner import APP_ID  # noqa: E402

ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SMALL = 24  # at and below this size the pixel-grid variant is sharper


def source_for(size: int) -> Path:
    name = f"{APP_ID}-small.svg" if size <= SMALL else f"{APP_ID}.svg"
    return ICONS / name


def render_rsvg(svg: Path, size: int, out: Path) -> None:
    subprocess.run(
        ["rsvg-convert", "-w", str(size), "-h", str(size), "-o", str(out), str(svg)], check=True
    )


def render_qt(svg: Path, size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["render_icons", "-platform", "offscreen"])
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    if not image.save(str(out)):
        raise OSError(f"could not write {out}")


def render(out_dir: Path) -> list[Path]:
    render_one = render_rsvg if shutil.which("rsvg-convert") else render_qt
    written = []
    for size in SIZES:
        target = out_dir / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        render_one(source_for(size), size, target)
        written.append(target)
    scalable = out_dir / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICONS / f"{APP_ID}.svg", scalable)
    written.append(scalable)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    files = render(Path(sys.argv[1]))
    print(f"rendered {len(files)} icon files into {sys.argv[1]}/hicolor")
