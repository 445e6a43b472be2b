"""Rolling backups and restores of corpus files (DESIGN §11): bounded in number, kept
beside the corpus, taken on a timer only when something changed, and a restore that
gives back exactly the backed-up state, can be undone, and refuses what it cannot do
safely without changing anything."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.core.edits import AddSpan, RemoveSpan, SetDocLabel, SetStatus
from annotator.core.errors import CorpusDamaged, CorpusError, DiskFull
from annotator.core.model import Document, Span
from annotator.services.backups import (
    DEFAULT_KEEP,
    backup_folder,
    backup_now,
    find_backup,
    list_backups,
    maybe_backup,
    restore,
    set_kept,
)
from annotator.services.corpora import data_dir, init_corpus, open_default_corpus
from annotator.services.importing import import_paths
from annotator.store import migrations
from annotator.store.corpus import Corpus
from annotator.store.engine import make_engine
from tests.mounts import fill, small_disk
from tests.unit.corpus_samples import annotated_record, corpus_state, write_jsonl
from tests.unit.damage import spoil_middle

__all__ = ["small_disk"]  # fixture

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NAME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}\.\d{6}Z-[a-z-]+\.annotator$")
TEXT = "Le ministre Jean Dupont a déclaré que la société Oracle hébergera les données."


@pytest.fixture
def annotated(corpus: Corpus, tmp_path: Path) -> Corpus:
    """A corpus with two documents: one imported with two annotators' work, one
    annotated by alice through edits."""
    import_paths(corpus, [write_jsonl(tmp_path / "in.jsonl", [annotated_record()])])
    corpus.add_documents([Document("oracle", TEXT)])
    corpus.apply_edit("oracle", "alice", AddSpan(Span("e1", "entity", 12, 23, "PER")))
    corpus.apply_edit("oracle", "alice", SetDocLabel("stance", "AGAINST"))
    return corpus


def more_edits(corpus: Corpus) -> None:
    """Edits of every kind after a backup: added and removed spans, a status, a document."""
    corpus.apply_edit("oracle", "alice", AddSpan(Span("e2", "entity", 50, 56, "ORG")))
    corpus.apply_edit("oracle", "alice", RemoveSpan("e1"))
    corpus.apply_edit("oracle", "alice", SetStatus("done"))
    corpus.apply_edit("unicode-1", "bob", SetDocLabel("stance", "FAVOR"))
    corpus.add_documents([Document("later", "Un document ajouté après la sauvegarde.")])
    corpus.add_guidelines("# Consignes v1", "lead")


# -- taking backups -----------------------------------------------------------------------------


def test_a_backup_is_a_complete_self_contained_corpus_in_the_backups_folder(
    annotated: Corpus, corpus_path: Path
) -> None:
    made = backup_now(annotated, "manual")

    assert made.parent == corpus_path.parent / "backups" / "corpus.annotator"
    assert NAME.match(made.name) and made.name.endswith("-manual.annotator")
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name]  # no -wal, no partial
    # A rollback-journal file (header bytes 18 and 19 are 1; WAL would be 2): ordinary
    # SQLite tools open it from a read-only folder or medium.
    assert made.read_bytes()[18:20] == b"\x01\x01"
    assert corpus_state(made) == corpus_state(corpus_path)


def test_backups_are_kept_to_a_bounded_number_the_oldest_going_first(annotated: Corpus) -> None:
    made = [backup_now(annotated, "timer", keep=3) for _ in range(5)]

    listed = list_backups(annotated.location)
    assert [b.path for b in listed] == made[:-4:-1]  # the three newest, newest first
    assert not made[0].exists() and not made[1].exists()
    assert [b.reason for b in listed] == ["timer"] * 3
    assert listed[0].taken_at > listed[1].taken_at > listed[2].taken_at


def test_the_number_kept_is_a_setting_of_the_corpus(annotated: Corpus) -> None:
    set_kept(annotated, 2)
    for _ in range(4):
        backup_now(annotated)

    assert len(list_backups(annotated.location)) == 2
    with pytest.raises(CorpusError, match="keep at least 1"):
        set_kept(annotated, 0)


def test_ten_are_kept_by_default(annotated: Corpus) -> None:
    for _ in range(DEFAULT_KEEP + 2):
        backup_now(annotated)

    assert len(list_backups(annotated.location)) == DEFAULT_KEEP == 10


def test_the_default_corpus_is_backed_up_in_the_data_folder() -> None:
    with open_default_corpus() as corpus:
        made = backup_now(corpus, "close")

    assert made.parent == data_dir() / "backups" / "default.annotator"


def test_a_timed_backup_waits_for_its_interval_and_for_a_change(annotated: Corpus) -> None:
    first = maybe_backup(annotated, min_interval_s=600)
    assert first is not None

    assert maybe_backup(annotated, min_interval_s=600) is None  # too soon
    assert maybe_backup(annotated, min_interval_s=0) is None  # nothing changed since
    annotated.apply_edit("oracle", "alice", SetStatus("in_progress"))
    assert maybe_backup(annotated, min_interval_s=600) is None  # changed, but too soon
    second = maybe_backup(annotated, min_interval_s=0, reason="close")

    assert second is not None and second.name.endswith("-close.annotator")
    assert [b.path for b in list_backups(annotated.location)] == [second, first]


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.add_guidelines("# v1", "lead"),
        lambda c: c.set_setting("target", "autre cible"),
        lambda c: c.add_documents([Document("new", "Nouveau.")]),
        lambda c: c.apply_edit("oracle", "alice", AddSpan(Span("e9", "entity", 0, 2, "LOC"))),
    ],
    ids=["guidelines", "setting", "document", "edit"],
)
def test_every_kind_of_write_counts_as_a_change(annotated: Corpus, change: object) -> None:
    maybe_backup(annotated, min_interval_s=0)
    assert callable(change)
    change(annotated)

    assert maybe_backup(annotated, min_interval_s=0) is not None


def test_a_server_corpus_is_not_backed_up_by_the_app() -> None:
    url = "postgresql+psycopg://lead@db.example.org/corpus"
    server = Corpus(make_engine(url), url)  # never connects: nothing is asked of it

    assert maybe_backup(server, min_interval_s=0) is None
    with pytest.raises(CorpusError, match="pg_dump"):
        backup_now(server)


# -- restoring ----------------------------------------------------------------------------------


def test_a_restore_gives_back_exactly_the_backed_up_state(
    annotated: Corpus, corpus_path: Path
) -> None:
    backed_up = corpus_state(corpus_path)
    made = backup_now(annotated)
    more_edits(annotated)
    later = corpus_state(corpus_path)
    assert later != backed_up

    report = restore(corpus_path, made)

    assert report.restored == made and not report.damaged
    assert corpus_state(corpus_path) == backed_up
    # The same Corpus object (a window that stayed open) reads the restored state too.
    assert [d.id for d in annotated.documents()] == ["unicode-1", "oracle"]
    assert report.previous is not None and corpus_state(report.previous) == later


def test_restoring_the_backup_taken_before_a_restore_undoes_it(
    annotated: Corpus, corpus_path: Path
) -> None:
    made = backup_now(annotated)
    more_edits(annotated)
    later = corpus_state(corpus_path)
    undo = restore(corpus_path, made).previous
    assert undo is not None

    restore(corpus_path, undo)

    assert corpus_state(corpus_path) == later


def test_a_restore_reaches_a_program_holding_the_corpus_open(
    annotated: Corpus, corpus_path: Path
) -> None:
    made = backup_now(annotated)
    annotated.add_documents([Document("later", "Ajouté après.")])
    other = sqlite3.connect(corpus_path)  # another program with the corpus open
    try:
        assert other.execute("SELECT count(*) FROM documents").fetchone() == (3,)

        restore(corpus_path, made)

        assert other.execute("SELECT count(*) FROM documents").fetchone() == (2,)
    finally:
        other.close()
    assert corpus_state(corpus_path)["integrity"] == "ok"


def test_backups_are_named_by_their_number_newest_first(annotated: Corpus) -> None:
    older = backup_now(annotated)
    newer = backup_now(annotated)

    assert find_backup(annotated.location, "1") == newer
    assert find_backup(annotated.location, "2") == older
    assert find_backup(annotated.location, str(older)) == older
    with pytest.raises(CorpusError, match="no backup number 3 \\(2 backups"):
        find_backup(annotated.location, "3")


def damage(path: Path, seed: int = 7) -> None:
    """Overwrite every page but the first (the header and the schema) with noise."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    noise = os.urandom(len(data) - page) if seed else bytes(len(data) - page)
    data[page:] = noise
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (damage, "not a usable backup"),
        (lambda p: p.write_bytes(p.read_bytes()[:5000]), "not a usable backup"),
        (lambda p: p.write_text("pas une base", encoding="utf-8"), "not an SQLite database"),
    ],
    ids=["damaged pages", "truncated", "not a database"],
)
def test_a_corrupt_backup_is_refused_and_nothing_changes(
    annotated: Corpus, corpus_path: Path, spoil: object, expected: str
) -> None:
    made = backup_now(annotated)
    assert callable(spoil)
    spoil(made)
    more_edits(annotated)
    before = corpus_state(corpus_path)

    with pytest.raises(CorpusError) as caught:
        restore(corpus_path, made)

    assert str(made) in str(caught.value) and expected in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    assert corpus_state(corpus_path) == before
    assert [b.path for b in list_backups(corpus_path)] == [made]  # no before-restore copy
    assert sorted(p.name for p in backup_folder(corpus_path).iterdir()) == [made.name]


