"""Render the application icon's PNG sizes from its SVG.

The SVG (``resources/icons/annotator.svg``) is the source; the PNGs beside it
are generated and committed, because the window, the Linux icon theme and PyInstaller's
Windows/macOS icon conversion all want bitmaps and none of them should need an SVG
renderer at install time. Rerun this after editing the SVG::

    QT_QPA_PLATFORM=offscreen python3 packaging/render_icons.py

It uses Qt's own SVG renderer (QtSvg, part of PySide6-Essentials), so it needs nothing
beyond the project's dependencies.
"""

from __future__ import annotations

import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SOURCE = ICONS / "annotator.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def png_path(size: int, folder: Path = ICONS) -> Path:
    return folder / f"annotator-{size}.png"


def render(
    source: Path = SOURCE, folder: Path = ICONS, sizes: tuple[int, ...] = SIZES
) -> list[Path]:
    """Write ``annotator-SIZE.png`` into ``folder`` for each size; the files written."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"{source}: Qt cannot read this SVG")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = png_path(size, folder)
        if not image.save(str(target)):
            raise SystemExit(f"{target}: cannot write the PNG")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in render():
        print(f"wrote {path}")
