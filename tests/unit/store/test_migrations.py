"""Schema versions: forward migration with a backup first, refusal of newer corpora,
and the numbered steps agreeing with ``annotator/store/schema.py``."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect

from annotator.core.edits import SetStatus
from annotator.core.errors import CorpusError
from annotator.core.model import AnnotationSet, Relation, Span
from annotator.core.scheme import Scheme
from annotator.store import migrations, schema
from annotator.store.corpus import Corpus
from tests.fixtures.make_corpus_v1 import SCHEME, STAMP, TEXT_1, TEXT_2

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "corpus_v1.annotator"


def version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT version FROM schema_info").fetchone()[0])
    finally:
        conn.close()


def rows(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "old.annotator"
    shutil.copyfile(FIXTURE, copy)
    return copy


def test_the_fixture_is_a_small_version_1_corpus() -> None:
    assert version_of(FIXTURE) == 1
    assert FIXTURE.stat().st_size < 100_000
    conn = sqlite3.connect(FIXTURE)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(annotation_sets)")]
    finally:
        conn.close()
    assert "revision" not in columns


def test_opening_a_version_1_corpus_backs_it_up_then_migrates_it(v1_copy: Path) -> None:
    with Corpus.open(v1_copy) as corpus:
        assert corpus.integrity_check() == "ok"

    assert version_of(v1_copy) == migrations.LATEST
    (backup,) = v1_copy.parent.glob("old.annotator.before-schema-*")
    assert version_of(backup) == 1
    assert rows(backup, "spans") == 4 and rows(backup, "relations") == 2


def test_a_migrated_corpus_reads_back_every_row(v1_copy: Path) -> None:
    with Corpus.open(v1_copy) as corpus:
        docs = {doc.id: doc for doc in corpus.documents()}
        assert corpus.scheme == Scheme.from_dict(SCHEME)
        assert corpus.setting("created_with") == "0.0.9"
        assert corpus.guidelines() == (1, "# Consignes\nAnnoter les personnes.")
        assert corpus.annotators() == ["alice", "bob"]

    assert list(docs) == ["paris-ministre", "oracle-tiktok"]
    first, second = docs["paris-ministre"], docs["oracle-tiktok"]
    assert (first.text, second.text) == (TEXT_1, TEXT_2)
    assert first.meta == {"source": "AFP", "lang": "fr"} and second.meta == {}
    alice = first.annotation_set("alice")
    assert alice == AnnotationSet(
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
    assert [TEXT_1[s.start : s.end] for s in alice.spans] == [
        "Jean\u202fDupont",
        "Nous protégeons 𝔘n monde 🇫🇷",
        "a déclaré",
    ]
    bob = second.annotation_set("bob")
    assert bob is not None and bob.status == "in_progress"
    assert bob.spans == [
        Span("s1", "entity", 0, 6, "ORG", origin="model:fr_core_news_sm", state="suggested")
    ]


def test_a_migrated_corpus_takes_edits_and_is_not_backed_up_again(v1_copy: Path) -> None:
    Corpus.open(v1_copy).close()

    with Corpus.open(v1_copy) as corpus:
        corpus.apply_edit("oracle-tiktok", "bob", SetStatus("done"))
        assert corpus.annotation_set("oracle-tiktok", "bob").status == "done"

    assert len(list(v1_copy.parent.glob("old.annotator.before-schema-*"))) == 1


def test_a_corpus_from_a_newer_annotator_is_refused_untouched(corpus_path: Path) -> None:
    Corpus.create(corpus_path, Scheme()).close()
    conn = sqlite3.connect(corpus_path)
    conn.execute("UPDATE schema_info SET version = ?", (migrations.LATEST + 1,))
    conn.commit()
    before = list(conn.iterdump())
    conn.close()

    with pytest.raises(CorpusError, match="newer") as caught:
        Corpus.open(corpus_path)

    assert str(corpus_path) in str(caught.value)
    assert "upgrade Annotator" in str(caught.value)
    conn = sqlite3.connect(corpus_path)
    assert list(conn.iterdump()) == before
    conn.close()
    assert not list(corpus_path.parent.glob("*.before-schema-*"))


def test_a_new_corpus_is_at_the_latest_version(corpus_path: Path) -> None:
    Corpus.create(corpus_path, Scheme()).close()

    assert version_of(corpus_path) == migrations.LATEST
    assert sorted(migrations.STEPS) == list(range(1, migrations.LATEST + 1))


def shape(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, keys, indexes and constraints, as the database has them."""
    found = inspect(engine)
    tables: dict[str, Any] = {}
    for name in sorted(found.get_table_names()):
        tables[name] = {
            "columns": [
                (
                    c["name"],
                    str(c["type"]),
                    c["nullable"],
                    c.get("primary_key"),
                    None if c["default"] is None else str(c["default"]).strip("'"),
                )
                for c in found.get_columns(name)
            ],
            "primary_key": found.get_pk_constraint(name)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(name)),
            "foreign_keys": sorted(
                (
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    f["options"].get("ondelete"),
                )
                for f in found.get_foreign_keys(name)
            ),
        }
    return tables


@pytest.fixture
def declared(tmp_path: Path) -> dict[str, Any]:
    engine = create_engine(f"sqlite:///{tmp_path / 'declared.db'}")
    schema.metadata.create_all(engine)
    try:
        return shape(engine)
    finally:
        engine.dispose()


def test_running_every_step_from_scratch_gives_the_declared_schema(
    tmp_path: Path, declared: dict[str, Any]
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'stepped.db'}")
    with engine.begin() as conn:
        migrations.upgrade(conn, 0)
        assert migrations.current_version(conn) == migrations.LATEST
    try:
        assert shape(engine) == declared
    finally:
        engine.dispose()


def test_a_migrated_version_1_corpus_has_the_declared_schema(
    v1_copy: Path, declared: dict[str, Any]
) -> None:
    Corpus.open(v1_copy).close()

    engine = create_engine(f"sqlite:///{v1_copy}")
    try:
        assert shape(engine) == declared
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("statement", "index"),
    [
        # What SQLite runs for each span deleted: the cascade to the relations naming it.
        ("DELETE FROM relations WHERE set_pk = 1 AND head = 's1'", "ix_relations_head"),
        ("DELETE FROM relations WHERE set_pk = 1 AND child = 's1'", "ix_relations_child"),
        ("SELECT * FROM doc_labels WHERE set_pk IN (1, 2)", "ix_doc_labels_set"),
    ],
)
def test_relations_and_answers_are_found_by_index_not_by_a_scan_after_migrating(
    v1_copy: Path, statement: str, index: str
) -> None:
    Corpus.open(v1_copy).close()  # migrates to the latest version
    conn = sqlite3.connect(v1_copy)
    try:
        plan = " ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}"))
    finally:
        conn.close()

    assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
