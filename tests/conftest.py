"""Fixtures shared by every test package: real corpora in tmp_path, the default scheme."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Qt runs offscreen in every test, and the default corpus never touches the user's home.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from annotator.core.scheme import Scheme
from annotator.services.corpora import default_scheme, init_corpus
from annotator.store.corpus import Corpus

# Property tests check what is computed, never how fast: no per-example deadline (a first
# example that imports or compiles something took 0.9 s on a loaded CI machine and failed).
settings.register_profile("annotator", deadline=None)
settings.load_profile("annotator")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Files written by other tools, bytes unchanged; where each comes from: its SOURCES.md.
FORMATS_REAL = FIXTURES / "formats-real"


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


# -- PostgreSQL (tests/server): set ANNOTATOR_TEST_PG_URL; .ci/run starts a server --------


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A PostgreSQL URL whose role may create databases and roles, or a skip without one
    (a failure where a server is required, as in CI)."""
    from tests.server.postgres import REQUIRED_VARIABLE, URL_VARIABLE

    url = os.environ.get(URL_VARIABLE)
    if not url:
        reason = f"no PostgreSQL server: set {URL_VARIABLE} (bash .ci/run starts one)"
        if os.environ.get(REQUIRED_VARIABLE):
            pytest.fail(f"{REQUIRED_VARIABLE} is set but {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A new empty database on the server, dropped after the test with the roles it made."""
    from tests.server.postgres import scratch_database

    with scratch_database(pg_admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def corpus_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's corpus goes, once per backend: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "corpus.annotator")
    return str(request.getfixturevalue("pg_url"))
