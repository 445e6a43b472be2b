"""The scheme being edited, as plain data (:class:`SchemeDraft`), and the item model that
shows it in the editor's tree (:class:`SchemeTreeModel`).

Each node remembers the name it had in the corpus scheme (``original``, None when added
in the editor), so that a rename, whose annotations follow, is told apart from a
deletion and an addition. Relations refer to layer nodes rather than names, so that a
renamed layer stays in its relations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap

from annotator.core.scheme import Scheme
from annotator.core.scheme_change import Rename, RenameKind

AnyIndex = QModelIndex | QPersistentModelIndex
GROUPS = {"layer": "Span layers", "relation": "Relations", "question": "Document questions"}


@dataclass(eq=False)
class Value:
    """A value of an attribute or a question; ``original`` as in :class:`Node`."""

    name: str
    original: str | None = None


@dataclass(eq=False)
class Node:
    """One editable thing of the scheme; which fields matter depends on ``kind``.

    ``parent`` is the node above in the tree: a group for layers, relations and
    questions, the layer for labels and attributes.
    """

    kind: str  # group, layer, label, attribute, relation, question (root: the tree's root)
    name: str
    original: str | None = None
    parent: Node | None = None
    items: list[Node] = field(default_factory=list)
    key: str = ""
    color: str = ""
    overlap: bool = False
    values: list[Value] = field(default_factory=list)
    head_layers: list[Node] = field(default_factory=list)
    child_layers: list[Node] = field(default_factory=list)
    multi: bool = False

    def add(self, node: Node) -> Node:
        node.parent = self
        self.items.append(node)
        return node


class SchemeDraft:
    """An editable copy of a scheme, which :meth:`build` turns back into a checked one."""

    def __init__(self, scheme: Scheme) -> None:
        self.base = scheme
        self.root = Node("root", "")
        self.groups = {kind: self.root.add(Node("group", title)) for kind, title in GROUPS.items()}
        layers: dict[str, Node] = {}
        for lay in scheme.span_layers:
            layer = self.groups["layer"].add(Node("layer", lay.name, lay.name, overlap=lay.overlap))
            layers[lay.name] = layer
            for lab in lay.labels:
                layer.add(
                    Node("label", lab.name, lab.name, key=lab.key or "", color=lab.color or "")
                )
            for att in lay.attributes:
                values = [Value(v, v) for v in att.values]
                layer.add(Node("attribute", att.name, att.name, values=values))
        for rel in scheme.relations:
            heads = [layers[name] for name in rel.head]
            children = [layers[name] for name in rel.child]
            node = Node("relation", rel.name, rel.name, head_layers=heads, child_layers=children)
            self.groups["relation"].add(node)
        for q in scheme.questions:
            values = [Value(v, v) for v in q.values]
            self.groups["question"].add(
                Node("question", q.name, q.name, values=values, multi=q.multi)
            )

    def layers(self) -> list[Node]:
        return list(self.groups["layer"].items)

    def labels(self) -> list[Node]:
        return [n for layer in self.layers() for n in layer.items if n.kind == "label"]

    def nodes(self) -> list[Node]:
        """Every node below the groups, in tree order."""
        found = []
        for group in self.groups.values():
            for node in group.items:
                found.append(node)
                found.extend(node.items)
        return found

    def free_name(self, parent: Node, base: str) -> str:
        taken = {n.name for n in parent.items}
        return next(f"{base}{n or ''}" for n in range(0, 1000) if f"{base}{n or ''}" not in taken)

    def default_color(self, label: Node) -> str:
        """The colour a label without its own gets (as the window assigns it)."""
        layer = label.parent.original if label.parent else None
        return self.base.color_of(layer or "", label.original or "")

    def relations_without(self, layer: Node) -> list[Node]:
        """Drop ``layer`` from every relation; return the relations left without an end."""
        orphans = []
        for rel in self.groups["relation"].items:
            rel.head_layers = [h for h in rel.head_layers if h is not layer]
            rel.child_layers = [c for c in rel.child_layers if c is not layer]
            if not rel.head_layers or not rel.child_layers:
                orphans.append(rel)
        return orphans

    def build(self, language: str, target: str) -> tuple[Scheme, tuple[Rename, ...]]:
        """The scheme as edited and the renames made, checked like a scheme file.

        Raises:
            SchemeError: a name, key, colour or value is invalid or given twice.
        """
        renames: list[Rename] = []
        layers = []
        for layer in self.layers():
            labels, attributes = [], []
            for node in layer.items:
                if node.kind == "label":
                    item = {"name": node.name, "key": node.key, "color": node.color}
                    labels.append({k: v for k, v in item.items() if v})
                    renames += _renames("label", node, (layer.original,))
                else:
                    attributes.append({"name": node.name, "values": [v.name for v in node.values]})
                    renames += _renames("attribute", node, (layer.original,))
                    renames += _value_renames(
                        "attribute_value", node, (layer.original, node.original)
                    )
            entry: dict[str, Any] = {"name": layer.name, "overlap": layer.overlap, "labels": labels}
            if attributes:
                entry["attributes"] = attributes
            layers.append(entry)
            renames += _renames("layer", layer, ())
        relations = []
        for rel in self.groups["relation"].items:
            heads = [h.name for h in rel.head_layers]
            children = [c.name for c in rel.child_layers]
            relations.append({"name": rel.name, "head": heads, "child": children})
            renames += _renames("relation", rel, ())
        questions = []
        for q in self.groups["question"].items:
            values = [v.name for v in q.values]
            questions.append({"name": q.name, "values": values, "multi": q.multi})
            renames += _renames("question", q, ())
            renames += _value_renames("question_value", q, (q.original,))
        data = {
            **self.base.to_dict(),
            "language": language,
            "target": target,
            "span_layers": layers,
            "relations": relations,
            "questions": questions,
        }
        return Scheme.from_dict(data, source="the edited scheme"), tuple(renames)


def _renames(kind: RenameKind, node: Node, within: tuple[str | None, ...]) -> list[Rename]:
    """A rename of ``node`` if it existed in the corpus scheme and its name changed."""
    parents = tuple(name for name in within if name is not None)
    if node.original is None or node.name == node.original or len(parents) < len(within):
        return []
    return [Rename(kind, node.original, node.name, parents)]


def _value_renames(kind: RenameKind, node: Node, within: tuple[str | None, ...]) -> list[Rename]:
    """Renames of the values of ``node`` that existed in the corpus scheme."""
    parents = tuple(name for name in within if name is not None)
    if len(parents) < len(within):
        return []
    return [
        Rename(kind, v.original, v.name, parents)
        for v in node.values
        if v.original is not None and v.name != v.original
    ]


def swatch(color: str, size: int = 14) -> QIcon:
    """A small square of ``color``, as labels are highlighted in the document."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class SchemeTreeModel(QAbstractItemModel):
    """The draft as a tree: groups, then layers (with labels and attributes), relations and
    questions; columns name, key and details. Edits go through :meth:`insert`,
    :meth:`remove` and :meth:`refresh`, which tell the views."""

    COLUMNS = ("Name", "Key", "Details")

    def __init__(self, draft: SchemeDraft) -> None:
        super().__init__()
        self.draft = draft

    def node(self, index: AnyIndex) -> Node:
        node = index.internalPointer() if index.isValid() else self.draft.root
        assert isinstance(node, Node)
        return node

    def index_of(self, node: Node, column: int = 0) -> QModelIndex:
        if node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.items.index(node), column, node)

    # -- QAbstractItemModel ----------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008 - Qt's signature
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self.node(parent).items[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self.node(index).parent
        return QModelIndex() if parent is None else self.index_of(parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.column() > 0 else len(self.node(parent).items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return len(self.COLUMNS)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node, column = self.node(index), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (node.name, node.key, self._details(node))[column]
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and node.kind == "label":
            return swatch(node.color or self.draft.default_color(node))
        if role == Qt.ItemDataRole.FontRole and node.kind in ("group", "attribute"):
            font = QFont()
            font.setBold(node.kind == "group")
            font.setItalic(node.kind == "attribute")
            return font
        return None

    def _details(self, node: Node) -> str:
        if node.kind == "label":
            return node.color or "automatic colour"
        if node.kind == "layer":
            return "overlaps allowed" if node.overlap else "no overlaps"
        if node.kind == "relation":
            heads = ", ".join(h.name for h in node.head_layers) or "?"
            return f"{heads} → {', '.join(c.name for c in node.child_layers) or '?'}"
        if node.kind in ("attribute", "question"):
            kind = "attribute, values: " if node.kind == "attribute" else ""
            several = " (several answers)" if node.multi else ""
            return kind + ", ".join(v.name for v in node.values) + several
        return ""

    # -- edits -----------------------------------------------------------------------------

    def insert(self, parent: Node, node: Node) -> QModelIndex:
        row = len(parent.items)
        self.beginInsertRows(self.index_of(parent), row, row)
        parent.add(node)
        self.endInsertRows()
        return self.index_of(node)

    def remove(self, node: Node) -> None:
        parent = node.parent
        assert parent is not None
        row = parent.items.index(node)
        self.beginRemoveRows(self.index_of(parent), row, row)
        parent.items.pop(row)
        self.endRemoveRows()

    def refresh(self) -> None:
        """Repaint every row (a layer's new name shows in the relations that use it)."""
        for node in self.draft.nodes():
            self.dataChanged.emit(self.index_of(node), self.index_of(node, len(self.COLUMNS) - 1))
