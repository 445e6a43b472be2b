"""The model in the loop on a team server: an annotator's role records the models it
trains and reads everyone's runs, but sees and writes only its own sets' scores."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import text

from annotator.core.edits import Compound
from annotator.core.errors import AnnotatorError
from annotator.store import model_runs
from annotator.store.corpus import Corpus
from annotator.store.engine import writing
from annotator.store.model_runs import ModelRun
from tests.server.test_row_security import Team, team

__all__ = ["team"]  # fixture

pytestmark = pytest.mark.postgresql


def score(corpus: Corpus, doc_id: str, annotator: str, origin: str, uncertainty: float) -> None:
    also = partial(
        model_runs.write_scores, annotator=annotator, origin=origin, spans={},
        uncertainty=uncertainty, answers={"stance=FAVOR": 0.4},
    )  # fmt: skip
    corpus.apply_edit(doc_id, annotator, Compound(()), also=also)


def test_an_annotator_records_runs_and_sees_only_its_own_scores(team: Team) -> None:
    with Corpus.open(team.alice) as alice:
        run = model_runs.record_run(alice, ModelRun("m", "", "blank", "/m", trained_by="alice"))
        score(alice, "d1", "alice", run.origin, 0.7)
    with Corpus.open(team.bob) as bob:
        assert [r.origin for r in model_runs.runs(bob)] == ["model:m@1"]
        score(bob, "d1", "bob", run.origin, 0.3)
        assert model_runs.uncertain_documents(bob, "alice", ("done", "todo")) == []
        assert model_runs.set_scores(bob, "d1", "alice").origin is None
        assert model_runs.set_scores(bob, "d1", "bob").uncertainty == pytest.approx(0.3)
        with pytest.raises(AnnotatorError):
            writing(bob.engine, lambda conn: conn.execute(text("DELETE FROM model_runs")))
    with Corpus.open(team.lead) as lead:
        assert model_runs.set_scores(lead, "d1", "alice").uncertainty == pytest.approx(0.7)
        assert model_runs.set_scores(lead, "d1", "bob").answers == {"stance=FAVOR": 0.4}
