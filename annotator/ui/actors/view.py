"""The Actors view (F6): who claims what across the corpus.

Left, every actor of the registry with its claims, their stances toward the corpus
target (FAVOR / AGAINST / NONE, and those without one) and the documents it appears in;
right, the chosen actor's claims across documents, each opening its document (Enter or
a double click). Edit (F2: name, kind, aliases, knowledge-base id) and merge go on the
window's undo stack (Ctrl+Z).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.actors import KINDS, Actor
from annotator.core.who_claims import ClaimRecord
from annotator.services import actors as service
from annotator.ui.table_model import ColumnsModel

if TYPE_CHECKING:
    from annotator.ui.actors.controller import ActorsController

Index = QModelIndex | QPersistentModelIndex
STANCES = ("FAVOR", "AGAINST", "NONE")
EVERYONE = "everyone (but gold)"


def _excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ActorsModel(ColumnsModel):
    """One row per actor: name, kind, claims, claims per stance, documents."""

    COLUMNS = ("Actor", "Kind", "Claims", *STANCES, "No stance", "Documents", "KB id")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[service.ActorClaims] = []

    def set_rows(self, rows: list[service.ActorClaims]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        entry, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            stances = entry.stances
            values = (
                entry.actor.name, entry.actor.kind, len(entry.claims),
                *(stances.get(s, 0) for s in STANCES), stances.get("", 0),
                len(entry.documents), entry.actor.kb_id or "",
            )  # fmt: skip
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            aliases = ", ".join(entry.actor.aliases) or "none"
            return (
                f"{entry.actor.name} ({entry.actor.id})\naliases: {aliases}\n"
                f"{entry.mentions} linked spans in {len(entry.documents)} documents"
            )
        return None


class ActorClaimsModel(ColumnsModel):
    """The claims of one actor across documents."""

    COLUMNS = ("Document", "Claim", "Claimant", "Stance", "Annotator")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ClaimRecord] = []

    def set_rows(self, rows: list[ClaimRecord]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        record, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                record.document, _excerpt(record.claim_text, 1000),
                _excerpt(record.claimant_text or "", 40), record.stance or "—", record.annotator,
            )  # fmt: skip
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return " ".join(record.claim_text.split())
        return None


def _table(name: str, model: ColumnsModel, stretch: int) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    for column in range(model.columnCount()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
    return table


class ActorsView(QDialog):
    """Who claims what; see the module docstring.

    Args:
        controller: the window's actors controller (corpus, undo stack, documents).
    """

    def __init__(self, controller: ActorsController) -> None:
        super().__init__(controller.window, Qt.WindowType.Window)
        self.controller = controller
        self.setWindowTitle("Actors — who claims what")
        self.setObjectName("actorsView")
        self.actors = ActorsModel(self)
        self.claims = ActorClaimsModel(self)
        # The name in full (to its contents); the last column takes what room is left.
        self.actor_table = _table("actorsTable", self.actors, self.actors.columnCount() - 1)
        self.claim_table = _table("actorClaimsTable", self.claims, 1)
        self.source = QComboBox()
        self.source.setObjectName("actorsSource")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        edit = QPushButton("&Edit… (F2)")
        merge = QPushButton("&Merge into…")
        for button in (edit, merge):
            button.setAutoDefault(False)  # Enter opens the claim, it presses no button
        top = QHBoxLayout()
        top.addWidget(QLabel("Claims of"))
        top.addWidget(self.source, 1)
        top.addWidget(edit)
        top.addWidget(merge)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.details)
        right_layout.addWidget(self.claim_table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.actor_table)
        split.addWidget(right)
        split.setSizes([600, 560])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.resize(1180, 560)
        edit.clicked.connect(self.edit_actor)
        merge.clicked.connect(self.merge_actor)
        QShortcut(QKeySequence("F2"), self, self.edit_actor)
        undo = QShortcut(QKeySequence.StandardKey.Undo, self)
        undo.activated.connect(controller.window.undo_stack.undo)
        redo = QShortcut(QKeySequence("Ctrl+Shift+Z"), self)
        redo.activated.connect(controller.window.undo_stack.redo)
        self.source.currentIndexChanged.connect(lambda _i: self.refresh())
        self.actor_table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_actor(current.row())
        )
        self.claim_table.activated.connect(self._open_claim)
        self.claim_table.doubleClicked.connect(self._open_claim)

    # -- filling ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read who claims what again, keeping the chosen actor."""
        window = self.controller.window
        names = [EVERYONE, *window.corpus.annotators()]
        chosen = self.source.currentText() or EVERYONE
        if [self.source.itemText(i) for i in range(self.source.count())] != names:
            self.source.blockSignals(True)
            self.source.clear()
            self.source.addItems(names)
            self.source.setCurrentText(chosen if chosen in names else EVERYONE)
            self.source.blockSignals(False)
        source = self.source.currentText()
        annotators = None if source == EVERYONE else [source]
        current = self.current_actor()
        rows = window._run(
            "Reading who claims what",
            lambda progress: service.who_claims_what(window.corpus, annotators, progress),
        )
        self.actors.set_rows(rows or [])
        ids = [row.actor.id for row in self.actors.rows]
        row = ids.index(current.id) if current is not None and current.id in ids else 0
        if ids:
            self.actor_table.selectRow(row)
            self.actor_table.horizontalScrollBar().setValue(0)  # the names in view
            self._show_actor(row)
        else:
            self._show_actor(-1)

    def current_actor(self) -> Actor | None:
        row = self.actor_table.currentIndex().row()
        return self.actors.rows[row].actor if 0 <= row < len(self.actors.rows) else None

    def select_actor(self, name: str) -> bool:
        """Show the actor named ``name``; False when there is none."""
        for row, entry in enumerate(self.actors.rows):
            if entry.actor.name == name:
                self.actor_table.selectRow(row)
                self._show_actor(row)
                return True
        return False

    def _show_actor(self, row: int) -> None:
        if not 0 <= row < len(self.actors.rows):
            self.details.setText("No actor yet: link a claimant with Ctrl+Shift+K")
            self.claims.set_rows([])
            return
        entry = self.actors.rows[row]
        actor, stances = entry.actor, entry.stances
        counts = ", ".join(f"{s} {stances.get(s, 0)}" for s in STANCES)
        if stances.get(""):
            counts += f", no stance {stances['']}"
        extra = f" · {actor.kb_id}" if actor.kb_id else ""
        aliases = f"<br>also: {', '.join(actor.aliases)}" if actor.aliases else ""
        self.details.setText(
            f"<b>{actor.name}</b> ({actor.kind}{extra}) — {len(entry.claims)} claims: {counts}"
            f"<br>in {len(entry.documents)} documents: {', '.join(entry.documents)}{aliases}"
        )
        self.claims.set_rows(entry.claims)

    # -- actions ---------------------------------------------------------------------------

    def _open_claim(self, index: QModelIndex) -> None:
        if not 0 <= index.row() < len(self.claims.rows):
            return
        record = self.claims.rows[index.row()]
        window = self.controller.window
        window.open_document(record.document)
        if record.annotator == window.session.annotator:
            window._select(record.claim.id)
        else:
            window.statusBar().showMessage(
                f"This claim is {record.annotator}'s; you see your own annotations", 6000
            )
        window.activateWindow()

    def edit_actor(self) -> None:
        actor = self.current_actor()
        if actor is None:
            return
        dialog = ActorDialog(actor, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        changed = dialog.actor()
        if changed != actor:
            what = (
                f"Rename {actor.name} to {changed.name}"
                if changed.name != actor.name
                else f"Edit {actor.name}"
            )
            self.controller.change(service.ReplaceActor(changed), what)

    def merge_actor(self) -> None:
        actor = self.current_actor()
        if actor is None:
            return
        others = [a for a in self.controller.current() if a.id != actor.id]
        if not others:
            return
        labels = [f"{a.name} ({a.kind})" for a in others]
        label, ok = QInputDialog.getItem(
            self, "Merge actors", f"Merge {actor.name} into:", labels, 0, False
        )
        if ok and label in labels:
            target = others[labels.index(label)]
            if self.controller.change(
                service.MergeActors(actor.id, target.id), f"Merge {actor.name} into {target.name}"
            ):
                self.select_actor(target.name)


class ActorDialog(QDialog):
    """Name, kind, aliases (one per line or comma-separated) and knowledge-base id."""

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Actor {actor.name}")
        self._actor = actor
        self.name = QLineEdit(actor.name)
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.kind.setCurrentText(actor.kind)
        self.aliases = QLineEdit(", ".join(actor.aliases))
        self.kb_id = QLineEdit(actor.kb_id or "")
        self.kb_id.setPlaceholderText("e.g. a Wikidata id such as Q48938223 (typed, not looked up)")
        form = QFormLayout(self)
        form.addRow("&Name", self.name)
        form.addRow("&Kind", self.kind)
        form.addRow("&Aliases", self.aliases)
        form.addRow("Knowledge-base &id", self.kb_id)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def actor(self) -> Actor:
        from dataclasses import replace

        aliases = tuple(a.strip() for a in self.aliases.text().split(",") if a.strip())
        return replace(
            self._actor,
            name=" ".join(self.name.text().split()),
            kind=self.kind.currentText(),
            aliases=aliases,
            kb_id=self.kb_id.text().strip() or None,
        )
