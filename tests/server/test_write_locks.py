"""How writers share a server corpus (see annotator/store/engine.py): an edit of one
annotation set waits only for writers of that set, while imports, merges and other
whole-corpus writes run alone, as every write does on SQLite."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, text

from annotator.core.edits import AddSpan
from annotator.core.model import Document, Span
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from annotator.store.engine import writing

WAIT = 10.0  # seconds before a test gives up on a thread


def claim(span_id: str, start: int) -> AddSpan:
    return AddSpan(Span(span_id, "claim", start, start + 4, "CLAIM", origin="manual"))


class Held:
    """A write transaction kept open in a thread until :meth:`release`."""

    def __init__(self, write: Callable[[Callable[..., None]], object]) -> None:
        self.inside, self.released = threading.Event(), threading.Event()

        def hold(_conn: Connection, *_args: object) -> None:
            self.inside.set()
            assert self.released.wait(WAIT)

        self.thread = threading.Thread(target=write, args=(hold,))
        self.thread.start()
        assert self.inside.wait(WAIT)

    def release(self) -> None:
        self.released.set()
        self.thread.join(WAIT)


def in_thread(action: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=action)
    thread.start()
    return thread


@pytest.fixture
def corpora(pg_url: str) -> Iterator[tuple[Corpus, Corpus]]:
    """Two connections to one server corpus holding one document: two windows."""
    with init_corpus(pg_url) as first, Corpus.open(pg_url) as second:
        first.add_documents([Document("d1", "y" * 100)])
        yield first, second


def test_edits_of_other_sets_go_on_while_one_set_is_being_written(
    corpora: tuple[Corpus, Corpus],
) -> None:
    first, second = corpora
    held = Held(lambda hold: first.apply_edit("d1", "alice", claim("a1", 0), also=hold))
    try:
        started = time.monotonic()
        second.apply_edit("d1", "bob", claim("b1", 0))  # would wait WAIT s if serialized
        waited = time.monotonic() - started
        same_set = in_thread(lambda: second.apply_edit("d1", "alice", claim("a2", 5)))
        same_set.join(0.5)
        assert same_set.is_alive()  # alice's set is locked by the held edit
    finally:
        held.release()
    same_set.join(WAIT)

    assert waited < WAIT / 2
    assert [s.id for s in first.annotation_set("d1", "alice").spans] == ["a1", "a2"]
    assert [s.id for s in first.annotation_set("d1", "bob").spans] == ["b1"]


def test_a_whole_corpus_write_runs_alone(corpora: tuple[Corpus, Corpus]) -> None:
    first, second = corpora
    held = Held(lambda hold: writing(first.engine, hold))
    try:
        edit = in_thread(lambda: second.apply_edit("d1", "bob", claim("b1", 0)))
        edit.join(0.5)
        assert edit.is_alive()  # waits for the import, merge or scheme change to commit
    finally:
        held.release()
    edit.join(WAIT)

    assert not edit.is_alive()
    assert [s.id for s in first.annotation_set("d1", "bob").spans] == ["b1"]


def test_a_deadlock_between_two_writers_is_retried_not_reported(
    corpora: tuple[Corpus, Corpus],
) -> None:
    first, second = corpora
    first.set_setting("a", 0)
    first.set_setting("b", 0)
    locked = {"a": threading.Event(), "b": threading.Event()}
    attempts = {"a": 0, "b": 0}
    failures: list[BaseException] = []

    def lock_then_other(mine: str, other: str) -> Callable[[Connection], None]:
        def work(conn: Connection) -> None:
            attempts[mine] += 1
            lock = "SELECT value FROM settings WHERE key = :key FOR UPDATE"
            conn.execute(text(lock), {"key": mine})
            locked[mine].set()
            assert locked[other].wait(WAIT)
            conn.execute(text(lock), {"key": other})  # each waits for the other: deadlock
            done = text("UPDATE settings SET value = '\"done\"' WHERE key = :key")
            conn.execute(done, {"key": mine})

        return work

    def run(corpus: Corpus, mine: str, other: str) -> None:
        try:
            writing(corpus.engine, lock_then_other(mine, other), exclusive=False)
        except BaseException as error:
            failures.append(error)

    threads = [in_thread(lambda: run(first, "a", "b")), in_thread(lambda: run(second, "b", "a"))]
    for thread in threads:
        thread.join(WAIT)

    assert failures == []
    assert sorted(attempts.values()) == [1, 2]  # the server broke the deadlock; one reran
    assert (first.setting("a"), first.setting("b")) == ("done", "done")
