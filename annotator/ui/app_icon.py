"""The application icon, from the PNG sizes shipped in ``annotator/resources/icons``.

Bitmaps rather than the SVG, so that the icon does not depend on Qt's SVG plugin being
bundled; Qt picks the size closest to what a window manager or task bar asks for. The
PNGs are rendered from ``annotator.svg`` by ``packaging/render_icons.py``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def icon_folder() -> Path:
    return Path(str(resources.files("annotator.resources"))) / "icons"


def app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_folder() / f"annotator-{size}.png"))
    return icon
