"""The form of the scheme editor: the fields of the layer, label, attribute, relation or
question selected in the editor's tree, each edit applied to the draft at once.

Signals (of :class:`NodeForm`):
    changed(): the node shown was edited (its tree item needs repainting).
    refused(str): an edit was refused (key conflict, malformed colour), with the reason.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.core.scheme import RESERVED_KEYS
from annotator.services.claims import ATTRIBUTION, CLAIMANT, CUE, STANCE
from annotator.ui.scheme_model import Node, Value, swatch

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ValueList(QWidget):
    """Closed values (of an attribute or a question), editable in place (F2), in order."""

    def __init__(self, on_change: Callable[[list[Value]], None]) -> None:
        super().__init__()
        self._on_change = on_change
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        self.list.itemChanged.connect(lambda _item: self._emit())
        self.add = QPushButton("Add &value")
        self.remove = QPushButton("Re&move value")
        self.add.clicked.connect(self.add_value)
        self.remove.clicked.connect(self.remove_value)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.remove)
        buttons.addStretch()
        self.setFocusProxy(self.list)
        self.setMaximumHeight(120)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def show_values(self, values: list[Value]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for value in values:
            item = QListWidgetItem(value.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            item.setData(Qt.ItemDataRole.UserRole, value.original)
            self.list.addItem(item)
        self.list.blockSignals(False)

    def add_value(self) -> None:
        taken = {self.list.item(i).text() for i in range(self.list.count())}
        name = next(f"VALUE{n}" for n in range(1, 1000) if f"VALUE{n}" not in taken)
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.blockSignals(True)
        self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentItem(item)
        self.list.editItem(item)
        self._emit()

    def remove_value(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._emit()

    def _emit(self) -> None:
        self._on_change(
            [
                Value(item.text().strip(), item.data(Qt.ItemDataRole.UserRole))
                for item in (self.list.item(i) for i in range(self.list.count()))
            ]
        )


class NodeForm(QStackedWidget):
    """The fields of the selected node: one page per kind, edits applied at once."""

    changed = Signal()
    refused = Signal(str)

    def __init__(self, labels: Callable[[], list[Node]], layers: Callable[[], list[Node]]) -> None:
        super().__init__()
        self._labels, self._layers = labels, layers
        self.node: Node | None = None
        hint = QLabel("Select a layer, label, attribute, relation or question to edit it.")
        hint.setWordWrap(True)
        self.addWidget(hint)
        self.name = {
            kind: QLineEdit() for kind in ("layer", "label", "attribute", "relation", "question")
        }
        for edit in self.name.values():
            edit.textEdited.connect(self._set_name)
        self.overlap = QCheckBox("Spans of this layer may &overlap")
        self.overlap.toggled.connect(lambda on: self._set(overlap=on))
        self.key = QLineEdit()
        self.key.setMaxLength(1)
        self.key.setPlaceholderText("none")
        self.key.setToolTip("The key that applies this label to the selected text")
        self.key.textEdited.connect(self._set_key)
        self.color = QLineEdit()
        self.color.setPlaceholderText("automatic")
        self.color.editingFinished.connect(lambda: self._set_color(self.color.text().strip()))
        self.choose = QPushButton("C&hoose…")
        self.choose.clicked.connect(self.choose_color)
        self.attribute_values = ValueList(lambda values: self._set(values=values))
        self.head_layers = QListWidget()
        self.head_layers.setMaximumHeight(110)
        self.head_layers.setToolTip("The layers the relation's head spans may come from")
        self.head_layers.itemChanged.connect(lambda: self._set_layers("head_layers"))
        self.child_layers = QListWidget()
        self.child_layers.setMaximumHeight(110)
        self.child_layers.setToolTip("The layers the relation's child spans may come from")
        self.child_layers.itemChanged.connect(lambda: self._set_layers("child_layers"))
        self.question_values = ValueList(lambda values: self._set(values=values))
        self.multi = QCheckBox("Several answers &allowed")
        self.multi.toggled.connect(lambda on: self._set(multi=on))
        colour = QWidget()
        colour.setFocusProxy(self.color)  # the "Colour" label's mnemonic focuses the field
        row = QHBoxLayout(colour)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.color, 1)
        row.addWidget(self.choose)
        self._headings: dict[QWidget, QLabel] = {}
        self._pages = {
            "layer": self._page(("&Name", self.name["layer"]), ("", self.overlap)),
            "label": self._page(
                ("&Name", self.name["label"]), ("&Key", self.key), ("&Colour", colour)
            ),
            "attribute": self._page(
                ("&Name", self.name["attribute"]), ("Val&ues", self.attribute_values)
            ),
            "relation": self._page(
                ("&Name", self.name["relation"]),
                ("&Head layers", self.head_layers),
                ("&Child layers", self.child_layers),
            ),
            "question": self._page(
                ("&Name", self.name["question"]),
                ("Val&ues", self.question_values),
                ("", self.multi),
            ),
        }

    def _page(self, *rows: tuple[str, QWidget]) -> QWidget:
        page = QWidget()
        heading = QLabel()
        heading.setWordWrap(True)
        form = QFormLayout()
        for text, widget in rows:
            form.addRow(text, widget)
        column = QVBoxLayout(page)
        column.addWidget(heading)
        column.addLayout(form)
        column.addStretch()
        self.addWidget(page)
        self._headings[page] = heading
        return page

    def show_node(self, node: Node | None) -> None:
        self.node = None  # no feedback while the fields are filled
        if node is None:
            self.setCurrentIndex(0)
            return
        self.name[node.kind].setText(node.name)
        self.overlap.setChecked(node.overlap)
        self.key.setText(node.key)
        self.color.setText(node.color)
        self._show_swatch(node)
        self.attribute_values.show_values(node.values)
        self.question_values.show_values(node.values)
        self.multi.setChecked(node.multi)
        if node.kind == "relation":
            self._show_relation(node)
        page = self._pages[node.kind]
        self._headings[page].setText(_heading(node))
        self.setCurrentWidget(page)
        self.node = node

    def focus_name(self) -> None:
        if self.node is not None:
            self.name[self.node.kind].setFocus()
            self.name[self.node.kind].selectAll()

    def _show_swatch(self, node: Node) -> None:
        self.choose.setIcon(swatch(node.color) if node.color else QIcon())

    def _show_relation(self, node: Node) -> None:
        layers = self._layers()
        for widget, chosen in (
            (self.head_layers, node.head_layers),
            (self.child_layers, node.child_layers),
        ):
            widget.blockSignals(True)
            widget.clear()
            for lay in layers:
                item = QListWidgetItem(lay.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = any(end is lay for end in chosen)
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                widget.addItem(item)
            widget.blockSignals(False)

    # -- edits -----------------------------------------------------------------------------

    def _set(self, **changes: object) -> None:
        if self.node is None:
            return
        for name, value in changes.items():
            setattr(self.node, name, value)
        self.changed.emit()

    def _set_name(self, text: str) -> None:
        self._set(name=text.strip())

    def _set_key(self, key: str) -> None:
        node = self.node
        if node is None:
            return
        if key in RESERVED_KEYS:
            self._refuse_key(
                node,
                f"Key '{key}' is kept for the window's own commands "
                f"({' '.join(sorted(RESERVED_KEYS))}); choose another.",
            )
            return
        owner = next(
            (lab for lab in self._labels() if key and lab.key == key and lab is not node), None
        )
        if owner is not None:
            where = f"{owner.parent.name}/{owner.name}" if owner.parent else owner.name
            self._refuse_key(node, f"Key '{key}' is already used by {where}; choose another.")
            return
        self._set(key=key)

    def _refuse_key(self, node: Node, message: str) -> None:
        self.key.setText(node.key)
        self.refused.emit(message)

    def _set_color(self, text: str) -> None:
        if self.node is None or text == self.node.color:
            return
        if text and not _COLOR.match(text):
            self.color.setText(self.node.color)
            self.refused.emit(f"Colour '{text}' is not of the form #1f77b4.")
            return
        self._set(color=text)
        self._show_swatch(self.node)

    def choose_color(self) -> None:
        node = self.node
        if node is None:
            return
        chosen = QColorDialog.getColor(
            QColor(node.color or "#808080"), self, f"Colour of {node.name}"
        )
        if chosen.isValid():
            self.color.setText(chosen.name())
            self._set_color(chosen.name())

    def _set_layers(self, end: str) -> None:
        """Store the checked layers as the relation's ``head_layers`` or ``child_layers``."""
        widget = self.head_layers if end == "head_layers" else self.child_layers
        layers = self._layers()
        checked = [
            layers[i]
            for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked and i < len(layers)
        ]
        self._set(**{end: checked})


#: Names the claim tools look for (annotator.services.claims).
RELIED_ON = {
    ("relation", CLAIMANT), ("relation", CUE), ("attribute", STANCE), ("attribute", ATTRIBUTION),
}  # fmt: skip


def _heading(node: Node) -> str:
    """The page title (rich text), with a warning on names the claim tools rely on."""
    if node.kind in ("label", "attribute") and node.parent is not None:
        title = f"{node.kind.capitalize()} of layer {html.escape(node.parent.name)}"
    else:
        kinds = {"layer": "Span layer", "relation": "Relation", "question": "Document question"}
        title = kinds[node.kind]
    if (node.kind, node.original) in RELIED_ON:
        return (
            f"<b>{title}</b><br><small>The claims panel and its keys look for the name "
            f"{node.original}: under another name they will not find it.</small>"
        )
    return f"<b>{title}</b>"
