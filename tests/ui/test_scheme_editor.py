"""The scheme editor dialog, driven through its widgets: adding, renaming and deleting
labels, refusing key conflicts, asking before removing annotations, undo through the stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QColorDialog,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.core.scheme_change import Rename
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from annotator.store.scheme_changes import apply_scheme_change
from annotator.ui.commands import SchemeCommand
from annotator.ui.scheme_editor import SchemeEditorDialog

TEXT = "Jean Dupont a déclaré : « Nous ne vendrons rien ». Oracle confirme à Austin."


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    """A corpus where PER is used twice (once as a claimant) and ORG once."""
    with init_corpus(tmp_path / "c.annotator") as created:
        alice = AnnotationSet(
            "alice",
            "in_progress",
            spans=[
                Span("e1", "entity", *at("Jean Dupont"), "PER"),
                Span("c1", "claim", *at("Nous ne vendrons rien"), "CLAIM"),
                Span("e2", "entity", *at("Oracle"), "ORG"),
                Span("e3", "entity", *at("Austin"), "PER"),
            ],
            relations=[Relation("c1", "e1", "CLAIMANT")],
        )
        created.add_documents([Document("d1", TEXT, {}, [alice])])
        yield created


@pytest.fixture
def dialog(qtbot: QtBot, corpus: Corpus) -> SchemeEditorDialog:
    editor = SchemeEditorDialog(corpus)
    qtbot.addWidget(editor)
    with qtbot.waitActive(editor):
        editor.show()
    return editor


class Confirmations:
    """Stands in for ``QMessageBox.question``: records each text, gives the next answer."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answers: list[QMessageBox.StandardButton] = []

    def __call__(self, _parent: QWidget, _title: str, text: str, *_args: object) -> object:
        self.asked.append(text)
        return self.answers.pop(0)


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> Confirmations:
    confirmations = Confirmations()
    monkeypatch.setattr(QMessageBox, "question", confirmations)
    return confirmations


def select(dialog: SchemeEditorDialog, kind: str, name: str) -> None:
    dialog.select(dialog.node(kind, name))


def shown(dialog: SchemeEditorDialog, kind: str, name: str, column: int) -> str:
    """What the tree shows in ``column`` of a node's row."""
    return str(dialog.model.data(dialog.model.index_of(dialog.node(kind, name), column)))


def check_only(layers: QListWidget, *names: str) -> None:
    """Check the named layers of a relation's layer list and uncheck the others."""
    for row in range(layers.count()):
        wanted = layers.item(row).text() in names
        layers.item(row).setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


def retype(widget: QWidget, text: str) -> None:
    """Replace a line edit's text as a user does: select all, type."""
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)


def click_ok(qtbot: QtBot, dialog: SchemeEditorDialog) -> None:
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def labels(corpus: Corpus) -> list[tuple[str, str]]:
    return [(s.id, s.label) for s in corpus.annotation_set("d1", "alice").spans]


def test_a_label_is_added_with_a_key_and_a_colour(
    qtbot: QtBot, dialog: SchemeEditorDialog, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QColorDialog, "getColor", lambda *_args: QColor("#123456"))
    select(dialog, "layer", "entity")
    qtbot.mouseClick(dialog.add_label, Qt.MouseButton.LeftButton)
    QTest.keyClicks(dialog.form.name["label"], "DATE")  # the new name is selected, ready
    retype(dialog.form.key, "d")
    qtbot.mouseClick(dialog.form.choose, Qt.MouseButton.LeftButton)

    assert shown(dialog, "label", "DATE", 2) == "#123456"
    click_ok(qtbot, dialog)

    change = dialog.change()
    assert change is not None and change.renames == ()
    apply_scheme_change(corpus, change)
    entity = corpus.scheme.layer("entity")
    assert entity is not None and entity.label("DATE") is not None
    assert (entity.labels[-1].key, entity.labels[-1].color) == ("d", "#123456")


