"""``annotator train`` as a process, on the seed corpus: in-process training, the run
recorded, the message of a corpus with nothing to learn from."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.services.corpora import init_corpus, seed_documents
from tests.e2e.cli import annotator
from tests.unit.nlp.spacy_samples import annotated_seeds


def test_train_on_the_seed_corpus_writes_the_models_and_stats_shows_the_run(
    corpus_path: Path, tmp_path: Path
) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(annotated_seeds())
    out = tmp_path / "seed-model"

    done = annotator(
        "train", corpus_path, "-o", out, "--max-steps", "2", "--components", "ner,textcat"
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("trained model:seed-model@1 in ")
    assert "2 steps on " in lines[0]
    assert any(line.strip().startswith("ner: F ") for line in lines)
    assert lines[-1] == f"wrote {out / 'model-best'} and {out / 'model-last'}"
    assert (out / "model-best" / "config.cfg").is_file()
    stats = json.loads(annotator("stats", corpus_path, "--json").stdout)
    [run] = stats["models"]
    assert run["origin"] == "model:seed-model@1"
    # The seeds are French and English: the corpus language (French) is trained.
    assert run["documents"] == sum(1 for d in annotated_seeds() if d.meta.get("lang") == "fr")


def test_train_without_finished_sets_says_there_is_nothing_to_train(
    corpus_path: Path, tmp_path: Path
) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(seed_documents())

    done = annotator("train", corpus_path, "-o", tmp_path / "m", "--max-steps", "2")

    assert done.returncode == 1
    assert done.stderr.startswith("annotator: error: ")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "m" / "model-best").exists()


def test_train_with_an_unknown_component_is_an_error_naming_it(
    corpus_path: Path, tmp_path: Path
) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(annotated_seeds("fr"))

    done = annotator("train", corpus_path, "-o", tmp_path / "m", "--components", "ner,tagger")

    assert done.returncode == 1
    assert "unknown components tagger" in done.stderr