def test_a_backup_from_a_newer_annotator_is_refused(annotated: Corpus, corpus_path: Path) -> None:
    made = backup_now(annotated)
    conn = sqlite3.connect(made)
    with conn:
        conn.execute("UPDATE schema_info SET version = ?", (migrations.LATEST + 1,))
    conn.close()

    with pytest.raises(CorpusError, match="written by a newer Annotator"):
        restore(corpus_path, made)


def test_a_backup_of_an_older_schema_is_restored_migrated(corpus: Corpus, tmp_path: Path) -> None:
    old = tmp_path / "elsewhere" / "old.annotator"
    old.parent.mkdir()
    shutil.copyfile(FIXTURES / "corpus_v1.annotator", old)

    restore(corpus.location, old)

    with Corpus.open(corpus.location) as restored:
        assert restored.document_ids() == ["paris-ministre", "oracle-tiktok"]
        assert restored.integrity_check() == "ok"
    conn = sqlite3.connect(old)
    assert conn.execute("SELECT version FROM schema_info").fetchone() == (1,)  # untouched
    conn.close()
    version = sqlite3.connect(corpus.location).execute("SELECT version FROM schema_info")
    assert version.fetchone() == (migrations.LATEST,)


def test_a_damaged_corpus_is_replaced_and_its_raw_copy_kept(
    annotated: Corpus, corpus_path: Path
) -> None:
    backed_up = corpus_state(corpus_path)
    made = backup_now(annotated)
    annotated.add_documents([Document(f"d{n}", TEXT * 20) for n in range(200)])
    annotated.close()  # checkpointed: the file holds everything
    damage(corpus_path)
    damaged_bytes = corpus_path.read_bytes()

    report = restore(corpus_path, made)

    assert report.damaged and report.previous is not None
    assert report.previous.name.endswith("-damaged.annotator")
    assert report.previous.read_bytes() == damaged_bytes
    assert corpus_state(corpus_path) == backed_up