def test_renaming_a_label_renames_its_annotations_undoably(
    qtbot: QtBot, dialog: SchemeEditorDialog, corpus: Corpus
) -> None:
    select(dialog, "label", "PER")
    retype(dialog.form.name["label"], "PERSON")
    assert dialog.tree.currentIndex().data() == "PERSON"
    click_ok(qtbot, dialog)

    change = dialog.change()
    assert change is not None
    assert change.renames == (Rename("label", "PER", "PERSON", ("entity",)),)
    stack = QUndoStack()
    inverse = apply_scheme_change(corpus, change)
    stack.push(SchemeCommand(lambda c: apply_scheme_change(corpus, c), change, inverse, "Edit"))
    assert labels(corpus) == [("e1", "PERSON"), ("c1", "CLAIM"), ("e2", "ORG"), ("e3", "PERSON")]

    stack.undo()
    assert labels(corpus) == [("e1", "PER"), ("c1", "CLAIM"), ("e2", "ORG"), ("e3", "PER")]
    assert corpus.scheme.layer("entity").label("PER") is not None  # type: ignore[union-attr]
    stack.redo()
    assert labels(corpus)[0] == ("e1", "PERSON")


def test_deleting_a_used_label_says_how_many_annotations_go_and_asks(
    qtbot: QtBot, dialog: SchemeEditorDialog, corpus: Corpus, questions: Confirmations
) -> None:
    select(dialog, "label", "PER")
    dialog.tree.setFocus()
    QTest.keyClick(dialog.tree, Qt.Key.Key_Delete)
    with pytest.raises(KeyError):
        dialog.node("label", "PER")

    questions.answers.append(QMessageBox.StandardButton.No)
    click_ok(qtbot, dialog)
    assert "2 spans entity/PER" in questions.asked[0]
    assert "1 relation CLAIMANT" in questions.asked[0]
    assert dialog.isVisible() and dialog.change() is None
    assert len(labels(corpus)) == 4

    questions.answers.append(QMessageBox.StandardButton.Yes)
    click_ok(qtbot, dialog)
    change = dialog.change()
    assert change is not None
    apply_scheme_change(corpus, change)
    assert labels(corpus) == [("c1", "CLAIM"), ("e2", "ORG")]


@pytest.mark.parametrize(
    ("key", "message"),
    [("p", "already used by entity/PER"), ("w", "kept for the window's own commands")],
)
def test_a_key_conflict_is_refused_with_a_message(
    dialog: SchemeEditorDialog, key: str, message: str
) -> None:
    select(dialog, "label", "ORG")
    retype(dialog.form.key, key)

    assert message in dialog.message.text()
    assert dialog.form.key.text() == "o"
    assert shown(dialog, "label", "ORG", 1) == "o"


def test_an_invalid_name_is_refused_when_accepting(
    qtbot: QtBot, dialog: SchemeEditorDialog, questions: Confirmations
) -> None:
    select(dialog, "layer", "cue")
    retype(dialog.form.name["layer"], "reporting verb")
    click_ok(qtbot, dialog)

    assert "must be a word" in dialog.message.text()
    assert dialog.isVisible() and dialog.change() is None and questions.asked == []


def test_a_renamed_layer_is_renamed_in_the_relations_that_use_it(
    qtbot: QtBot, dialog: SchemeEditorDialog, corpus: Corpus
) -> None:
    select(dialog, "layer", "claim")
    retype(dialog.form.name["layer"], "assertion")
    assert shown(dialog, "relation", "CUE", 2) == "assertion → cue"
    click_ok(qtbot, dialog)

    change = dialog.change()
    assert change is not None
    apply_scheme_change(corpus, change)
    assert corpus.scheme.relation("CLAIMANT").head == ("assertion",)  # type: ignore[union-attr]
    assert corpus.annotation_set("d1", "alice").span("c1").layer == "assertion"  # type: ignore[union-attr]


