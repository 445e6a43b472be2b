"""Every earlier schema version migrates to the latest (DESIGN §11), from committed
fixtures written by ``tests/fixtures/make_corpus_v1.py`` and ``make_corpus_versions.py``:
a backup first, then every row reads back (documents, sets, spans, relations, answers,
guidelines, and what each version added: revisions, suggestion decisions, review
decisions)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.core.edits import SetStatus
from annotator.core.model import AnnotationSet, Relation, Span
from annotator.core.scheme import Scheme
from annotator.services.stats import statistics
from annotator.store import migrations
from annotator.store.adjudication import Decision, decisions
from annotator.store.corpus import Corpus
from tests.fixtures.make_corpus_v1 import SCHEME, STAMP, TEXT_1, TEXT_2
from tests.fixtures.make_corpus_versions import ADJUDICATIONS, REVISIONS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
VERSIONS = sorted(
    int(m.group(1))
    for p in FIXTURES.glob("corpus_v*.annotator")
    if (m := re.fullmatch(r"corpus_v(\d+)\.annotator", p.name))
)


def schema_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT version FROM schema_info").fetchone()[0])
    finally:
        conn.close()


def table_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        conn.close()


def test_there_is_a_fixture_for_every_earlier_schema_version() -> None:
    assert set(range(1, migrations.LATEST)) <= set(VERSIONS)
    for version in VERSIONS:
        path = FIXTURES / f"corpus_v{version}.annotator"
        assert schema_version(path) == version
        assert path.stat().st_size < 100_000


@pytest.fixture(params=VERSIONS, ids=[f"v{v}" for v in VERSIONS])
def old_corpus(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[int, Path]:
    version: int = request.param
    copy = tmp_path / f"v{version}.annotator"
    shutil.copyfile(FIXTURES / f"corpus_v{version}.annotator", copy)
    return version, copy


def test_opening_an_old_corpus_backs_it_up_first_then_migrates_it(
    old_corpus: tuple[int, Path],
) -> None:
    version, path = old_corpus
    original = table_rows(path)

    with Corpus.open(path) as corpus:
        assert corpus.integrity_check() == "ok"

    assert schema_version(path) == migrations.LATEST
    backups = list(path.parent.glob(f"{path.name}.before-schema-*"))
    if version == migrations.LATEST:
        assert backups == []  # nothing to migrate, nothing to back up
        return
    (backup,) = backups
    assert schema_version(backup) == version
    assert table_rows(backup) == original


def test_every_row_of_an_old_corpus_reads_back(old_corpus: tuple[int, Path]) -> None:
    version, path = old_corpus
    with Corpus.open(path) as corpus:
        docs = {doc.id: doc for doc in corpus.documents()}
        assert corpus.scheme == Scheme.from_dict(SCHEME)
        assert corpus.setting("created_with") == "0.0.9"
        assert corpus.guidelines() == (1, "# Consignes\nAnnoter les personnes.")
        revision = corpus.annotation_set_and_revision("paris-ministre", "alice")[1]
        suggestions = statistics(corpus)["annotators"]["alice"]["suggestions"]
        review = decisions(corpus, "paris-ministre")

    assert list(docs) == ["paris-ministre", "oracle-tiktok"]
    first, second = docs["paris-ministre"], docs["oracle-tiktok"]
    assert (first.text, second.text) == (TEXT_1, TEXT_2)
    assert first.meta == {"source": "AFP", "lang": "fr"} and second.meta == {}
    assert first.annotation_set("alice") == AnnotationSet(
        "alice",
        "done",
        spans=[
            Span("e1", "entity", 20, 31, "PER", origin="manual"),
            Span("c1", "claim", 46, 73, "CLAIM", {"stance": "FAVOR"}),
            Span("u1", "cue", 32, 41, "CUE", origin="manual"),
        ],
        relations=[Relation("c1", "e1", "CLAIMANT"), Relation("c1", "u1", "CUE")],
        doc_labels={"stance": "AGAINST"},
        guideline_version=1,
        created_at=STAMP,
        updated_at=STAMP,
    )
    bob = second.annotation_set("bob")
    assert bob is not None and bob.status == "in_progress"
    assert bob.spans == [
        Span("s1", "entity", 0, 6, "ORG", origin="model:fr_core_news_sm", state="suggested")
    ]
    # What later versions added, at the versions that have it.
    assert revision == (REVISIONS[1] if version >= 2 else 0)
    decided = {"changed": 1, "rejected": 1} if version >= 3 else {"changed": 0, "rejected": 0}
    assert suggestions == {"pending": 0, "accepted": 0, **decided}
    gold = first.annotation_set("gold")
    if version >= 4:
        assert gold is not None and gold.spans == [
            Span("g1", "entity", 20, 31, "PER", origin="manual")
        ]
        assert review == {key: Decision(d, r, who, STAMP) for key, d, r, who in ADJUDICATIONS}
    else:
        assert gold is None and review == {}


def test_a_migrated_corpus_takes_edits_from_where_its_revisions_were(
    old_corpus: tuple[int, Path],
) -> None:
    version, path = old_corpus
    with Corpus.open(path) as corpus:
        before = corpus.annotation_set_and_revision("paris-ministre", "alice")[1]
        corpus.apply_edit("paris-ministre", "alice", SetStatus("in_progress"))

    with Corpus.open(path) as reopened:
        aset, after = reopened.annotation_set_and_revision("paris-ministre", "alice")
        assert reopened.integrity_check() == "ok"
    assert aset.status == "in_progress" and len(aset.spans) == 3
    assert after == before + 1
    assert len(list(path.parent.glob(f"{path.name}.before-schema-*"))) == (
        0 if version == migrations.LATEST else 1
    )


@pytest.mark.parametrize("version", range(migrations.READABLE_FROM, migrations.LATEST))
def test_a_read_command_reads_a_recent_older_corpus_without_changing_it(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "old.annotator"
    shutil.copyfile(FIXTURES / f"corpus_v{version}.annotator", path)
    before = path.read_bytes()

    with Corpus.open(path, read_only=True) as corpus:
        documents = [doc.id for doc in corpus.documents()]
        figures = statistics(corpus)

    assert documents == ["paris-ministre", "oracle-tiktok"] and figures["documents"] == 2
    assert path.read_bytes() == before  # not migrated, not written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.annotator"]  # no backup either
