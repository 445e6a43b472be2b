"""The window on a server corpus opened with a password in its URL: the password is
shown nowhere in the window and stored nowhere in its settings (recent corpora, the
document last open)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import make_url

from annotator.core.model import Document
from annotator.services.corpora import init_corpus
from annotator.ui.app import build_window
from annotator.ui.settings import open_settings, remember_corpus

pytestmark = pytest.mark.postgresql


def test_a_servers_password_is_neither_shown_nor_stored_by_the_window(
    pg_url: str, qtbot: QtBot, annotator_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = make_url(pg_url).password
    assert password
    with init_corpus(pg_url) as corpus:
        corpus.add_documents([Document("d1", "Jean Dupont dort.")])
    older = open_settings()  # what an older version left: a key with the password
    older.setValue(f"last-document/{pg_url}", "d1")
    older.sync()
    boxes: list[str] = []
    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda _p, _t, text, *a: boxes.append(text))

    window = build_window(pg_url, "alice")
    qtbot.addWidget(window)
    shown = [window.windowTitle(), window.statusBar().currentMessage()] + [
        action.text() for action in window.recent_menu.actions()
    ]
    window.close()
    window.corpus.close()

    assert window.session.document is not None and window.session.document.id == "d1"
    assert boxes == []
    assert all(password not in text for text in shown)
    settings = (annotator_home / "settings.ini").read_text("utf-8")
    assert password not in settings
    assert "d1" in settings  # the document last open is remembered, without the password


def test_settings_forget_a_password_an_older_version_kept_in_a_key(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    settings.setValue("last-document/postgresql+psycopg://bob:older-secret@host/db", "d3")
    settings.setValue(f"last-document/{tmp_path / 'local.annotator'}", "d4")

    remember_corpus(settings, "postgresql+psycopg://bob@host/db")
    settings.sync()

    assert "older-secret" not in path.read_text("utf-8")
    assert settings.value(f"last-document/{tmp_path / 'local.annotator'}") == "d4"


def test_what_the_services_tell_the_window_never_shows_the_password(
    pg_url: str, tmp_path: Path
) -> None:
    """The window shows service errors as they are (the command line masks passwords in
    every message it prints; the window relies on the messages being clean)."""
    from annotator.core.errors import AnnotatorError
    from annotator.services.packages import choose_documents, make_package
    from annotator.store.corpus import Corpus

    password = make_url(pg_url).password
    assert password
    with init_corpus(pg_url) as corpus:
        messages = []
        for attempt in (
            lambda: choose_documents(corpus, sample=1),
            lambda: make_package(corpus, "alice", tmp_path / "p.annotator", ["nope"]),
            lambda: Corpus.open(pg_url).annotation_set("nope", "alice"),
        ):
            with pytest.raises(AnnotatorError) as caught:
                attempt()
            messages.append(str(caught.value))

    assert all(password not in message for message in messages), messages
    assert all("***" in message or "@" in message for message in messages[:2])
