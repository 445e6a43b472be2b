"""Links of every scheme relation, from the keyboard and the mouse.

Keyboard: Ctrl+K on a selected span offers the relations that start from its layer
(a number picks one when there are several), then the target is chosen as a claimant
is: a click on a span, Tab to one and Enter, or a text selection and a label key
(which creates the span); Esc cancels. In the links panel, F2 changes a link's relation
and Delete removes it. Mouse: the context menu of a span (link from it, change or
remove its links) and of a row of the panel. Every change is one undoable edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from annotator.core.model import Relation
from annotator.ui.relations.panel import LinksPanel

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow


class RelationsController:
    """Owns the links panel and the link commands of one window.

    Args:
        window: the main window (its session, ``do``, selection and status bar).
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.panel = LinksPanel()
        self.choosing: tuple[list[str], Callable[[str], None]] | None = None
        self.panel.linkChosen.connect(self._show_link)
        self.panel.removeRequested.connect(self.remove)
        self.panel.relabelRequested.connect(self.relabel)

    # -- what the window calls -----------------------------------------------------------

    def refresh(self) -> None:
        session = self.window.session
        text = session.document.text if session.document else ""
        self.panel.show_links(text, session.aset.spans, session.aset.relations)

    def handle_key(self, key: str) -> bool:
        """A number while a relation is being chosen picks it; True when the key was used."""
        if self.choosing is None:
            return False
        names, then = self.choosing
        if key.isdigit() and 1 <= int(key) <= len(names):
            self.choosing = None
            then(names[int(key) - 1])
        else:
            self.window.statusBar().showMessage(self._offer(names), 8000)
        return True

    def cancel(self) -> bool:
        if self.choosing is None:
            return False
        self.choosing = None
        self.window.statusBar().showMessage("Cancelled", 3000)
        return True

    # -- commands ------------------------------------------------------------------------

    def link_selected(self) -> None:
        """Ctrl+K: link the selected span by a relation of the scheme, then pick the target."""
        span = self.window.selected
        if span is None:
            self.window.statusBar().showMessage("Select the span to link from first", 5000)
            return
        names = self.window.session.relations_from(span.id)
        if not names:
            self.window.statusBar().showMessage(
                f"No relation of the scheme starts from a {span.layer} span", 5000
            )
            return
        if len(names) == 1:
            self.start(names[0], span.id)
            return
        self.choosing = (names, lambda name: self.start(name, span.id))
        self.window.statusBar().showMessage(self._offer(names))

    def start(self, relation: str, head_id: str) -> None:
        """Wait for the target of a ``relation`` link from ``head_id``."""
        self.window.picking = (relation, head_id)
        self.window.view.clear_selection()
        self.window._show_links()
        self.window.statusBar().showMessage(
            f"Choose the target of {relation}: click a span, Tab to one and press Enter, or "
            "select text and press a label key; Esc cancels"
        )

    def relabel(self, relation: Relation) -> None:
        names = self.window.session.relabel_choices(relation)
        if not names:
            self.window.statusBar().showMessage(
                f"No other relation of the scheme joins these two spans ({relation.label})", 5000
            )
            return
        if len(names) == 1:
            self._relabel_to(relation, names[0])
            return
        self.choosing = (names, lambda name: self._relabel_to(relation, name))
        self.window.statusBar().showMessage(self._offer(names, verb="Change to"))

    def remove(self, relation: Relation) -> None:
        edit = self.window._try_edit(lambda: self.window.session.unlink_edit(relation))
        if edit is not None:
            self.window.do(edit, f"Remove {relation.label} link")

    def span_menu(self, span_id: str) -> QMenu:
        """The context menu of a span: link from it, change or remove its links."""
        session = self.window.session
        menu = QMenu(self.window)
        names = session.relations_from(span_id)
        if names:
            link = menu.addMenu("Link from this span as")
            for name in names:
                link.addAction(name).triggered.connect(_slot(self._start_from, name, span_id))
        touching = [r for r in session.aset.relations if span_id in (r.head, r.child)]
        for relation in touching:
            title = (
                f"«{self.panel.model.text_of(relation.head)[:30]}» {relation.label} "
                f"«{self.panel.model.text_of(relation.child)[:30]}»"
            )
            sub = menu.addMenu(title)
            for name in session.relabel_choices(relation):
                change = sub.addAction(f"Change to {name}")
                change.triggered.connect(_slot(self._relabel_to, relation, name))
            sub.addAction("Remove this link").triggered.connect(_slot(self.remove, relation))
        if menu.isEmpty():
            nothing = menu.addAction("No link can start from this span")
            nothing.setEnabled(False)
        return menu

    def show_span_menu(self, span_id: str, where: QPoint) -> None:
        self.span_menu(span_id).exec(where)

    # -- inside ------------------------------------------------------------------------------

    def _start_from(self, relation: str, head_id: str) -> None:
        self.window._select(head_id)
        self.start(relation, head_id)

    def _relabel_to(self, relation: Relation, label: str) -> None:
        edit = self.window._try_edit(lambda: self.window.session.relabel_link_edit(relation, label))
        if edit is not None:
            self.window.do(edit, f"Change {relation.label} to {label}")

    def _show_link(self, relation: Relation) -> None:
        self.window._select(relation.head)

    @staticmethod
    def _offer(names: list[str], verb: str = "Link as") -> str:
        choices = ", ".join(f"{i} {name}" for i, name in enumerate(names, 1))
        return f"{verb}: {choices} — press its number; Esc cancels"


def _slot(work: Callable[..., None], *args: object) -> Callable[..., None]:
    """A slot for ``triggered`` that calls ``work(*args)`` whatever the signal passes."""

    def run(*_signal: object) -> None:
        work(*args)

    return run
