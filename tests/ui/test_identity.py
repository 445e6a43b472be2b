"""Choosing the annotator's name: the first-start dialog and File › Switch annotator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QInputDialog

from annotator.services.corpora import data_dir
from annotator.ui.identity import ask_annotator
from annotator.ui.main_window import MainWindow
from annotator.ui.settings import settings_dir

Open = Callable[..., MainWindow]


def scripted_answers(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """Answer the name dialog with ``answers`` in turn; return the prompts it showed."""
    prompts: list[str] = []

    def answer(_parent: object, _title: str, prompt: str, **_kwargs: object) -> tuple[str, bool]:
        prompts.append(prompt)
        return (answers.pop(0), True) if answers else ("", False)

    monkeypatch.setattr(QInputDialog, "getText", answer)
    return prompts


def test_switch_annotator_refuses_gold_and_says_why(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    prompts = scripted_answers(monkeypatch, ["gold", "bob"])

    window.switch_annotator()

    assert window.session.annotator == "bob"
    assert len(prompts) == 2
    assert "reserved for the adjudicated layer" in prompts[1]


def test_switch_annotator_refuses_gold_in_any_case_and_keeps_the_name_when_cancelled(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    prompts = scripted_answers(monkeypatch, ["GOLD"])

    window.switch_annotator()

    assert window.session.annotator == "alice"
    assert "reserved" in prompts[1]


def test_the_first_start_dialog_says_why_a_name_was_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    prompts = scripted_answers(monkeypatch, ["a/b", "gold", "chloé"])

    assert ask_annotator(settings) == "chloé"

    assert "'/'" in prompts[1]
    assert "reserved" in prompts[2]
    assert settings.value("annotator") == "chloé"


def test_the_window_settings_live_beside_the_default_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ANNOTATOR_HOME", str(tmp_path))
    assert settings_dir() == data_dir()
    monkeypatch.delenv("ANNOTATOR_HOME")
    assert settings_dir() == data_dir()


def test_a_remembered_gold_is_not_used_but_asked_again_with_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """An older version let Switch annotator remember ``gold``: the next start annotated
    straight into the adjudicated layer."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("annotator", "Gold")
    prompts = scripted_answers(monkeypatch, ["chloé"])

    assert ask_annotator(settings) == "chloé"

    assert "reserved for the adjudicated layer" in prompts[0]
    assert settings.value("annotator") == "chloé"
