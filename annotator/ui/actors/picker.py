"""The actor picker: type-ahead over the registry's names and aliases.

Opened on a span (Ctrl+Shift+K): the list shows first the actors whose name is the
span's text (the suggested link, preselected), then "New actor «span text»", then every
actor; typing narrows it to the actors whose names or aliases match, then "New actor
«what was typed»". Up and Down move in the list while typing, Enter takes
the highlighted row, Esc cancels; "Remove the link" appears when the span is linked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.actors import Actor, matching_actors, search_actors


@dataclass(frozen=True, slots=True)
class Choice:
    """What the user picked: link to ``actor``, make a new actor named ``name``, or
    remove the link (both None)."""

    actor: Actor | None = None
    name: str | None = None


def _label(actor: Actor) -> str:
    aliases = f" — also {', '.join(actor.aliases[:3])}" if actor.aliases else ""
    kb = f" [{actor.kb_id}]" if actor.kb_id else ""
    return f"{actor.name} ({actor.kind}){kb}{aliases}"


class ActorPicker(QDialog):
    """Choose the actor a span of ``text`` stands for.

    Args:
        text: the span's text (the query at first, and the new actor's name).
        actors: the current actors of the registry.
        linked: the actor the span is linked to now, if any.
    """

    def __init__(
        self,
        text: str,
        actors: Sequence[Actor],
        linked: Actor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link to an actor")
        self.setObjectName("actorPicker")
        self.text = " ".join(text.split())
        self.actors = list(actors)
        self.linked = linked
        self.choice: Choice | None = None
        self.query = QLineEdit()
        self.query.setObjectName("actorQuery")
        self.query.setPlaceholderText("Type a name or an alias…")
        self.list = QListWidget()
        self.list.setObjectName("actorChoices")
        info = f"Now linked to {linked.name}." if linked else "Not linked yet."
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"«{self.text[:80]}» — {info}"))
        layout.addWidget(self.query)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._take)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.query.textEdited.connect(self._fill)
        self.query.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self._take())
        self.resize(460, 360)
        self._fill("")

    def _fill(self, typed: str) -> None:
        """Nothing typed: the suggested actors, "New actor «span text»", then every
        actor. Something typed: the actors it matches, then "New actor «typed»"."""
        self.list.clear()
        shown: set[str] = set()
        if not typed.strip():
            for actor in matching_actors(self.text, self.actors):
                self._add(f"Suggested: {_label(actor)}", Choice(actor))
                shown.add(actor.id)
            if self.text:
                self._add(f"New actor «{self.text}»", Choice(name=self.text))
        for actor in search_actors(typed, self.actors):
            if actor.id not in shown:
                self._add(_label(actor), Choice(actor))
        name = " ".join(typed.split())
        if name:
            self._add(f"New actor «{name}»", Choice(name=name))
        if self.linked is not None:
            self._add(f"Remove the link to {self.linked.name}", Choice())
        self.list.setCurrentRow(0)

    def _add(self, label: str, choice: Choice) -> None:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, choice)
        self.list.addItem(item)

    def _take(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.choice = item.data(Qt.ItemDataRole.UserRole)
        self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Up and Down move in the list while the query keeps the focus; Enter takes."""
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                step = -1 if key == Qt.Key.Key_Up else 1
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._take()
                return True
        return super().eventFilter(watched, event)
