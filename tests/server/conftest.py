"""Fixtures of the server tests: a corpus on each backend, and a team set up on a server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus


@pytest.fixture
def backend_corpus(corpus_location: str) -> Iterator[Corpus]:
    """An empty corpus with the default scheme, in a SQLite file, then on PostgreSQL."""
    with init_corpus(corpus_location) as created:
        yield created
