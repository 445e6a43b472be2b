"""What the main window shows at its first paint: its frame, before its panels.

The window paints before it builds its panels and opens its corpus (DESIGN §10: startup
to first paint within 1.5× a bare QMainWindow): the panels' modules, the store and
SQLAlchemy take several times what Qt needs to show a window. So that the first paint
already has the window's final layout — and filling it does not move anything — the
shell holds everything that takes room: the menu bar with its menus' titles, the docks
(empty) where the panels go, arranged and restored from the settings, the status bar,
and an empty pane where the article goes. :meth:`MainWindow.fill` then puts the panels
into these docks and the actions into these menus.

This module imports nothing but Qt, on purpose.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMenu, QMenuBar, QWidget

MENU_TITLES = (
    "&File",
    "&Edit",
    "&Go",
    "&Claims",
    "&Document",
    "&Suggestions",
    "&Model",
    "&Review",
    "C&orpus",
    "&View",
    "&Help",
)
"""The menus of the menu bar, in their order (their actions come with the panels)."""

DOCKS = ("Documents", "Labels", "Questions", "Guidelines", "Claims", "Links", "Model", "Review")
"""The docks of the window; a dock's object name is ``dock-<title>``."""


def dock_name(title: str) -> str:
    """The object name of the dock titled ``title`` (it keys the saved window state)."""
    return f"dock-{title.lower()}"


class PrebuiltMenus:
    """The menu bar's ``addMenu``, answering with the menus the shell already made.

    A title the shell did not make gets a new menu, placed before the first shell menu
    not asked for yet, so that menus keep the order in which they are asked for.
    """

    def __init__(self, bar: QMenuBar, titles: tuple[str, ...]) -> None:
        self.bar = bar
        self.waiting: list[tuple[str, QMenu]] = [(title, bar.addMenu(title)) for title in titles]

    def addMenu(self, title: str) -> QMenu:  # noqa: N802 - QMenuBar's name
        for index, (made, menu) in enumerate(self.waiting):
            if made == title:
                del self.waiting[: index + 1]
                return menu
        if not self.waiting:
            return self.bar.addMenu(title)
        menu = QMenu(title, self.bar)
        self.bar.insertMenu(self.waiting[0][1].menuAction(), menu)
        return menu


def build_shell(window: QMainWindow, state: QByteArray | None) -> PrebuiltMenus:
    """Give ``window`` its frame: an empty article pane, the docks placed as the saved
    window ``state`` says (else as a first start shows them), the status bar and the
    menus' titles (the menu bar disabled).

    Returns:
        The menus, for the actions added once the panels are built.
    """
    pane = QFrame()
    pane.setFrameShape(QFrame.Shape.StyledPanel)
    pane.setFrameShadow(QFrame.Shadow.Sunken)
    pane.setBackgroundRole(QPalette.ColorRole.Base)
    pane.setAutoFillBackground(True)
    window.setCentralWidget(pane)
    docks = {}
    for title in DOCKS:
        docks[title] = QDockWidget(title, window)
        docks[title].setObjectName(dock_name(title))
        docks[title].setWidget(QWidget())  # the panel's place, until the panel comes
    # A saved state places docks that are the window's children without them being added
    # first, and so without Qt's enums: PySide builds the Python face of all the ``Qt``
    # namespace's enums at the first use of any (some 20 ms), which can wait.
    if not (state is not None and places_all(state) and window.restoreState(state)):
        _arrange(window, docks)
        if state is not None:
            window.restoreState(state)
    window.statusBar()
    menus = PrebuiltMenus(window.menuBar(), MENU_TITLES)
    window.menuBar().setEnabled(False)  # nothing to act on before the corpus is open
    return menus


def places_all(state: QByteArray) -> bool:
    """Whether a saved window state names every dock of the shell (one saved before a
    dock existed leaves that dock to the arrangement of a first start)."""
    saved = state.data()
    return all(dock_name(title).encode("utf-16-be") in saved for title in DOCKS)


def _arrange(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """The docks as a first start shows them: documents left, labels and questions (with
    the guidelines in a tab) right, claims and links below, review hidden."""
    from PySide6.QtCore import Qt

    areas = {
        "Documents": Qt.DockWidgetArea.LeftDockWidgetArea,
        "Labels": Qt.DockWidgetArea.RightDockWidgetArea,
        "Questions": Qt.DockWidgetArea.RightDockWidgetArea,
        "Guidelines": Qt.DockWidgetArea.RightDockWidgetArea,
    }
    for title, dock in docks.items():
        window.addDockWidget(areas.get(title, Qt.DockWidgetArea.BottomDockWidgetArea), dock)
    window.tabifyDockWidget(docks["Questions"], docks["Guidelines"])
    docks["Questions"].raise_()
    window.resizeDocks([docks["Claims"]], [170], Qt.Orientation.Vertical)
    window.splitDockWidget(docks["Claims"], docks["Links"], Qt.Orientation.Horizontal)
    window.resizeDocks([docks["Claims"], docks["Links"]], [700, 420], Qt.Orientation.Horizontal)
    window.tabifyDockWidget(docks["Links"], docks["Model"])
    docks["Links"].raise_()
    docks["Review"].hide()
