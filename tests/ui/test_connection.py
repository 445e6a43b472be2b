"""Two windows on one document, and a corpus that stops answering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from annotator.core.errors import ConnectionLost
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