def test_a_damaged_corpus_open_in_another_program_is_not_replaced(
    annotated: Corpus, corpus_path: Path
) -> None:
    made = backup_now(annotated)
    annotated.add_documents([Document(f"d{n}", TEXT * 20) for n in range(200)])
    annotated.close()
    other = sqlite3.connect(corpus_path)
    try:
        other.execute("SELECT count(*) FROM sqlite_master").fetchone()  # holds it open
        damage(corpus_path)
        damaged_bytes = corpus_path.read_bytes()

        with pytest.raises(CorpusError, match=r"open in another program.*nothing was changed"):
            restore(corpus_path, made)

        assert corpus_path.read_bytes() == damaged_bytes
        assert [b.path for b in list_backups(corpus_path)] == [made]
    finally:
        other.close()


def test_a_deleted_corpus_is_recreated_from_its_backup(
    annotated: Corpus, corpus_path: Path
) -> None:
    backed_up = corpus_state(corpus_path)
    made = backup_now(annotated)
    annotated.close()
    corpus_path.unlink()

    report = restore(corpus_path, made)

    assert report.previous is None
    assert corpus_state(corpus_path) == backed_up


def test_restoring_a_server_corpus_is_refused_with_a_clear_message(annotated: Corpus) -> None:
    made = backup_now(annotated)

    with pytest.raises(CorpusError) as caught:
        restore("postgresql+psycopg://lead@db.example.org/corpus", made)

    message = str(caught.value)
    assert message.startswith("postgresql+psycopg://lead@db.example.org/corpus: ")
    assert "backups and restores are for corpus files" in message and "pg_dump" in message


