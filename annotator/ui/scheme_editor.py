"""The scheme editor: layers, labels, keys, colours, attributes, relations, questions, target.

The dialog edits a copy and applies nothing: when accepted, :meth:`SchemeEditorDialog.change`
is a :class:`~annotator.core.scheme_change.SchemeChange` (the new scheme and the renames
the user made), which the window applies through
:func:`annotator.store.scheme_changes.apply_scheme_change` inside an undoable
:class:`~annotator.ui.commands.SchemeCommand`. Before accepting, the dialog counts what
the change would remove from existing annotations and asks.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import SchemeError
from annotator.core.scheme_change import SchemeChange
from annotator.services.progress import Cancelled
from annotator.store.corpus import Corpus
from annotator.store.scheme_changes import impact
from annotator.ui.scheme_model import Node, SchemeDraft, SchemeTreeModel, Value
from annotator.ui.scheme_pages import NodeForm
from annotator.ui.worker import run_with_progress


class SchemeEditorDialog(QDialog):
    """Edit the corpus scheme; :meth:`change` holds the result once accepted."""

    def __init__(self, corpus: Corpus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit scheme")
        self.corpus = corpus
        self.scheme = corpus.scheme
        self._change: SchemeChange | None = None
        self.draft = SchemeDraft(self.scheme)
        self.model = SchemeTreeModel(self.draft)
        self.target = QLineEdit(self.scheme.target)
        self.target.setToolTip("What claims and documents take a stance toward")
        self.language = QLineEdit(self.scheme.language)
        self.language.setMaxLength(3)
        self.language.setToolTip("Language code of the texts (tokenization), e.g. fr")
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setColumnWidth(0, 200)
        self.tree.setColumnWidth(1, 40)
        self.form = NodeForm(self.draft.labels, self.draft.layers)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")
        self.add_layer = QPushButton("Add la&yer")
        self.add_label = QPushButton("Add &label")
        self.add_attribute = QPushButton("Add attri&bute")
        self.add_relation = QPushButton("Add &relation")
        self.add_question = QPushButton("Add &question")
        self.delete = QPushButton("&Delete")
        self.delete.setToolTip("Delete the selected item (Del)")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._build_layout()
        self.add_layer.clicked.connect(self._add_layer)
        self.add_label.clicked.connect(lambda: self._add_to_layer("label", "NEW"))
        self.add_attribute.clicked.connect(lambda: self._add_to_layer("attribute", "attribute"))
        self.add_relation.clicked.connect(self._add_relation)
        self.add_question.clicked.connect(self._add_question)
        self.delete.clicked.connect(self.delete_selected)
        QShortcut(QKeySequence.StandardKey.Delete, self.tree, self.delete_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)  # fmt: skip
        self.tree.selectionModel().currentChanged.connect(lambda index, _old: self._show(index))
        self.form.changed.connect(self._node_changed)
        self.form.refused.connect(self.refuse)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tree.expandAll()
        first = self.draft.layers()[:1] or [self.draft.groups["layer"]]
        self.select(first[0])
        self.resize(860, 560)

    def _build_layout(self) -> None:
        top = QFormLayout()
        top.addRow("&Target", self.target)
        top.addRow("Lan&guage", self.language)
        actions = QHBoxLayout()
        for button in (
            self.add_layer, self.add_label, self.add_attribute, self.add_relation,
            self.add_question, self.delete,
        ):  # fmt: skip
            actions.addWidget(button)
        actions.addStretch()
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.tree, 1)
        column.addLayout(actions)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.form)
        splitter.setSizes([540, 320])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    # -- selection -------------------------------------------------------------------------

    def node(self, kind: str, name: str, layer: str | None = None) -> Node:
        """A node by its current name (a label's or attribute's layer may be given)."""
        for node in self.draft.nodes():
            in_layer = layer is None or (node.parent is not None and node.parent.name == layer)
            if node.kind == kind and node.name == name and in_layer:
                return node
        raise KeyError(f"no {kind} {name!r} in the editor")

    def select(self, node: Node) -> None:
        self.tree.setCurrentIndex(self.model.index_of(node))

    def current(self) -> Node | None:
        node = self.model.node(self.tree.currentIndex())
        return None if node.kind in ("root", "group") else node

    def _show(self, _index: QModelIndex) -> None:
        node = self.current()
        self.form.show_node(node)
        has_layer = self._current_layer() is not None
        self.add_label.setEnabled(has_layer)
        self.add_attribute.setEnabled(has_layer)
        self.delete.setEnabled(node is not None)

    def _current_layer(self) -> Node | None:
        node = self.current()
        if node is None or node.kind not in ("layer", "label", "attribute"):
            return None
        return node if node.kind == "layer" else node.parent

    def _node_changed(self) -> None:
        self.message.clear()
        self.model.refresh()

    # -- adding and deleting -------------------------------------------------------------------

    def _add(self, parent: Node, node: Node) -> None:
        node.name = self.draft.free_name(parent, node.name)
        index = self.model.insert(parent, node)
        self.tree.expand(index.parent())
        self.tree.setCurrentIndex(index)
        self.form.focus_name()

    def _add_layer(self) -> None:
        self._add(self.draft.groups["layer"], Node("layer", "new_layer", overlap=True))

    def _add_to_layer(self, kind: str, name: str) -> None:
        layer = self._current_layer()
        if layer is not None:
            values = [Value("VALUE1")] if kind == "attribute" else []
            self._add(layer, Node(kind, name, values=values))

    def _add_relation(self) -> None:
        layers = self.draft.layers()
        if not layers:
            self.refuse("Add a span layer first: a relation links spans of layers.")
            return
        relation = Node("relation", "RELATION", head_layers=[layers[0]], child_layers=[layers[0]])
        self._add(self.draft.groups["relation"], relation)

    def _add_question(self) -> None:
        question = Node("question", "question", values=[Value("YES"), Value("NO")])
        self._add(self.draft.groups["question"], question)

    def delete_selected(self) -> None:
        """Delete the selected node; a deleted layer leaves its relations (emptied ones go)."""
        node = self.current()
        if node is None or node.parent is None:
            return
        if node.kind == "layer":
            for relation in self.draft.relations_without(node):
                self.model.remove(relation)
        parent = node.parent
        self.model.remove(node)
        self.tree.setCurrentIndex(self.model.index_of(parent))
        self._node_changed()

    def refuse(self, message: str) -> None:
        """Show why an edit was refused, next to the buttons."""
        self.message.setText(message)
        QApplication.beep()

    # -- the result ----------------------------------------------------------------------------

    def accept(self) -> None:
        """Check the scheme, count what it would remove, ask, then close with the change."""
        try:
            scheme, renames = self.draft.build(
                self.language.text().strip(), self.target.text().strip()
            )
            found = run_with_progress(
                self,
                "Counting the annotations the change affects",
                lambda progress: impact(self.corpus, scheme, renames, progress),
            )
        except SchemeError as error:
            self.refuse(str(error))
            return
        except Cancelled:
            return
        if found.problems:
            self.refuse("The annotations cannot follow: " + "; ".join(found.problems[:3]))
            return
        if found.removes_anything():
            lines = "\n".join(f"  • {line}" for line in found.removals())
            question = (
                f"This change removes these annotations:\n{lines}\n\n"
                "You can undo it afterwards (Edit > Undo). Apply it?"
            )
            answer = QMessageBox.question(
                self, "Remove annotations?", question,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return
        unchanged = scheme == self.scheme and not renames
        self._change = None if unchanged else SchemeChange(scheme, renames)
        super().accept()

    def change(self) -> SchemeChange | None:
        """The change made, once accepted; None if cancelled or nothing changed."""
        return self._change if self.result() == QDialog.DialogCode.Accepted else None
