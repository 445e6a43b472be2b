"""The application icon, from the PNG sizes in ``resources/icons`` (shipped as package data).

Bitmaps rather than the SVG, so that the icon does not depend on Qt's SVG plugin being
bundled; Qt picks the size closest to what a window manager or task bar asks for. The
PNGs are rendered from ``annotator.svg`` by ``packaging/render_icons.py``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from annotator.resources import resource_path

ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def icon_folder() -> Path:
    return resource_path("icons")


def app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_folder() / f"annotator-{size}.png"))
    return icon