def test_a_missing_backup_is_refused(corpus: Corpus, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such backup; list them with 'annotator restore"):
        restore(corpus.location, tmp_path / "nowhere.annotator")
    with pytest.raises(CorpusError, match="the corpus itself"):
        restore(corpus.location, corpus.location)


# -- damaged corpora never push out good backups (issue 18) ----------------------------------


@pytest.fixture
def grown(annotated: Corpus) -> Corpus:
    """The annotated corpus with enough documents for damage to hit their pages."""
    annotated.add_documents([Document(f"d{n}", TEXT * 20) for n in range(200)])
    return annotated


def test_a_damaged_corpus_is_not_backed_up_and_the_good_backups_stay(
    grown: Corpus, corpus_path: Path
) -> None:
    good = [backup_now(grown, keep=3) for _ in range(3)]
    spoil_middle(corpus_path)

    for _ in range(3):
        with pytest.raises(CorpusDamaged) as caught:
            backup_now(grown, keep=3)

    message = str(caught.value)
    assert message.startswith(f"{corpus_path}: the corpus is damaged")
    assert f"annotator restore {corpus_path} 1" in message and good[-1].name in message
    assert [b.path for b in list_backups(corpus_path)] == good[::-1]
    assert not list(backup_folder(corpus_path).glob("*.partial"))


def test_the_timer_does_not_back_up_a_damaged_corpus(grown: Corpus, corpus_path: Path) -> None:
    good = backup_now(grown)
    grown.add_documents([Document("later", TEXT)])
    spoil_middle(corpus_path)

    with pytest.raises(CorpusDamaged):
        maybe_backup(grown, min_interval_s=0)

    assert [b.path for b in list_backups(corpus_path)] == [good]


def test_raw_copies_of_damaged_corpora_never_push_out_the_last_good_backup(
    grown: Corpus, corpus_path: Path
) -> None:
    good = backup_now(grown, keep=1)
    grown.close()
    for _ in range(2):
        spoil_middle(corpus_path)
        restore(corpus_path, good, keep=1)

    kept = list_backups(corpus_path)
    assert good in [b.path for b in kept]
    assert [b.reason for b in kept].count("damaged") == 1


def test_a_backup_with_foreign_key_orphans_is_refused(annotated: Corpus, corpus_path: Path) -> None:
    made = backup_now(annotated)
    conn = sqlite3.connect(made)
    with conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM annotation_sets")
    conn.close()
    before = corpus_state(corpus_path)

    with pytest.raises(CorpusError, match=r"not a usable backup.*refers to a missing"):
        restore(corpus_path, made)

    assert corpus_state(corpus_path) == before


@pytest.mark.parametrize(
    "edit",
    [
        "CREATE TRIGGER wipe AFTER INSERT ON spans BEGIN DELETE FROM documents; END",
        "DROP INDEX ix_annotation_sets_annotator",
        "ALTER TABLE spans DROP COLUMN origin",
        "CREATE TABLE extra (x INTEGER)",
    ],
    ids=["trigger added", "index dropped", "column dropped", "table added"],
)
def test_a_backup_with_an_edited_schema_is_refused(
    annotated: Corpus, corpus_path: Path, edit: str
) -> None:
    made = backup_now(annotated)
    conn = sqlite3.connect(made)
    with conn:
        conn.execute(edit)
    conn.close()
    before = corpus_state(corpus_path)

    with pytest.raises(CorpusError, match=r"not a usable backup.*schema was edited"):
        restore(corpus_path, made)

    assert corpus_state(corpus_path) == before


def test_a_backup_onto_a_full_disk_says_so_and_leaves_nothing(small_disk: Path) -> None:
    location = small_disk / "corpus.annotator"
    with init_corpus(location) as corpus:
        corpus.add_documents([Document(f"d{n}", TEXT) for n in range(20)])
        backup_folder(location).mkdir(parents=True)
        fill(small_disk)

        with pytest.raises(DiskFull, match="the disk is full"):
            backup_now(corpus)

    assert list_backups(location) == []
    assert list(backup_folder(location).iterdir()) == []
