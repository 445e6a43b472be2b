"""Benchmark (DESIGN §10): the corpus browser over 1,000,000 documents.

Run with ``python3 -m pytest tests/perf/bench_browser.py -m perf -s`` or
``python3 tests/perf/bench_browser.py``.

The corpus is a real corpus file (created by ``Corpus.create``, opened with
``Corpus.open``), filled with ``executemany`` into its schema: a million short articles
with titles, annotation sets of two annotators on a fifth of them in every status, and
spans on some. It is cached in the temporary directory under a name keyed by the schema
version, so it is generated once per machine; its generation is not measured.

Measured, each against a baseline in the same run:

- first paint of a ``QTableView`` over ``DocumentTableModel`` (model and view built,
  shown, events processed, grabbed) against the same view over a model that answers
  from memory (Qt's own cost for a million rows);
- scrolling to the end, the same way;
- the memory the browser adds (resident set size) against the in-memory model's;
- a status filter and a text search, against the same query in raw ``sqlite3``.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView

from annotator.services.corpora import default_scheme
from annotator.store import browse, migrations
from annotator.store.corpus import Corpus
from annotator.ui.browser import DocumentTableModel
from tests.perf.results import print_result

DOCUMENTS = 1_000_000
GENERATOR = 1  # bump when the generated content changes
ANNOTATOR = "alice"
SEARCH = "Oracle"
SIZE = (600, 800)
_BATCH = 50_000


def corpus_file(documents: int = DOCUMENTS) -> Path:
    """The cached benchmark corpus, generated first if needed."""
    folder = Path(tempfile.gettempdir()) / (
        f"annotator-bench-browser-schema{migrations.LATEST}-gen{GENERATOR}-{documents}"
    )
    path = folder / "corpus.annotator"
    done = folder / "complete"
    if not done.exists():
        for stale in folder.parent.glob("annotator-bench-browser-*"):
            shutil.rmtree(stale, ignore_errors=True)  # a half-made or older one: 400 MB
        folder.mkdir(parents=True)
        generate(path, documents)
        done.write_text("generated\n", encoding="utf-8")
    return path


def _sentences() -> list[str]:
    subjects = (
        "Le ministre",
        "La Commission européenne",
        "Marie Dupont",
        "Le réseau social",
        "L'autorité de régulation",
        "Le président",
        "Une porte-parole",
        "Le tribunal",
    )
    verbs = ("a déclaré que", "affirme que", "estime que", "a rappelé que", "conteste que")
    objects = (
        "les données des utilisateurs sont protégées",
        "la réforme sera votée",
        "le marché doit être régulé",
        "les jeunes passent trop de temps en ligne",
        "la transparence des algorithmes progresse",
        "le budget est insuffisant",
    )
    places = ("à Paris", "à Bruxelles", "à Pékin", "à Washington", "à Lyon", "en ligne")
    return [
        f"{s} {v} {o} {p}."
        for s in subjects for v in verbs for o in objects for p in places
    ]  # fmt: skip


def _document_rows(first: int, last: int) -> Iterator[tuple[Any, ...]]:
    """Rows of the documents table for pks ``first`` to ``last``; one in 100 mentions
    the search term in its text."""
    sentences = _sentences()
    count = len(sentences)
    titles = [f'{{"title":"Dépêche {n}: {sentences[n][:40]}"}}' for n in range(count)]
    for pk in range(first, last + 1):
        text = f"{sentences[pk % count]} {sentences[(pk * 7) % count]} Réf. {pk}."
        if pk % 100 == 0:
            text += f" Selon {SEARCH}, rien ne change."
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        yield pk, f"art-{pk:07d}", text, sha, titles[pk % count], "2026-01-01T00:00:00.000+00:00"


_STATUSES = ("todo", "in_progress", "done", "skipped", "done")


def generate(path: Path, documents: int) -> None:
    """A corpus of ``documents`` articles; alice has a set on every 5th, in every
    status, with 3 spans on every 10th article; bob has a set on every 20th."""
    Corpus.create(path, default_scheme()).close()
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA synchronous = OFF")
        db.execute("INSERT INTO annotators (pk, name) VALUES (1, 'alice'), (2, 'bob')")
        stamp = "2026-01-01T00:00:00.000+00:00"
        set_pk = 0
        for first in range(1, documents + 1, _BATCH):
            last = min(first + _BATCH - 1, documents)
            db.executemany(
                "INSERT INTO documents (pk, doc_id, text, text_sha256, meta, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                _document_rows(first, last),
            )
            sets, spans = [], []
            for pk in range(first, last + 1):
                if pk % 5 == 0:
                    set_pk += 1
                    status = _STATUSES[(pk // 5) % len(_STATUSES)]
                    sets.append((set_pk, pk, 1, status, stamp, stamp))
                    if pk % 10 == 0:
                        spans += [
                            (set_pk, f"s{n}", "entity", "ORG", 10 * n, 10 * n + 5) for n in range(3)
                        ]
                if pk % 20 == 0:
                    set_pk += 1
                    sets.append((set_pk, pk, 2, "done", stamp, stamp))
            db.executemany(
                "INSERT INTO annotation_sets (pk, document_pk, annotator_pk, status, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                sets,
            )
            db.executemany(
                "INSERT INTO spans (set_pk, span_id, layer, label, start_offset, end_offset, "
                "attrs, origin, state) VALUES (?, ?, ?, ?, ?, ?, '{}', 'manual', 'accepted')",
                spans,
            )
            db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("ANALYZE")
        db.commit()
    finally:
        db.close()


# -- measuring ------------------------------------------------------------------------------


def rss() -> int:
    """Resident set size of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


