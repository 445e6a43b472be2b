"""Fixtures shared by every test package: real corpora in tmp_path, the default scheme."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt runs offscreen in every test, and the default corpus never touches the user's home.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from annotator.core.scheme import Scheme
from annotator.services.corpora import default_scheme, init_corpus
from annotator.store.corpus import Corpus

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FORMATS_REAL = SHARED / "formats-real"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def annotator_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default corpus and settings at a fresh folder for each test."""
    home = tmp_path / "annotator-home"
    monkeypatch.setenv("ANNOTATOR_HOME", str(home))
    return home


@pytest.fixture
def scheme() -> Scheme:
    return default_scheme()


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.annotator"


@pytest.fixture
def corpus(corpus_path: Path) -> Iterator[Corpus]:
    """An empty corpus with the default scheme, in a real SQLite file."""
    with init_corpus(corpus_path) as created:
        yield created
