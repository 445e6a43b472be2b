"""The corpus browser: documents with their status, filterable and searchable.

The model holds only the keys of the documents its filter selects and fetches rows a
page at a time when the view paints them, so a million documents open in well under a
second and scroll without loading the corpus.

Signals (BrowserPanel):
    documentActivated(str): the user chose a document (its id).
"""

from __future__ import annotations

import bisect
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import STATUSES
from annotator.ui.table_model import ColumnsModel

if TYPE_CHECKING:
    from annotator.store import browse
    from annotator.store.corpus import Corpus

ANY_STATUS = "any"
"""The status filter that shows every document (``annotator.store.browse.ANY``; kept here
so that the window can be built before the store, and SQLAlchemy, are imported)."""

CORPUS_ORDER = "corpus"
UNCERTAINTY_ORDER = "uncertainty"
PAGE = 256
_MAX_PAGES = 64
_COLUMNS = ("Document", "Title", "Status", "Spans", "Annotators", "Copies")
COPIES_COLUMN = 5
ALL_DOCUMENTS = "all"
ONLY_COPIES = "copies"
ONE_PER_CLUSTER = "one-per-cluster"
CLUSTER_PREFIX = "cluster:"
"""The near-copies filter (issue 24): every document, only those with near-copies, one
document per cluster (the others hidden), or ``cluster:<id>``: one cluster's documents."""
COPY_MARK = "≈"
_STATUS_COLORS = {
    "todo": None,
    "in_progress": "#e6a700",
    "done": "#2e9d4a",
    "skipped": "#8a8a8a",
}

Index = QModelIndex | QPersistentModelIndex