Index = QModelIndex | QPersistentModelIndex


class MemoryModel(QAbstractTableModel):
    """The baseline: as many rows as the corpus, answered from a formula, no database."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self._rows = rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else 5

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        row = index.row()
        return (f"art-{row + 1:07d}", f"Dépêche {row}", "todo", 0, 0)[index.column()]


def table(model: QAbstractTableModel) -> QTableView:
    """A table set up as the browser panel sets up its own, shown."""
    view = QTableView()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    view.setModel(model)
    view.resize(*SIZE)
    view.show()
    return view


def _painted(view: QTableView) -> None:
    QApplication.processEvents()
    view.grab()


def _scrolled(view: QTableView) -> None:
    view.scrollToBottom()
    _painted(view)


def _acted(view: QTableView, action: Callable[[], object]) -> Callable[[], None]:
    def act() -> None:
        action()
        _painted(view)

    return act


@dataclass
class Figures:
    rows: int
    first_paint: float = 0.0
    first_paint_base: float = 0.0
    scroll: float = 0.0
    scroll_base: float = 0.0
    memory: int = 0
    memory_base: int = 0
    memory_filtered: int = 0
    queries: dict[str, tuple[float, float, int]] = field(default_factory=dict)


def measure(path: Path) -> Figures:
    corpus = Corpus.open(path)
    try:
        return _measure(corpus)
    finally:
        corpus.close()


def _measure(corpus: Corpus) -> Figures:
    warm = table(MemoryModel(10))  # Qt's one-time costs (fonts, style) land here
    _painted(warm)
    warm.close()
    gc.collect()
    figures = Figures(rows=0)

    before = rss()
    holder: list[Any] = []

    def open_browser() -> None:
        model = DocumentTableModel(corpus, ANNOTATOR)
        holder.extend((model, table(model)))
        _painted(holder[1])

    figures.first_paint = _timed(open_browser)
    model, view = holder
    figures.rows = model.rowCount()
    figures.scroll = _timed(lambda: _scrolled(view))
    last = model.doc_id(figures.rows - 1)
    assert last == f"art-{figures.rows:07d}", f"the last row shows {last}"
    gc.collect()
    figures.memory = rss() - before

    db = sqlite3.connect(f"file:{corpus.path}?mode=ro", uri=True)
    try:
        figures.queries = _queries(model, view, db)
    finally:
        db.close()
    gc.collect()
    figures.memory_filtered = rss() - before
    view.close()

    base_before = rss()
    base_holder: list[Any] = []

    def open_memory() -> None:
        memory_model = MemoryModel(figures.rows)
        base_holder.extend((memory_model, table(memory_model)))
        _painted(base_holder[1])

    figures.first_paint_base = _timed(open_memory)
    base_view = base_holder[1]
    figures.scroll_base = _timed(lambda: _scrolled(base_view))
    gc.collect()
    figures.memory_base = rss() - base_before
    base_view.close()
    return figures


def _queries(
    model: DocumentTableModel, view: QTableView, db: sqlite3.Connection
) -> dict[str, tuple[float, float, int]]:
    """Each browser action and its raw sqlite3 equivalent: (seconds, baseline, rows)."""

    def raw(sql: str, *args: object) -> Callable[[], object]:
        return lambda: db.execute(sql, args).fetchall()

    alice = db.execute("SELECT pk FROM annotators WHERE name = ?", (ANNOTATOR,)).fetchone()[0]
    found: dict[str, tuple[float, float, int]] = {}
    actions: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "filter: status done",
            lambda: model.set_filter(status="done"),
            raw("SELECT document_pk FROM annotation_sets WHERE annotator_pk = ? "
                "AND status = 'done' ORDER BY document_pk", alice),
        ),
        (
            "filter: status todo (no set or todo)",
            lambda: model.set_filter(status="todo"),
            raw("SELECT pk FROM documents WHERE pk NOT IN (SELECT document_pk FROM "
                "annotation_sets WHERE annotator_pk = ? AND status != 'todo') ORDER BY pk",
                alice),
        ),
        (
            f"search: {SEARCH!r} (any status)",
            lambda: model.set_filter(status=browse.ANY, search=SEARCH),
            raw("SELECT pk FROM documents WHERE doc_id LIKE ? OR text LIKE ? ORDER BY pk",
                f"%{SEARCH}%", f"%{SEARCH}%"),
        ),
        (
            "filters cleared",
            lambda: model.set_filter(status=browse.ANY, search=""),
            raw("SELECT pk FROM documents ORDER BY pk"),
        ),
    ]  # fmt: skip
    for name, action, baseline in actions:
        seconds = _timed(_acted(view, action))
        found[name] = (seconds, _timed(baseline), model.rowCount())
    middle = model.doc_id(model.rowCount() // 2) or ""
    found["row_of (select the open document)"] = (
        _timed(lambda: model.row_of(middle)),
        _timed(raw("SELECT pk FROM documents WHERE doc_id = ?", middle)),
        1,
    )
    found["progress (status bar, after each edit)"] = (
        _timed(lambda: browse.progress(model._corpus, ANNOTATOR)),
        _timed(raw("SELECT count(*) FROM documents")),
        1,
    )
    return found


def _row(what: str, seconds: float, ratio: str = "", target: str = "") -> None:
    print(f"  {what:<54} {seconds * 1000:>9.1f} ms  {ratio:>18}  {target}")


def report(figures: Figures) -> None:
    f = figures
    mb = 1024 * 1024
    print(f"\nCorpus browser: {f.rows:,} documents, view {SIZE[0]}x{SIZE[1]}")
    _row("baseline: first paint, in-memory model", f.first_paint_base, "1.00×")
    _row(
        "first paint: DocumentTableModel", f.first_paint,
        f"{f.first_paint / f.first_paint_base:.2f}× baseline", "target ≤ 1 s",
    )  # fmt: skip
    _row("baseline: scroll to the end, in-memory model", f.scroll_base, "1.00×")
    _row(
        "scroll to the end: DocumentTableModel", f.scroll,
        f"{f.scroll / max(f.scroll_base, 1e-6):.2f}× baseline",
    )  # fmt: skip
    print(
        f"  {'memory growth: DocumentTableModel':<54} {f.memory / mb:>9.1f} MB  "
        f"{f.memory_base / mb:>10.1f} MB base  target ≤ 200 MB"
    )
    print(f"  {'memory growth, after the filters below':<54} {f.memory_filtered / mb:>9.1f} MB")
    for name, (seconds, baseline, rows) in f.queries.items():
        _row(f"{name} ({rows:,} rows)", seconds, f"{seconds / max(baseline, 1e-6):.2f}× sqlite3")


def check(path: Path) -> Figures:
    figures = measure(path)
    report(figures)
    f, mb = figures, 1024 * 1024
    work = f"browser over {f.rows:,} documents"
    print_result(
        f"{work}: first paint",
        f"{f.first_paint * 1000:.0f} ms",
        f"{f.first_paint_base * 1000:.0f} ms (in-memory model)",
        f.first_paint / f.first_paint_base if f.first_paint_base else None,
        "≤ 1 s",
        f.first_paint <= 1.0,
    )
    print_result(
        f"{work}: scroll to the end",
        f"{f.scroll * 1000:.0f} ms",
        f"{f.scroll_base * 1000:.0f} ms (in-memory model)",
        f.scroll / max(f.scroll_base, 1e-6),
        "scrolls",
        True,
    )
    growth = max(f.memory, f.memory_filtered)
    print_result(
        f"{work}: memory growth",
        f"{growth / mb:.1f} MB",
        f"{f.memory_base / mb:.1f} MB (in-memory model)",
        None,
        "≤ 200 MB",
        growth <= 200 * mb,
    )
    return figures


@pytest.mark.perf
def test_browse_a_million_documents(qapp: QApplication) -> None:
    figures = check(corpus_file())
    assert figures.rows == DOCUMENTS
    # Loose bounds: these are measurements on a shared machine, not timed unit tests.
    assert figures.first_paint <= 3.0
    assert max(figures.memory, figures.memory_filtered) <= 400 * 1024 * 1024


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    start = time.perf_counter()
    path = corpus_file()
    print(f"corpus: {path} (ready in {time.perf_counter() - start:.1f} s)")
    check(path)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
