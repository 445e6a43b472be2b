"""The model in the loop in the window: Model › Train from the corpus in the background
(the window stays usable), its suggestions with their scores in the Model panel, Go ›
Next most uncertain document, cancel, retraining every N documents, the learning curve."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from annotator.core.edits import Compound
from annotator.core.model import Span
from annotator.store import model_runs
from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from annotator.ui.model.controller import RETRAIN_EVERY
from annotator.ui.model.curve import LearningCurve, series
from annotator.ui.model.panel import ScoredSuggestion, least_certain_first
from tests.unit.services.learning_samples import UNFINISHED, loop_corpus

Open = Callable[..., MainWindow]


@pytest.fixture
def loop_path(tmp_path: Path) -> Path:
    return loop_corpus(tmp_path / "loop.annotator")


def answer_train_dialog(window: MainWindow, steps: int, kinds: tuple[str, ...]) -> None:
    def fill() -> None:
        dialog = window.model_loop.dialog
        dialog.steps.setValue(steps)
        for kind, box in dialog.kinds.items():
            box.setChecked(kind in kinds)
        dialog.accept()

    QTimer.singleShot(0, fill)


def test_training_from_the_menu_runs_in_the_background_then_suggests_with_scores(
    open_window: Open, loop_path: Path, qtbot: QtBot
) -> None:
    window = open_window(loop_path)
    window.open_document(UNFINISHED[0])
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)

    answer_train_dialog(window, 30, ("ner", "textcat"))
    window.model_loop.train_dialog()
    assert window.model_loop.running()
    window.open_document(UNFINISHED[1])  # the window answers while the model trains
    assert window.session.document is not None and window.session.document.id == UNFINISHED[1]
    qtbot.waitUntil(lambda: not window.model_loop.running(), timeout=180_000)
    timer.stop()

    assert len(ticks) > 20  # the event loop ran all along
    assert window.model_loop.panel.cancel.isHidden()
    with Corpus.open(loop_path) as corpus:
        [run] = model_runs.runs(corpus)
    assert run.origin == "model:loop-model@1" and run.trained_by == "alice"
    assert window.model_loop.panel.job.text().startswith("model:loop-model@1 trained")
    suggested = [s for s in window.session.aset.spans if s.suggested]
    assert suggested and {s.origin for s in suggested} == {run.origin}
    panel = window.model_loop.panel
    assert panel.origin.text().startswith(f"{run.origin}: uncertainty ")
    shown = panel.span_ids()
    assert set(shown) == {s.id for s in suggested}
    scores = model_runs.set_scores(window.corpus, UNFINISHED[1], "alice").spans
    doubts = [1 - abs(2 * scores[i] - 1) for i in shown if i in scores]
    assert doubts == sorted(doubts, reverse=True)  # the least certain first

    first = panel.table.topLevelItem(0)
    assert first is not None
    panel.table.itemActivated.emit(first, 0)
    assert window.selected is not None and window.selected.id == shown[0]

    ranked = [d for d, _ in model_runs.uncertain_documents(window.corpus, "alice")]
    window.model_loop.next_uncertain()
    assert window.session.document.id == next(d for d in ranked if d != UNFINISHED[1])


def test_cancel_stops_the_training_without_a_model_or_a_run(
    open_window: Open, loop_path: Path, qtbot: QtBot, tmp_path: Path
) -> None:
    window = open_window(loop_path)
    answer_train_dialog(window, 5000, ("ner",))
    window.model_loop.train_dialog()
    qtbot.waitUntil(lambda: "step" in window.model_loop.panel.job.text(), timeout=120_000)
    window.model_loop.panel.cancel.click()
    qtbot.waitUntil(lambda: not window.model_loop.running(), timeout=60_000)

    assert window.model_loop.panel.job.text().startswith("Training cancelled")
    assert model_runs.runs(window.corpus) == []
    assert not (tmp_path / "loop-model" / "model-best").exists()


def test_marking_the_nth_document_done_retrains_in_the_background(
    open_window: Open, loop_path: Path, qtbot: QtBot
) -> None:
    window = open_window(loop_path)
    window.settings.setValue(RETRAIN_EVERY, 2)
    window.open_document(UNFINISHED[0])
    window.set_status("done")
    assert not window.model_loop.running()
    window.open_document(UNFINISHED[1])
    window.set_status("done")

    assert window.model_loop.running()
    window.model_loop.cancel()
    qtbot.waitUntil(lambda: not window.model_loop.running(), timeout=120_000)


def test_next_most_uncertain_without_a_model_says_so(open_window: Open, loop_path: Path) -> None:
    window = open_window(loop_path)
    before = window.session.document
    window.model_loop.next_uncertain()
    assert window.session.document is before
    assert "train a model first" in window.statusBar().currentMessage()


def test_suggestions_are_listed_least_certain_first_unscored_last() -> None:
    def item(span_id: str, start: int, score: float | None) -> ScoredSuggestion:
        return ScoredSuggestion(Span(span_id, "entity", start, start + 1, "PER"), score)

    ordered = least_certain_first(
        [item("sure", 0, 0.98), item("none", 1, None), item("half", 2, 0.52), item("low", 3, 0.2)]
    )
    assert [i.span.id for i in ordered] == ["half", "low", "sure", "none"]


def test_the_learning_curve_draws_one_line_per_component(qtbot: QtBot) -> None:
    runs = [
        {"origin": "model:m@1", "trained_at": "t1", "documents": 10, "seconds": 3,
         "scores": {"ner": {"f": 0.2}, "textcat": {"f": 0.5}}},
        {"origin": "model:m@2", "trained_at": "t2", "documents": 25, "seconds": 4,
         "scores": {"ner": {"f": 0.6}}},
    ]  # fmt: skip
    curve = LearningCurve()
    qtbot.addWidget(curve)
    curve.resize(600, 300)
    curve.set_runs(runs)

    assert series(runs) == {"ner": [(1, 0.2), (2, 0.6)], "textcat": [(1, 0.5)]}
    low, high = curve.point(1, 0.2), curve.point(2, 0.6)
    assert low.x() < high.x() and low.y() > high.y()  # later and better: right and up
    image = curve.grab().toImage()
    assert not image.isNull() and image.width() == 600
    assert "model:m@2 (25 documents" in curve.toolTip()


def test_the_browser_lists_the_most_uncertain_documents_first(
    open_window: Open, loop_path: Path
) -> None:
    with Corpus.open(loop_path) as corpus:
        run = model_runs.record_run(corpus, model_runs.ModelRun("m", "", "blank", "unused"))
        for doc_id, uncertainty in zip(UNFINISHED, (0.2, 0.9, 0.5), strict=True):
            corpus.apply_edit(
                doc_id, "alice", Compound(()), also=partial(
                    model_runs.write_scores, annotator="alice", origin=run.origin, spans={},
                    uncertainty=uncertainty, answers={},
                ),
            )  # fmt: skip
    window = open_window(loop_path)
    order = window.browser.order

    order.setCurrentIndex(order.findData("uncertainty"))

    ids = [window.model.doc_id(row) for row in range(window.model.row_count())]
    assert ids[:3] == [UNFINISHED[1], UNFINISHED[2], UNFINISHED[0]]
    assert sorted(ids[3:]) == ids[3:] and len(ids) == 11
    assert window.model.row_of(UNFINISHED[0]) == 2
    order.setCurrentIndex(order.findData("corpus"))
    assert [window.model.doc_id(row) for row in range(3)] == ["gen-0000", "gen-0001", "gen-0002"]
