"""Light and dark themes (Fusion style with a palette of our own)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
STYLE = "Fusion"
STYLE_SET = "annotator-style-set"
"""The application's property saying that its style is already :data:`STYLE`."""


def style_arguments() -> list[str]:
    """Arguments making a new ``QApplication`` start in :data:`STYLE` (mark it with
    :data:`STYLE_SET` then): cheaper before the first paint than ``setStyle``, whose
    answer makes PySide build the Python face of ``QStyle`` and its many enums."""
    return ["-style", STYLE]


def apply_theme(app: QApplication, name: str) -> None:
    """Switch the whole application to the ``light`` or ``dark`` theme."""
    if not app.property(STYLE_SET):
        app.setStyle(STYLE)
        app.setProperty(STYLE_SET, True)
    palette = QPalette()
    if name == "dark":
        colors = {
            QPalette.ColorRole.Window: "#2b2b2b",
            QPalette.ColorRole.WindowText: "#e6e6e6",
            QPalette.ColorRole.Base: "#1e1e1e",
            QPalette.ColorRole.AlternateBase: "#2a2a2a",
            QPalette.ColorRole.Text: "#e6e6e6",
            QPalette.ColorRole.Button: "#353535",
            QPalette.ColorRole.ButtonText: "#e6e6e6",
            QPalette.ColorRole.ToolTipBase: "#3a3a3a",
            QPalette.ColorRole.ToolTipText: "#f0f0f0",
            QPalette.ColorRole.Highlight: "#3d6fb4",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.PlaceholderText: "#8c8c8c",
            QPalette.ColorRole.Link: "#7fb0ff",
        }
    else:
        colors = {
            QPalette.ColorRole.Window: "#f3f3f3",
            QPalette.ColorRole.WindowText: "#1d1d1d",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#f6f6f6",
            QPalette.ColorRole.Text: "#1d1d1d",
            QPalette.ColorRole.Button: "#ececec",
            QPalette.ColorRole.ButtonText: "#1d1d1d",
            QPalette.ColorRole.ToolTipBase: "#ffffe6",
            QPalette.ColorRole.ToolTipText: "#1d1d1d",
            QPalette.ColorRole.Highlight: "#9ec5fe",
            QPalette.ColorRole.HighlightedText: "#000000",
            QPalette.ColorRole.PlaceholderText: "#8c8c8c",
            QPalette.ColorRole.Link: "#1a5fb4",
        }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#8c8c8c"))
    app.setPalette(palette)
