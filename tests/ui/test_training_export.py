"""Exporting for spaCy from the window: the alignment audit and snapping, undoable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from annotator.core.model import AnnotationSet, Document, Span
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from annotator.ui.dialogs import ExportDialog
from annotator.ui.main_window import MainWindow
from annotator.ui.training_dialogs import AuditDialog

Open = Callable[..., MainWindow]
TEXT = "Le maire de San\xa0Francisco a parlé. Bytedance répond."


@pytest.fixture
def misaligned_path(tmp_path: Path) -> Path:
    path = tmp_path / "m.annotator"
    start = TEXT.index("Francisco")
    spans = [
        Span("a", "entity", start, start + 5, "LOC", origin="manual"),  # "Franc": mid-token
        Span("b", "entity", TEXT.index("Bytedance"), TEXT.index("Bytedance") + 9, "ORG"),
    ]
    others = []
    for n in range(6):
        text = f"Article {n} : Bytedance répond à Paris."
        start = text.index("Bytedance")
        entity = Span(f"o{n}", "entity", start, start + 9, "ORG", origin="manual")
        others.append(Document(f"d{n + 2}", text, {}, [AnnotationSet("alice", "done", [entity])]))
    with init_corpus(path) as corpus:
        corpus.add_documents(
            [Document("d1", TEXT, {}, [AnnotationSet("alice", "done", spans)]), *others]
        )
    return path


def test_strict_export_shows_the_audit_and_snapping_is_one_undo_step(
    open_window: Open, misaligned_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "train"
    window = open_window(misaligned_path)

    def fill(self: ExportDialog) -> int:
        self.format.setCurrentText("spacy")
        self.out.edit.setText(str(out))
        self.source.setCurrentText("alice")
        return 1

    audits: list[AuditDialog] = []

    def snap(self: AuditDialog) -> int:
        audits.append(self)
        self.expand.click()
        return 1

    messages: list[str] = []
    monkeypatch.setattr(ExportDialog, "exec", fill)
    monkeypatch.setattr(AuditDialog, "exec", snap)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: messages.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: pytest.fail(text))
    window.export_dialog()

    (audit,) = audits
    assert audit.table.rowCount() == 1
    assert audit.table.item(0, 0).text() == "misaligned"
    assert "«Franc»" in audit.table.item(0, 4).text()
    assert (out / "report.json").exists()
    with Corpus.open(misaligned_path) as corpus:
        span = corpus.annotation_set("d1", "alice").span("a")
    assert span is not None and TEXT[span.start : span.end] == "Francisco"
    assert messages[-1].startswith("Snapped 1 spans to token boundaries (expand)")

    window.undo_stack.undo()
    with Corpus.open(misaligned_path) as corpus:
        span = corpus.annotation_set("d1", "alice").span("a")
    assert span is not None and TEXT[span.start : span.end] == "Franc"
    window.undo_stack.redo()
    with Corpus.open(misaligned_path) as corpus:
        span = corpus.annotation_set("d1", "alice").span("a")
    assert span is not None and TEXT[span.start : span.end] == "Francisco"


@pytest.mark.parametrize("include", [False, True])
def test_the_export_dialog_can_include_unfinished_sets(
    open_window: Open,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    include: bool,
):
    import json

    path = tmp_path / "u.annotator"
    documents = []
    for n, status in enumerate(["done", "in_progress"]):
        text = f"Article {n} : Bytedance répond à Paris."
        start = text.index("Bytedance")
        entity = Span(f"o{n}", "entity", start, start + 9, "ORG", origin="manual")
        documents.append(Document(f"d{n}", text, {}, [AnnotationSet("alice", status, [entity])]))
    with init_corpus(path) as corpus:
        corpus.add_documents(documents)
    out = tmp_path / "train"
    window = open_window(path)

    def fill(self: ExportDialog) -> int:
        self.format.setCurrentText("spacy")
        self.out.edit.setText(str(out))
        self.source.setCurrentText("alice")
        self.spacy.dev_fraction.setValue(0.0)
        self.spacy.include_unfinished.setChecked(include)
        return 1

    messages: list[str] = []
    monkeypatch.setattr(ExportDialog, "exec", fill)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: messages.append(text))
    window.export_dialog()

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == (2 if include else 1)
    assert [s["status"] for s in report["skipped"]] == ([] if include else ["in_progress"])
    assert ("Include unfinished sets) takes them" in messages[-1]) is not include
