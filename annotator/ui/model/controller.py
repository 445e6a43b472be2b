"""The model in the loop, in the window: the Model menu, Go › Next most uncertain
document, the Model panel, and training in the background.

Model › Train from the corpus asks what to train (:class:`TrainDialog`), then trains in
a thread (:class:`TrainingJob`): the window stays usable, the Model panel and the
status bar show the steps, losses and dev scores, and Cancel stops it (no model, no
run recorded). Once trained, the model suggests on the documents this annotator has
not finished, the open one first, replacing the undecided suggestions of the model's
earlier versions; the open document is shown again with them.

Retraining every N documents marked done (Model › Retrain automatically…, off by
default, N kept in the settings) starts the same training, with the last options,
when the N-th document since the last training is marked done.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QInputDialog, QMenu, QMenuBar, QMessageBox

from annotator.core.model import GOLD
from annotator.services.progress import Cancelled
from annotator.ui.model.dialog import TrainDialog, TrainingChoice
from annotator.ui.model.job import TrainingJob
from annotator.ui.model.panel import ModelPanel, ScoredSuggestion

if TYPE_CHECKING:
    from annotator.store.model_runs import ModelRun
    from annotator.ui.main_window import MainWindow
    from annotator.ui.shell import PrebuiltMenus

RETRAIN_EVERY = "model/retrain-every"
"""Settings key: retrain after this many documents marked done (0: never)."""


class ModelController(QObject):
    """Owns the Model menu, the Model panel and the training job of one window.

    A QObject living in the GUI thread, so that the job's signals, emitted in the
    training thread, run its slots in the GUI thread.

    Args:
        window: the main window (its corpus, session, settings, ``do`` and status bar).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = ModelPanel()
        self.job: TrainingJob | None = None
        # From start until its finished/failed signal is handled here: the thread ends
        # before that queued signal arrives, so the thread alone would say "done" early.
        self.outcome_pending = False
        self.done_since_training = 0
        self.last_run: ModelRun | None = None
        self.panel.spanChosen.connect(self._choose_span)
        self.panel.answerChosen.connect(self._take_answer)
        self.panel.cancelRequested.connect(self.cancel)

    # -- menus -------------------------------------------------------------------------------

    def build_menus(self, bar: QMenuBar | PrebuiltMenus, go: QMenu) -> None:
        w = self.window
        w._action(go, "Next most &uncertain document", self.next_uncertain, "Ctrl+Shift+U")
        menu = bar.addMenu("&Model")
        w._action(menu, "&Train from the corpus…", self.train_dialog, "Ctrl+Shift+M")
        self.cancel_action = w._action(menu, "&Cancel the training", self.cancel)
        w._action(menu, "&Suggest with the latest model", self.suggest_again)
        w._action(menu, "&Retrain automatically…", self.retrain_setting)
        menu.addSeparator()
        w._action(menu, "&Learning curve…", self.show_curve)

    # -- training ----------------------------------------------------------------------------

    def running(self) -> bool:
        return self.job is not None and (self.outcome_pending or self.job.running())

    def default_choice(self) -> TrainingChoice:
        corpus = self.window.corpus
        path = corpus.path
        folder = (
            path.with_name(path.stem + "-model")
            if path is not None
            else Path.home() / "annotator-model"
        )
        stored = self.window.settings.value(f"model/last/{corpus.location}")
        if isinstance(stored, dict):
            return TrainingChoice(
                Path(str(stored.get("out", folder))),
                str(stored.get("name", folder.name)),
                stored.get("source") or None,
                str(stored.get("base", "blank")),
                int(stored.get("max_steps", 2000)),
                tuple(str(stored.get("components", "ner,spancat,textcat")).split(",")),
            )
        return TrainingChoice(
            folder, folder.name, None, "blank", 2000, ("ner", "spancat", "textcat")
        )

    def train_dialog(self) -> None:
        if self.running():
            self.window.statusBar().showMessage("A training is already running", 4000)
            return
        sources = [GOLD, *self.window.corpus.annotators()]
        dialog = TrainDialog(list(dict.fromkeys(sources)), self.default_choice(), self.window)
        self.dialog = dialog  # tests answer it
        if dialog.exec() != TrainDialog.DialogCode.Accepted:
            return
        self.start(dialog.choice())

    def start(self, choice: TrainingChoice) -> None:
        """Train ``choice`` in the background, then suggest on the unfinished documents."""
        from annotator.services.learning import suggest_with_model, train_model

        if self.running():
            return
        w = self.window
        corpus, annotator = w.corpus, w.session.annotator
        first = [w.session.document.id] if w.session.document is not None else []
        w.settings.setValue(
            f"model/last/{corpus.location}",
            {"out": str(choice.out), "name": choice.name, "source": choice.source or "",
             "base": choice.base, "max_steps": choice.max_steps,
             "components": ",".join(choice.components)},
        )  # fmt: skip

        def work(report: Any) -> ModelRun:
            def step(info: Any) -> None:
                losses = ", ".join(f"{k} {v:.1f}" for k, v in info.losses.items())
                text = f"Training: step {info.step} of {info.max_steps}; loss {losses}"
                if info.scores is not None:
                    dev = ", ".join(f"{k} {s['f']:.2f}" for k, s in info.scores.items())
                    self.last_scores = f"dev F: {dev}"
                report(text + (f"; {self.last_scores}" if self.last_scores else ""))

            report("Training: exporting the finished sets…")
            run = train_model(
                corpus,
                choice.out,
                source=choice.source,
                base=choice.base,
                max_steps=choice.max_steps,
                components=choice.components,
                name=choice.name or None,
                trained_by=annotator,
                on_step=step,
                progress=lambda done, total, what: report(
                    f"Training: exporting {done}/{total} {what}"
                ),
            )

            def suggesting(done: int, total: int, what: str) -> None:
                report(f"{run.origin} suggests: {done} of {total} {what}")

            try:
                suggest_with_model(corpus, run, annotator, first=first, progress=suggesting)
            except Cancelled:
                self.suggesting_cancelled = True  # the model is trained and recorded
            return run

        self.last_scores = ""
        self.suggesting_cancelled = False
        self.done_since_training = 0
        self.job = TrainingJob(work)
        self.job.progressed.connect(self._progressed)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)
        self.panel.show_job("Training: starting…", True)
        self.outcome_pending = True
        self.job.start()

    def cancel(self) -> None:
        if self.running():
            assert self.job is not None
            self.job.cancel()
            self.panel.show_job("Cancelling at the next step…", True)

    @Slot(str)
    def _progressed(self, text: str) -> None:
        self.panel.show_job(text, True)
        self.window.statusBar().showMessage(text, 3000)

    @Slot(object)
    def _finished(self, run: ModelRun | None) -> None:
        self.outcome_pending = False
        if run is None:
            self.panel.show_job("Training cancelled: no model written, nothing recorded.", False)
            return
        self.last_run = run
        scores = ", ".join(f"{k} {s['f']:.2f}" for k, s in run.scores.items())
        text = f"{run.origin} trained ({run.details.get('steps')} steps), dev F: {scores}"
        if self.suggesting_cancelled:
            text += "; its suggestions were cancelled (Model › Suggest with the latest model)"
        self.panel.show_job(text, False)
        self.window.statusBar().showMessage(text, 8000)
        self.window._reopen_current()

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.outcome_pending = False
        self.panel.show_job(f"Training stopped: {message}", False)
        QMessageBox.warning(self.window, "Training stopped", message)

    def wait(self) -> None:
        """Block until the job ends (closing the window, tests)."""
        if self.job is not None:
            self.job.wait()

    # -- after training ----------------------------------------------------------------------

    def suggest_again(self) -> None:
        from annotator.services.learning import latest_run, suggest_with_model

        w = self.window
        run = latest_run(w.corpus)
        if run is None:
            w.statusBar().showMessage("No model trained yet: Model › Train from the corpus", 5000)
            return
        first = [w.session.document.id] if w.session.document is not None else []
        annotator = w.session.annotator
        report = w._run(
            "Suggesting",
            lambda progress: suggest_with_model(
                w.corpus, run, annotator, first=first, progress=progress
            ),
        )
        w._reopen_current()
        if report is not None:
            w.statusBar().showMessage(
                f"{run.origin} suggested on {report.documents} documents", 6000
            )

    def on_status(self, status: str) -> None:
        """A document was marked ``status``: retrain when the setting says so."""
        if status != "done":
            return
        self.done_since_training += 1
        every = int(str(self.window.settings.value(RETRAIN_EVERY, 0)) or 0)
        if every and self.done_since_training >= every and not self.running():
            self.window.statusBar().showMessage(
                f"{self.done_since_training} documents done: retraining in the background", 5000
            )
            self.start(self.default_choice())

    def retrain_setting(self) -> None:
        current = int(str(self.window.settings.value(RETRAIN_EVERY, 0)) or 0)
        value, ok = QInputDialog.getInt(
            self.window,
            "Retrain automatically",
            "Retrain in the background every N documents marked done (0: never):",
            current,
            0,
            10_000,
        )
        if ok:
            self.window.settings.setValue(RETRAIN_EVERY, value)

    # -- uncertainty -------------------------------------------------------------------------

    def next_uncertain(self) -> None:
        from annotator.services.learning import most_uncertain

        w = self.window
        current = w.session.document.id if w.session.document else None
        ranked = [d for d, _ in most_uncertain(w.corpus, w.session.annotator) if d != current]
        if not ranked:
            w.statusBar().showMessage(
                "No unfinished document has a model's scores: train a model first", 5000
            )
            return
        w.open_document(ranked[0])

    def refresh(self) -> None:
        """Show the open document's suggestions with their scores."""
        from annotator.store.model_runs import set_scores

        w = self.window
        document = w.session.document
        if document is None:
            self.panel.show_suggestions("", None, None, [], {})
            return
        found = set_scores(w.corpus, document.id, w.session.annotator)
        items = [
            ScoredSuggestion(span, found.spans.get(span.id))
            for span in w.session.aset.spans
            if span.suggested
        ]
        answers = {k: v for k, v in found.answers.items() if not self._answered(k)}
        self.panel.show_suggestions(document.text, found.origin, found.uncertainty, items, answers)

    def _answered(self, item: str) -> bool:
        question, _, value = item.partition("=")
        given = self.window.session.aset.doc_labels.get(question)
        return given == value or (isinstance(given, list) and value in given)

    def _choose_span(self, span_id: str) -> None:
        self.window.view.setFocus()
        self.window._select(span_id)

    def _take_answer(self, question: str, value: str) -> None:
        w = self.window
        definition = w.corpus.scheme.question(question)
        if definition is None:
            return
        if definition.multi:
            given = w.session.aset.doc_labels.get(question) or []
            w.answer(question, sorted({*given, value}))
        else:
            w.answer(question, value)

    def show_curve(self) -> None:
        from annotator.services.learning import learning_curve
        from annotator.ui.model.curve import LearningCurveDialog

        self.curve_dialog = LearningCurveDialog(learning_curve(self.window.corpus), self.window)
        self.curve_dialog.show()
