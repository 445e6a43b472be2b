"""A small French corpus for the model in the loop: generated articles alice finished
(the training data) and a few she has not started (where suggestions go)."""

from __future__ import annotations

from pathlib import Path

from annotator.services.corpora import init_corpus
from tests.unit.nlp.spacy_samples import generated_documents

TRAINED = 8
UNFINISHED = ("gen-0008", "gen-0009", "gen-0010")


def loop_corpus(path: Path) -> Path:
    documents = generated_documents(TRAINED + len(UNFINISHED))
    for document in documents[TRAINED:]:
        document.annotations = []
    with init_corpus(path) as corpus:
        corpus.add_documents(documents)
    return path