class DocumentTableModel(ColumnsModel):
    """Documents of a corpus as table rows (id, title, status, spans, annotators)."""

    COLUMNS = _COLUMNS

    def __init__(
        self, corpus: Corpus | None, annotator: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._corpus = corpus  # None until the window has opened its corpus: no rows
        self._annotator = annotator
        self._keys: Sequence[int] = range(0)
        self._pages: OrderedDict[int, list[browse.BrowserRow]] = OrderedDict()
        self._filters: dict[str, str] = {
            "status": ANY_STATUS,
            "search": "",
            "copies": ALL_DOCUMENTS,
        }
        self._clusters: dict[int, Any] = {}  # document key -> its cluster of near-copies
        self._clusters_stamp: tuple[object, ...] | None = None  # what they were read at
        self._order = CORPUS_ORDER
        self._rows: dict[int, int] | None = None  # key -> row, when not in key order
        self.refresh()

    def set_corpus(self, corpus: Corpus, annotator: str) -> None:
        """Show the documents of ``corpus`` (the window opened or switched corpus)."""
        self._corpus = corpus
        self._clusters_stamp = None  # another corpus: its clusters are read anew
        self._annotator = annotator
        self.refresh()

    # -- filtering ---------------------------------------------------------------------------

    def set_filter(
        self, status: str | None = None, search: str | None = None, copies: str | None = None
    ) -> None:
        if status is not None:
            self._filters["status"] = status
        if search is not None:
            self._filters["search"] = search
        if copies is not None:
            self._filters["copies"] = copies
        self.refresh()

    def has_copies(self) -> bool:
        """Whether the corpus has near-copies (found by its imports)."""
        return bool(self._clusters)

    def cluster_of(self, row: int) -> Any:
        """The cluster of near-copies of the document at ``row``, or None."""
        if not 0 <= row < len(self._keys):
            return None
        return self._clusters.get(self._keys[row])

    def _copies_filtered(self, keys: Sequence[int]) -> Sequence[int]:
        wanted = self._filters["copies"]
        if wanted == ALL_DOCUMENTS:
            return keys
        clusters = self._clusters
        if wanted == ONLY_COPIES:
            return array("q", (k for k in keys if k in clusters))
        if wanted == ONE_PER_CLUSTER:
            seen: set[str] = set()
            kept = array("q")
            for key in keys:  # ascending keys: the first document of each cluster stays
                cluster = clusters.get(key)
                if cluster is None or cluster.id not in seen:
                    kept.append(key)
                    if cluster is not None:
                        seen.add(cluster.id)
            return kept
        chosen = wanted.removeprefix(CLUSTER_PREFIX)
        return array("q", (k for k in keys if k in clusters and clusters[k].id == chosen))

    def set_order(self, order: str) -> None:
        """``corpus`` order, or ``uncertainty``: the documents a model is least sure of
        first (its scores for this annotator), then the others in corpus order."""
        self._order = order
        self.refresh()

    def set_annotator(self, annotator: str) -> None:
        self._annotator = annotator
        self.refresh()

    def refresh(self) -> None:
        """Re-run the filter (documents added or statuses changed)."""
        self.beginResetModel()
        if self._corpus is None:
            self._keys = range(0)
            self._pages.clear()
            self.endResetModel()
            return
        from annotator.services import near_copies
        from annotator.store import browse

        stamp = near_copies.stamp(self._corpus)
        if stamp != self._clusters_stamp:  # read again only when the stored pairs changed
            self._clusters = near_copies.clusters_by_key(self._corpus)
            self._clusters_stamp = stamp
        self._keys = self._copies_filtered(
            browse.document_keys(
                self._corpus,
                self._annotator,
                status=self._filters["status"],
                search=self._filters["search"],
            )
        )
        self._rows = None
        if self._order == UNCERTAINTY_ORDER:
            from annotator.store.model_runs import uncertainty_order

            self._keys = uncertainty_order(self._corpus, self._annotator, self._keys)
            self._rows = {key: row for row, key in enumerate(self._keys)}
        self._pages.clear()
        self.endResetModel()

    def refresh_document(self, doc_id: str) -> None:
        """Re-read one document's row after an edit (its status or span count changed)."""
        for number, rows in list(self._pages.items()):
            for i, row in enumerate(rows):
                if row.doc_id == doc_id:
                    del self._pages[number]
                    first = self.index(number * PAGE + i, 0)
                    last = self.index(number * PAGE + i, len(_COLUMNS) - 1)
                    self.dataChanged.emit(first, last)
                    return

    # -- lookups -------------------------------------------------------------------------------

    def row_of(self, doc_id: str) -> int | None:
        """The row of ``doc_id`` under the current filter (keys are in ascending order)."""
        from annotator.store import browse

        if self._corpus is None:
            return None
        key = browse.key_of(self._corpus, doc_id)
        if key is None:
            return None
        if self._rows is not None:
            return self._rows.get(key)
        row = bisect.bisect_left(self._keys, key)
        return row if row < len(self._keys) and self._keys[row] == key else None

    def doc_id(self, row: int) -> str | None:
        return self._row(row).doc_id if 0 <= row < len(self._keys) else None

    def _row(self, row: int) -> browse.BrowserRow:
        number = row // PAGE
        page = self._pages.get(number)
        if page is None:
            from annotator.store import browse

            assert self._corpus is not None  # there are no rows without a corpus
            keys = self._keys[number * PAGE : (number + 1) * PAGE]
            page = browse.document_rows(self._corpus, keys, self._annotator)
            self._pages[number] = page
            while len(self._pages) > _MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[row - number * PAGE]

    # -- QAbstractTableModel -------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self._keys)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._keys):
            return None
        row = self._row(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            cluster = self._clusters.get(self._keys[index.row()])
            values = (
                row.doc_id,
                row.title,
                row.status.replace("_", " "),
                row.spans,
                row.annotators,
                f"{COPY_MARK} {len(cluster.documents)}" if cluster is not None else "",
            )
            return values[column] if 0 <= column < len(values) else None
        if role == Qt.ItemDataRole.ToolTipRole and column == COPIES_COLUMN:
            cluster = self._clusters.get(self._keys[index.row()])
            return _cluster_tip(cluster, row.doc_id) if cluster is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            color = _STATUS_COLORS.get(row.status)
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.ToolTipRole and column in (0, 1):
            return f"{row.doc_id}\n{row.title}" if row.title else row.doc_id
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _cluster_tip(cluster: Any, doc_id: str) -> str:
    low, high = cluster.lowest, cluster.highest
    similarity = f"{low:.2f}" if low == high else f"{low:.2f}–{high:.2f}"
    others = [d for d in cluster.documents if d != doc_id]
    shown = ", ".join(others[:8]) + (f" and {len(others) - 8} more" if len(others) > 8 else "")
    return (
        f"Near-copies (cluster {cluster.id}): {len(cluster.documents)} documents, "
        f"similarity {similarity}\nAlso: {shown}\nCtrl+Shift+C shows them together"
    )


class BrowserPanel(QWidget):
    documentActivated = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, model: DocumentTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.addItem("All statuses", ANY_STATUS)
        for status in STATUSES:
            self.status.addItem(status.replace("_", " ").capitalize(), status)
        self.status.setToolTip("Show documents by your status")
        self.order = QComboBox()
        self.order.setObjectName("documentOrder")
        self.order.addItem("Corpus order", CORPUS_ORDER)
        self.order.addItem("Most uncertain first", UNCERTAINTY_ORDER)
        self.order.setToolTip("Most uncertain first: the documents the model is least sure of")
        # As narrow as the filters above: the dock's width is the documents' list's.
        self.order.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.order.setMinimumContentsLength(6)
        self.copies = QComboBox()
        self.copies.setObjectName("copiesFilter")
        self.copies.addItem("All documents", ALL_DOCUMENTS)
        self.copies.addItem(f"{COPY_MARK} Near-copies only", ONLY_COPIES)
        self.copies.addItem("One per cluster", ONE_PER_CLUSTER)
        self.copies.setToolTip(
            "Near-copies (wire copies) found at import: show them only, or one per cluster; "
            "Ctrl+Shift+C on a document shows its cluster"
        )
        self.copies.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.copies.setMinimumContentsLength(10)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search id or text (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.table = QTableView()
        self.table.setObjectName("documentTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        # Status and spans first after the id, so a narrow dock (1024 px screens) cuts the
        # title rather than what the annotator steers by.
        for column, width in enumerate((100, 150, 78, 46)):
            self.table.setColumnWidth(column, width)
        header = self.table.horizontalHeader()
        header.moveSection(header.visualIndex(2), 1)
        header.moveSection(header.visualIndex(3), 2)
        # The near-copies mark next to them, shown only in a corpus that has copies.
        header.moveSection(header.visualIndex(COPIES_COLUMN), 3)
        self.table.setColumnWidth(COPIES_COLUMN, 44)
        self.table.setColumnHidden(COPIES_COLUMN, True)
        self.count = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(self.status)
        filters.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.copies)
        bottom.addWidget(self.order)
        layout.addLayout(bottom)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._apply_search)
        self.status.currentIndexChanged.connect(self._apply_status)
        self.copies.currentIndexChanged.connect(self._apply_copies)
        # Its key, Ctrl+Shift+C, is the window's (Go menu), so that it works from the text
        # as well; here it is the list's context menu entry.
        self.show_copies = QAction("Show this document's near-copies\tCtrl+Shift+C", self.table)
        self.show_copies.triggered.connect(lambda: self.show_cluster())
        self.table.addAction(self.show_copies)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.order.currentIndexChanged.connect(
            lambda _index: self.model.set_order(str(self.order.currentData()))
        )
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._open_first_match)
        self.search.installEventFilter(self)
        self.table.activated.connect(self._activated)
        self.table.clicked.connect(self._activated)
        model.modelReset.connect(self._update_count)
        self._update_count()

    def select_document(self, doc_id: str) -> None:
        row = self.model.row_of(doc_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Down in the search box goes to the list of matches."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self._apply_search()
            if self.model.rowCount() > 0:
                self.table.setFocus()
                row = max(self.table.currentIndex().row(), 0)
                self.table.selectRow(row)
            return True
        return super().eventFilter(watched, event)

    def _open_first_match(self) -> None:
        """Enter in the search box: search now and open the first match."""
        self._apply_search()
        doc_id = self.model.doc_id(0)
        if doc_id is not None:
            self.table.selectRow(0)
            self.documentActivated.emit(doc_id)

    def show_cluster(self, doc_id: str | None = None) -> bool:
        """Filter the list to the cluster of near-copies of ``doc_id``, or of the list's
        current document (the copies filter's first entry shows every document again).
        False when the document has no near-copies."""
        row = self.table.currentIndex().row() if doc_id is None else self.model.row_of(doc_id)
        cluster = self.model.cluster_of(row) if row is not None else None
        if cluster is None:
            return False
        value = CLUSTER_PREFIX + cluster.id
        at = self.copies.findData(value)
        if at < 0:
            self.copies.addItem(f"{COPY_MARK} Cluster {cluster.id}", value)
            at = self.copies.count() - 1
        self.copies.setCurrentIndex(at)
        if doc_id is not None:
            self.select_document(doc_id)
        return True

    def _apply_copies(self) -> None:
        self.model.set_filter(copies=str(self.copies.currentData()))

    def _apply_status(self) -> None:
        self.model.set_filter(status=str(self.status.currentData()))

    def _apply_search(self) -> None:
        self._debounce.stop()
        self.model.set_filter(search=self.search.text().strip())

    def _activated(self, index: QModelIndex) -> None:
        doc_id = self.model.doc_id(index.row())
        if doc_id is not None:
            self.documentActivated.emit(doc_id)

    def _update_count(self) -> None:
        self.count.setText(f"{self.model.rowCount()} documents")
        # The copies filter only where there are near-copies: the dock stays as narrow.
        has_copies = self.model.has_copies()
        self.copies.setVisible(has_copies or self.copies.currentIndex() > 0)
        self.table.setColumnHidden(COPIES_COLUMN, not has_copies)
