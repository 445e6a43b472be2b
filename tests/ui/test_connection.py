"""Two windows on one document, and a corpus that stops answering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from annotator.core.errors import (
    ConnectionLost,
    CorpusDamaged,
    CorpusReadOnly,
    DiskFull,
    ServerBusy,
    StorageError,
)
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]


def label(window: MainWindow, needle: str, key: str) -> None:
    drag_select(window, *find_in_view(window, needle))
    QTest.keyClicks(window.view, key)


def stored(path: Path, doc_id: str) -> list[str]:
    with Corpus.open(path) as corpus:
        text = corpus.document(doc_id).text
        return sorted(text[s.start : s.end] for s in corpus.annotation_set(doc_id, "alice").spans)


def test_two_windows_of_one_annotator_never_overwrite_each_other(
    open_window: Open, seeded_path: Path
):
    first = open_window(seeded_path)
    second = open_window(seeded_path)
    doc_id = first.session.document.id  # type: ignore[union-attr]
    label(first, "Bytedance", "o")
    # The second window still shows the document as it was: its edit is refused, the
    # document reloaded (with the first window's span), nothing lost.
    label(second, "Oracle", "o")
    assert stored(seeded_path, doc_id) == ["Bytedance"]
    assert "changed in another window" in second.statusBar().currentMessage()
    assert [s.label for s in second.session.aset.spans] == ["ORG"]
    label(second, "Oracle", "o")
    assert stored(seeded_path, doc_id) == ["Bytedance", "Oracle"]


def test_an_edit_made_while_the_corpus_is_unreachable_is_kept_and_saved_on_reconnect(
    open_window: Open, seeded_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    doc_id = window.session.document.id  # type: ignore[union-attr]
    real_apply = Corpus.apply_edit
    down = {"apply": True, "pings": 2}

    def apply_edit(self: Corpus, *args: object, **kwargs: object) -> object:
        if down["apply"]:
            down["apply"] = False
            raise ConnectionLost("the server closed the connection")
        return real_apply(self, *args, **kwargs)  # type: ignore[arg-type]

    def reconnect(self: Corpus) -> None:
        if down["pings"]:
            down["pings"] -= 1
            raise ConnectionLost("no answer")

    monkeypatch.setattr(Corpus, "apply_edit", apply_edit)
    monkeypatch.setattr(Corpus, "reconnect", reconnect)
    window.reconnect_timer.setInterval(20)
    label(window, "Bytedance", "o")
    assert window.offline is not None
    assert "offline" in window.connection_label.text()
    assert stored(seeded_path, doc_id) == []
    label(window, "Oracle", "o")  # refused while offline, nothing else is queued
    assert "Offline" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.offline is None, timeout=5000)
    assert stored(seeded_path, doc_id) == ["Bytedance"]
    assert window.connection_label.text() == ""
    assert [s.label for s in window.session.aset.spans] == ["ORG"]
    window.undo_stack.undo()
    assert stored(seeded_path, doc_id) == []


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (DiskFull("corpus.annotator: the disk is full; free some space, then retry"), "disk full"),
        (CorpusReadOnly("corpus.annotator: read-only; make it writable"), "corpus read-only"),
        (CorpusDamaged("corpus.annotator: damaged; annotator restore …"), "corpus damaged"),
        (ServerBusy("the server is busy; retrying"), "server busy"),
    ],
)
def test_a_store_error_is_shown_with_what_to_do_and_the_edit_is_saved_when_possible(
    open_window: Open,
    seeded_path: Path,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    error: StorageError,
    shown: str,
):
    window = open_window(seeded_path)
    doc_id = window.session.document.id  # type: ignore[union-attr]
    real_apply = Corpus.apply_edit
    failing = {"times": 3}  # the first try and two retries fail

    def apply_edit(self: Corpus, *args: object, **kwargs: object) -> object:
        if failing["times"]:
            failing["times"] -= 1
            raise error
        return real_apply(self, *args, **kwargs)  # type: ignore[arg-type]

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    monkeypatch.setattr(Corpus, "apply_edit", apply_edit)
    window.reconnect_timer.setInterval(20)
    window.reconnect_timer.stop()

    label(window, "Bytedance", "o")

    assert len(warnings) == 1 and str(error) in warnings[0]  # with what to do
    assert window.connection_label.text() == f"● not saved — {shown}"
    assert window.undo_stack.count() == 0  # not acknowledged
    assert stored(seeded_path, doc_id) == []
    label(window, "Oracle", "o")  # refused meanwhile, not queued
    assert "Not saved yet" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.offline is None, timeout=5000)
    assert len(warnings) == 1  # told once, not at every retry
    assert stored(seeded_path, doc_id) == ["Bytedance"]
    assert window.connection_label.text() == ""
    assert window.undo_stack.count() == 1


def fail_once(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """``Corpus.apply_edit`` raises ``error`` once, then works."""
    real = Corpus.apply_edit
    left = [error]

    def apply_edit(self: Corpus, *args: object, **kwargs: object) -> object:
        if left:
            raise left.pop()
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Corpus, "apply_edit", apply_edit)


def test_a_kept_edit_is_never_saved_under_another_annotator_or_corpus(
    open_window: Open, seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    doc_id = window.session.document.id  # type: ignore[union-attr]
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    fail_once(monkeypatch, DiskFull(f"{seeded_path}: the disk is full"))
    window.reconnect_timer.stop()
    label(window, "Bytedance", "o")
    assert window.offline is not None

    window.switch_to("bob", remember=False)
    other = tmp_path / "other.annotator"
    init_corpus(other).close()
    window.open_location(str(other))

    assert window.session.annotator == "alice" and window.corpus.location == str(seeded_path)
    assert any("cannot switch annotator" in text for text in warned)
    assert any("cannot open another corpus" in text for text in warned)
    window._try_reconnect()
    assert window.offline is None
    assert stored(seeded_path, doc_id) == ["Bytedance"]  # alice's, where it was made


def test_a_damaged_corpus_keeps_the_edit_and_the_retry_quiet(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    damaged = CorpusDamaged(f"{seeded_path}: the corpus is damaged (malformed)")
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: None)
    fail_once(monkeypatch, damaged)
    real_reconnect = Corpus.reconnect

    def reconnect(self: Corpus) -> None:
        raise damaged

    monkeypatch.setattr(Corpus, "reconnect", reconnect)
    window.reconnect_timer.stop()
    label(window, "Bytedance", "o")

    window._try_reconnect()  # the timer's slot: no exception escapes it

    assert window.offline is not None
    monkeypatch.setattr(Corpus, "reconnect", real_reconnect)
    window._try_reconnect()
    assert window.offline is None


def test_closing_with_a_kept_edit_asks_before_losing_it(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: None)
    fail_once(monkeypatch, DiskFull(f"{seeded_path}: the disk is full"))
    window.reconnect_timer.stop()
    label(window, "Bytedance", "o")

    def still_full(*args: object, **kwargs: object) -> None:
        raise DiskFull(f"{seeded_path}: the disk is full")

    monkeypatch.setattr(Corpus, "apply_edit", still_full)
    asked: list[str] = []

    def keep(*args: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", keep)

    assert not window.close()
    assert asked and "lose it" in asked[0]
    assert window.isVisible() and window.offline is not None
    window.offline = None  # let the fixture close it