def test_the_target_and_question_values_are_edited_by_keyboard(
    qtbot: QtBot, dialog: SchemeEditorDialog, corpus: Corpus
) -> None:
    QTest.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert dialog.target.hasFocus()
    QTest.keyClicks(dialog.target, " (2024)")
    select(dialog, "question", "stance")
    values = dialog.form.question_values.list
    values.setCurrentRow(2)
    values.setFocus()
    QTest.keyClick(values, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    QTest.keyClicks(editor, "NEUTRAL")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: values.item(2).text() == "NEUTRAL")  # committed on a queued call
    assert dialog.isVisible()
    click_ok(qtbot, dialog)

    change = dialog.change()
    assert change is not None
    assert change.scheme.target == "TikTok's handling of its users' data (2024)"
    assert change.renames == (Rename("question_value", "NONE", "NEUTRAL", ("stance",)),)


def test_cancelling_changes_nothing(qtbot: QtBot, dialog: SchemeEditorDialog) -> None:
    select(dialog, "label", "PER")
    retype(dialog.form.name["label"], "PERSON")
    dialog.reject()
    assert dialog.change() is None


def test_the_tree_model_stays_consistent_through_edits(
    qtmodeltester: ModelTester, dialog: SchemeEditorDialog
) -> None:
    qtmodeltester.check(dialog.model)
    select(dialog, "layer", "entity")
    dialog.add_label.click()
    dialog.add_question.click()
    select(dialog, "layer", "cue")
    dialog.delete.click()  # with the CUE relation, left without a child layer

    with pytest.raises(KeyError):
        dialog.node("relation", "CUE")
    assert shown(dialog, "label", "NEW", 0) == "NEW"
    qtmodeltester.check(dialog.model)


def test_a_relation_and_an_attribute_are_added_through_the_form(
    qtbot: QtBot, dialog: SchemeEditorDialog, corpus: Corpus
) -> None:
    qtbot.mouseClick(dialog.add_relation, Qt.MouseButton.LeftButton)
    QTest.keyClicks(dialog.form.name["relation"], "QUOTES")
    check_only(dialog.form.head_layers, "claim")
    check_only(dialog.form.child_layers, "source")
    assert shown(dialog, "relation", "QUOTES", 2) == "claim → source"
    select(dialog, "layer", "cue")
    qtbot.mouseClick(dialog.add_attribute, Qt.MouseButton.LeftButton)
    QTest.keyClicks(dialog.form.name["attribute"], "tense")
    click_ok(qtbot, dialog)

    change = dialog.change()
    assert change is not None
    assert change.scheme.to_dict()["relations"][-1] == {
        "name": "QUOTES", "head": "claim", "child": ["source"],
    }  # fmt: skip
    cue = change.scheme.layer("cue")
    assert cue is not None and [(a.name, a.values) for a in cue.attributes] == [
        ("tense", ("VALUE1",))
    ]


def test_a_relation_may_take_its_head_from_several_layers(
    qtbot: QtBot, dialog: SchemeEditorDialog, corpus: Corpus
) -> None:
    qtbot.mouseClick(dialog.add_relation, Qt.MouseButton.LeftButton)
    QTest.keyClicks(dialog.form.name["relation"], "REASON")
    check_only(dialog.form.head_layers, "claim", "entity")
    check_only(dialog.form.child_layers, "claim")
    assert shown(dialog, "relation", "REASON", 2) == "entity, claim → claim"
    click_ok(qtbot, dialog)

    change = dialog.change()
    assert change is not None
    apply_scheme_change(corpus, change)
    assert corpus.scheme.to_dict()["relations"][-1] == {
        "name": "REASON", "head": ["entity", "claim"], "child": ["claim"],
    }  # fmt: skip


def test_a_relation_left_without_head_layers_is_refused(
    qtbot: QtBot, dialog: SchemeEditorDialog
) -> None:
    select(dialog, "relation", "CUE")
    check_only(dialog.form.head_layers)
    assert shown(dialog, "relation", "CUE", 2) == "? → cue"
    click_ok(qtbot, dialog)

    assert "head" in dialog.message.text()
    assert dialog.isVisible() and dialog.change() is None
