"""The export feeds ``spacy train`` and ``spacy debug data`` as they are (real processes).

Both are slow (spaCy trains and loads pipelines): about 10 s and 5 s on two cores.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.model import Document
from annotator.services.corpora import init_corpus, seed_documents
from annotator.services.training import export_training_data
from annotator.store.corpus import Corpus
from tests.unit.nlp.spacy_samples import SEEDS, annotate, annotated_seeds, generated_documents

pytestmark = pytest.mark.slow


def spacy_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spacy", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=cwd,
    )


def test_spacy_trains_from_the_exported_seed_corpus_and_the_model_runs(
    corpus_path: Path, tmp_path: Path
) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(annotated_seeds("fr"))
        report = export_training_data(corpus, tmp_path / "out")
    out = tmp_path / "out"

    done = spacy_cli(
        "train", out / "config.cfg",
        "--paths.train", out / "train.spacy", "--paths.dev", out / "dev.spacy",
        "--training.max_steps", "4", "--training.eval_frequency", "2",
        "--output", tmp_path / "model",
        cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    import spacy

    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert nlp.pipe_names == ["tok2vec", *report.components]
    article = seed_documents()[0].text
    doc = nlp(article)
    assert doc.text == article
    assert set(doc.cats) == {"stance:FAVOR", "stance:AGAINST", "stance:NONE"}
    assert abs(sum(doc.cats.values()) - 1.0) < 1e-4  # exclusive classes
    assert {"claim", "cue", "claim_stance"} <= set(doc.spans)
    assert all(ent.label_ in {"PER", "ORG", "LOC", "MISC"} for ent in doc.ents)

    # The loop closed: the trained folder pre-annotates the corpus it was trained from.
    from annotator.services.preannotating import preannotate

    with Corpus.open(corpus_path) as corpus:
        first = corpus.document_ids()[0]
        result = preannotate(
            corpus, str(tmp_path / "model" / "model-last"), "reviewer", [first], claims=False
        )
        aset = corpus.annotation_set(first, "reviewer")
    assert result.origin == "model:model-last"
    assert result.documents == 1
    assert all(s.suggested and s.origin == "model:model-last" for s in aset.spans)
    # The model's labels are the scheme's own; predicted stances land on the claims.
    assert not result.unmapped
    stances = {s.attrs.get("stance") for s in aset.spans if s.layer == "claim"}
    assert stances <= {None, "FAVOR", "AGAINST", "NONE"}


def test_spacy_debug_data_finds_no_error_in_a_corpus_of_150_documents(
    corpus_path: Path, tmp_path: Path
) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(generated_documents(150))
        report = export_training_data(corpus, tmp_path / "out")
    out = tmp_path / "out"
    assert report.train >= 100  # spaCy calls fewer training docs an error

    done = spacy_cli(
        "debug", "data", out / "config.cfg",
        "--paths.train", out / "train.spacy", "--paths.dev", out / "dev.spacy",
        cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "✘" not in done.stdout, done.stdout
    assert "checks passed" in done.stdout
    assert f"{report.train} training docs" in done.stdout


def copies_of_the_seeds(per_language: dict[str, int]) -> list[Document]:
    """The French and English seeds, each article copied under new ids, annotated as the
    seed is, after a numbered first line and a lead of 80 words drawn from the seeds'
    lowercase words: enough that no two copies are near-copies (Jaccard of their 5-word
    shingles about 0.65, below the 0.8 that would put a cluster on one side of the split)."""
    documents = []
    seeds = seed_documents()
    for language, wanted in per_language.items():
        mine = [d for d in seeds if d.meta["lang"] == language]
        words = sorted({w for d in mine for w in d.text.split() if w.isalpha() and w.islower()})
        rng = random.Random(language)
        for number in range(wanted):
            seed = mine[number % len(mine)]
            heading = ("Dépêche" if language == "fr" else "Dispatch") + f" {number}.\n\n"
            lead = " ".join(rng.choice(words) for _ in range(80)) + ".\n\n"
            copy = Document(f"{seed.id}-{number}", heading + lead + seed.text, dict(seed.meta))
            copy.annotations.append(annotate(copy, SEEDS[seed.id]))
            documents.append(copy)
    return documents


def test_spacy_debug_data_finds_no_error_in_a_multilingual_corpus_from_the_seeds(
    corpus_path: Path, tmp_path: Path
) -> None:
    with init_corpus(corpus_path) as corpus:
        corpus.add_documents(copies_of_the_seeds({"fr": 150, "en": 150}))
        report = export_training_data(corpus, tmp_path / "out")
    assert sorted(report.languages) == ["en", "fr"]
    assert report.near_copies["clusters"] == 0
    assert report.audit.misaligned == [] and report.audit.overlapping == []

    for language, part in report.languages.items():
        out = tmp_path / "out" / language
        assert part.train >= 100  # spaCy calls fewer training docs an error
        done = spacy_cli(
            "debug", "data", out / "config.cfg",
            "--paths.train", out / "train.spacy", "--paths.dev", out / "dev.spacy",
            cwd=tmp_path,
        )  # fmt: skip

        assert done.returncode == 0, done.stdout + done.stderr
        assert "✘" not in done.stdout, done.stdout
        assert f"{part.train} training docs" in done.stdout
        assert "checks passed" in done.stdout
