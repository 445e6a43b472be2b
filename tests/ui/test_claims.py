"""Claims, claimants, cues, stance and the document question, through the window."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextFormat
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from annotator.services.exporting import export
from annotator.store.corpus import Corpus
from annotator.ui.guidelines_panel import GuidelinesEditor
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view, keyboard_select

Open = Callable[..., MainWindow]

CLAIM_A = "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois"
CLAIM_B = (
    "des employés de Bytedance avaient eu accès à de nombreuses reprises à des données "
    "non publiques sur des utilisateurs américains de l’application"
)
CLAIM_C = (
    "Nous avons fait venir des experts en sécurité très renommés pour nous aider à "
    "renforcer nos efforts en la matière"
)
CLAIM_D = "Notre but est de minimiser l’accès aux données dans toutes les régions"


def keys(window: MainWindow, text: str) -> None:
    QTest.keyClicks(window.view, text)


def select(window: MainWindow, needle: str, nth: int = 0) -> None:
    keyboard_select(window, *find_in_view(window, needle, nth))


def test_keyboard_only_claim_annotation_of_the_seed_article(
    open_window: Open, seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))

    # Claim A: claimant created from a selection (ORG), cue created the same way, FAVOR.
    select(window, CLAIM_A)
    keys(window, "c")
    keys(window, "w")
    select(window, "TikTok", nth=2)  # "TikTok a expliqué à l’AFP que ..."
    keys(window, "o")
    keys(window, "v")
    select(window, "a expliqué")
    keys(window, "u")
    keys(window, "1")

    # Claim B: its claimant is the newspaper, labelled on the way; AGAINST.
    select(window, CLAIM_B)
    keys(window, "c")
    keys(window, "w")
    select(window, "Buzzfeed")
    keys(window, "o")
    keys(window, "2")

    # A document cannot be done while a claim is incomplete: claim C has no stance yet.
    select(window, CLAIM_C)
    keys(window, "c")
    keys(window, "w")
    select(window, "un porte-parole de TikTok")
    keys(window, "s")  # a claimant that is no named entity: the "source" layer
    QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(warnings) == 1 and "needs a stance" in warnings[0]
    assert window.selected is not None and window.selected.layer == "claim"
    assert window.session.aset.status == "in_progress"
    keys(window, "1")

    # Claim D: the claimant is an entity labelled before; picked with Tab and Enter.
    select(window, "Roland Cloutier")
    keys(window, "p")
    select(window, CLAIM_D)
    keys(window, "c")
    keys(window, "w")
    QTest.keyClick(window.view, Qt.Key.Key_Tab)
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    keys(window, "1")

    # The document question: the article's stance, by key.
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    doc_id = window.session.document.id  # type: ignore[union-attr]
    QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(warnings) == 1
    assert window.session.document.id != doc_id  # type: ignore[union-attr]

    out = tmp_path / "claims.jsonl"
    with Corpus.open(seeded_path) as corpus:
        export(corpus, out, "jsonl", "alice")
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    text = record["text"]
    (aset,) = record["annotations"]
    spans = {s["id"]: s for s in aset["spans"]}

    def said(span_id: str) -> str:
        return str(text[spans[span_id]["start"] : spans[span_id]["end"]])

    assert aset["status"] == "done"
    assert aset["doc_labels"] == {"stance": "NONE"}
    assert sorted((s["layer"], s["label"], said(s["id"])) for s in spans.values()) == sorted(
        [
            ("claim", "CLAIM", CLAIM_A),
            ("claim", "CLAIM", CLAIM_B),
            ("claim", "CLAIM", CLAIM_C),
            ("claim", "CLAIM", CLAIM_D),
            ("entity", "ORG", "TikTok"),
            ("entity", "ORG", "Buzzfeed"),
            ("entity", "PER", "Roland Cloutier"),
            ("cue", "CUE", "a expliqué"),
            ("source", "SOURCE", "un porte-parole de TikTok"),
        ]
    )
    stances = {said(s["id"]): s.get("attrs", {}).get("stance") for s in spans.values()}
    assert {c: stances[c] for c in (CLAIM_A, CLAIM_B, CLAIM_C, CLAIM_D)} == {
        CLAIM_A: "FAVOR",
        CLAIM_B: "AGAINST",
        CLAIM_C: "FAVOR",
        CLAIM_D: "FAVOR",
    }
    assert all(s["origin"] == "manual" and s["state"] == "accepted" for s in spans.values())
    assert sorted((r["label"], said(r["head"]), said(r["child"])) for r in aset["relations"]) == (
        sorted(
            [
                ("CLAIMANT", CLAIM_A, "TikTok"),
                ("CLAIMANT", CLAIM_B, "Buzzfeed"),
                ("CLAIMANT", CLAIM_C, "un porte-parole de TikTok"),
                ("CLAIMANT", CLAIM_D, "Roland Cloutier"),
                ("CUE", CLAIM_A, "a expliqué"),
            ]
        )
    )


def test_unattributed_claim_counts_as_a_claimant_decision(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    select(window, "Elle va progressivement arrêter de s’en servir")
    keys(window, "c")
    assert window.claims.model.rows[0].missing == ("a claimant (or 'unattributed')", "a stance")
    keys(window, "w")
    keys(window, "0")
    keys(window, "3")
    row = window.claims.model.rows[0]
    assert row.unattributed and row.stance == "NONE" and row.complete
    assert window.claims.summary.text() == "1 claims"


def test_relinking_replaces_the_claimant_and_undo_restores_it(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    for needle in ("Donald Trump", "Pékin"):
        drag_select(window, *find_in_view(window, needle))
        keys(window, "p")
    drag_select(window, *find_in_view(window, "a régulièrement accusé la plateforme"))
    keys(window, "c")
    claim_id = window.selected.id  # type: ignore[union-attr]
    for needle in ("Donald Trump", "Pékin"):
        keys(window, "w")
        start, _end = find_in_view(window, needle)
        window.link_to(window.session.spans_at(window.view.offsets.from_qt(start))[0].id)
    claimants = [r for r in window.session.aset.relations if r.head == claim_id]
    assert len(claimants) == 1
    text = window.session.document.text  # type: ignore[union-attr]
    child = window.session.aset.span(claimants[0].child)
    assert child is not None and text[child.start : child.end] == "Pékin"
    window.undo_stack.undo()
    (restored,) = [r for r in window.session.aset.relations if r.head == claim_id]
    child = window.session.aset.span(restored.child)
    assert child is not None and text[child.start : child.end] == "Donald Trump"


def test_selecting_a_claim_highlights_its_claimant_and_the_reverse(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    drag_select(window, *find_in_view(window, CLAIM_D))
    keys(window, "c")
    claim_id = window.selected.id  # type: ignore[union-attr]
    keys(window, "w")
    drag_select(window, *find_in_view(window, "Roland Cloutier"))
    keys(window, "p")
    highlighter = window.view.highlighter
    assert highlighter is not None
    person = next(s for s in window.session.aset.spans if s.layer == "entity")
    assert highlighter._selected == {claim_id, person.id}
    window._select(person.id)
    assert highlighter._selected == {claim_id, person.id}
    offset = person.start
    assert "claimant of: «Notre but est" in window._describe_at(offset)


def test_a_linking_key_without_a_claim_says_what_to_do(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    keys(window, "w")
    assert "Select a claim first" in window.statusBar().currentMessage()
    assert window.picking is None


def test_escape_cancels_linking(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    drag_select(window, *find_in_view(window, CLAIM_A))
    keys(window, "c")
    keys(window, "w")
    assert window.picking is not None
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.picking is None
    assert window.selected is not None and window.selected.layer == "claim"


def test_claims_panel_row_selects_the_claim(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    for claim in (CLAIM_B, CLAIM_A):
        drag_select(window, *find_in_view(window, claim))
        keys(window, "c")
    window.deselect()
    model = window.claims.model
    text = window.session.document.text  # type: ignore[union-attr]
    assert [text[r.claim.start : r.claim.end] for r in model.rows] == [CLAIM_B, CLAIM_A]
    window.claims.table.clicked.emit(model.index(1, 0))
    assert window.selected is not None
    assert text[window.selected.start : window.selected.end] == CLAIM_A


def test_question_panel_answers_and_follows_undo(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    window.questions.buttons[("stance", "AGAINST")].click()
    assert window.session.aset.doc_labels == {"stance": "AGAINST"}
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.session.aset.doc_labels == {"stance": "FAVOR"}
    assert window.questions.buttons[("stance", "FAVOR")].isChecked()
    assert not window.questions.buttons[("stance", "AGAINST")].isChecked()
    window.undo_stack.undo()
    assert window.questions.buttons[("stance", "AGAINST")].isChecked()


def test_guidelines_are_versioned_and_recorded_with_annotations(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    # A corpus made with the default scheme opens on its guidelines, version 1.
    assert window.guidelines.version.text() == "Version 1"
    assert "Stance of a claim toward the target" in window.guidelines.browser.toPlainText()

    def write(text: str) -> Callable[[GuidelinesEditor], int]:
        def run(self: GuidelinesEditor) -> int:
            self.editor.setPlainText(text)
            return 1

        return run

    monkeypatch.setattr(GuidelinesEditor, "exec", write("# Règles\n\nAnnoter les **personnes**."))
    window.edit_guidelines()
    assert window.guidelines.version.text() == "Version 2"
    assert "personnes" in window.guidelines.browser.toPlainText()
    drag_select(window, *find_in_view(window, "Bytedance"))
    keys(window, "o")
    monkeypatch.setattr(GuidelinesEditor, "exec", write("# Règles v2"))
    window.edit_guidelines()
    doc_id = window.session.document.id  # type: ignore[union-attr]
    with Corpus.open(seeded_path) as corpus:
        assert corpus.guidelines() == (3, "# Règles v2")
        assert corpus.annotation_set(doc_id, "alice").guideline_version == 2
    drag_select(window, *find_in_view(window, "Oracle"))
    keys(window, "o")
    with Corpus.open(seeded_path) as corpus:
        assert corpus.annotation_set(doc_id, "alice").guideline_version == 3


def test_scheme_edits_from_the_window_relabel_the_open_document_and_undo(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from dataclasses import replace

    from annotator.core.scheme import Label
    from annotator.core.scheme_change import Rename, SchemeChange
    from annotator.ui.scheme_editor import SchemeEditorDialog

    window = open_window(seeded_path)
    drag_select(window, *find_in_view(window, "Donald Trump"))
    keys(window, "p")
    scheme = window.corpus.scheme
    entity = scheme.layer("entity")
    assert entity is not None
    labels = tuple(
        Label("PERSON", lab.key, lab.color) if lab.name == "PER" else lab for lab in entity.labels
    )
    layers = tuple(
        replace(lay, labels=labels) if lay.name == "entity" else lay for lay in scheme.span_layers
    )
    change = SchemeChange(
        replace(scheme, span_layers=layers), (Rename("label", "PER", "PERSON", ("entity",)),)
    )
    monkeypatch.setattr(SchemeEditorDialog, "exec", lambda self: 1)
    monkeypatch.setattr(SchemeEditorDialog, "change", lambda self: change)
    window.edit_scheme()
    assert [s.label for s in window.session.aset.spans] == ["PERSON"]
    assert ("entity", "PERSON") in window.label_palette.buttons
    window.undo_stack.undo()
    assert [s.label for s in window.session.aset.spans] == ["PER"]
    assert ("entity", "PER") in window.label_palette.buttons
    window.undo_stack.undo()  # the labelling itself, after the scheme came back
    assert window.session.aset.spans == []


def test_the_guidelines_headings_stay_readable_in_the_narrow_panel(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    document = window.guidelines.browser.document()

    sizes: dict[int, set[int]] = {}
    block = document.begin()
    while block.isValid():
        if level := block.blockFormat().headingLevel():
            text = block.begin().fragment().charFormat()
            sizes.setdefault(level, set()).add(
                int(text.property(QTextFormat.Property.FontSizeAdjustment) or 0)
            )
        block = block.next()

    assert sizes[1] == {1} and sizes[2] == {0}
