"""A corpus the window cannot write (a read-only file, or a file in a read-only folder):
the window opens it read-only, says so in its title and status bar, greys out the
commands that write, and refuses an edit at once with what to do, instead of failing
to open or keeping the edit as "not saved" and retrying a write that cannot succeed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtTest import QTest

from annotator.core.edits import SetStatus
from annotator.services.backups import list_backups
from annotator.services.corpora import init_corpus, seed_documents
from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from tests.mounts import read_only_file, read_only_folder
from tests.ui.conftest import drag_select, find_in_view

__all__ = ["read_only_file", "read_only_folder"]  # fixtures

Open = Callable[..., MainWindow]


@pytest.fixture(params=["file", "folder"])
def read_only_corpus(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The seed articles in a corpus whose file, or whose folder, is then read-only."""
    if request.param == "folder":
        freeze_folder = request.getfixturevalue("read_only_folder")
        path = tmp_path / "read-only" / "seeded.annotator"
    else:
        freeze_file = request.getfixturevalue("read_only_file")
        path = tmp_path / "read-only.annotator"
    with init_corpus(path) as corpus:
        corpus.add_documents(seed_documents())
    if request.param == "folder":
        freeze_folder()
    else:
        freeze_file(path)
    return path


def is_writable_command(window: MainWindow, text: str) -> bool:
    (action,) = [a for a in window.all_actions if a.text() == text]
    return action.isEnabled()


def test_a_read_only_corpus_opens_read_only_and_says_so(
    open_window: Open, read_only_corpus: Path
) -> None:
    window = open_window(read_only_corpus)

    assert window.corpus.read_only
    assert f"{read_only_corpus.name} (read-only)" in window.windowTitle()
    notice = window.read_only_notice.label
    assert notice.isVisible() and notice.text() == "● read-only"
    assert "make the file and its folder writable" in notice.toolTip()
    for command in (
        "&Import…",
        "Edit the &scheme…",
        "Edit &guidelines…",
        "&Pre-annotate with a spaCy model…",
        "Auto-adjudicate the &whole corpus",
    ):
        assert not is_writable_command(window, command), command  # fmt: skip
    assert is_writable_command(window, "&Export…")  # reading commands stay


def test_an_edit_of_a_read_only_corpus_is_refused_at_once_with_what_to_do(
    open_window: Open, read_only_corpus: Path
) -> None:
    window = open_window(read_only_corpus)
    doc_id = window.session.document.id  # type: ignore[union-attr]

    drag_select(window, *find_in_view(window, "Bytedance"))
    QTest.keyClicks(window.view, "o")  # label it ORG: no message box (conftest fails one)
    message = window.statusBar().currentMessage()
    refused_status = window.do(SetStatus("done"), "Mark done")

    assert message.startswith(f"Not changed: {read_only_corpus} is open read-only")
    assert "open it again" in message
    assert not refused_status
    assert window.offline is None and window.connection_label.text() == ""  # no retrying
    assert window.undo_stack.count() == 0 and window.session.aset.spans == []
    with Corpus.open(read_only_corpus, read_only=True) as corpus:
        assert corpus.annotation_set(doc_id, "alice").spans == []


def test_closing_a_read_only_corpus_takes_no_backup(
    open_window: Open, read_only_corpus: Path
) -> None:
    window = open_window(read_only_corpus)
    window.close()

    assert not window.statusBar().currentMessage().startswith("No backup")
    assert list_backups(read_only_corpus) == []  # nothing can have changed through it


def test_a_writable_corpus_opened_next_is_writable_again(
    open_window: Open, read_only_corpus: Path, seeded_path: Path
) -> None:
    window = open_window(read_only_corpus)
    window.open_location(str(seeded_path))

    assert not window.corpus.read_only
    assert "read-only" not in window.windowTitle()
    assert not window.read_only_notice.label.isVisible()
    assert is_writable_command(window, "&Import…")
    drag_select(window, *find_in_view(window, "Bytedance"))
    QTest.keyClicks(window.view, "o")
    assert [s.label for s in window.session.aset.spans] == ["ORG"]
