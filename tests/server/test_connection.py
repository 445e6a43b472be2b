"""A server that goes away: nothing unconfirmed is acknowledged, the error says what
happened, and the corpus reconnects on its next use."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Connection, text

from annotator.core.edits import AddSpan
from annotator.core.errors import ConnectionLost, EditConflict
from annotator.core.model import Document, Span
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from annotator.store.engine import make_engine, writing
from tests.server.postgres import libpq

UNREACHABLE = "postgresql+psycopg://nobody:secret@127.0.0.1:9/corpus"


def claim(span_id: str, start: int) -> AddSpan:
    return AddSpan(Span(span_id, "claim", start, start + 4, "CLAIM", origin="manual"))


def terminate_others(admin_url: str) -> int:
    """End every other session on the corpus database, as a server restart would."""
    with psycopg.connect(libpq(admin_url), autocommit=True) as admin:
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert ended is not None
    return int(ended[0])


@pytest.fixture
def server_corpus(pg_url: str) -> Iterator[Corpus]:
    with init_corpus(pg_url) as corpus:
        corpus.add_documents([Document("d1", "y" * 100)])
        yield corpus


@pytest.mark.parametrize(
    "url", ["postgres://a@h/d", "postgresql://a@h/d", "postgresql+psycopg2://a@h/d"]
)
def test_every_postgresql_url_uses_the_driver_annotator_installs(url: str) -> None:
    engine = make_engine(url)

    assert engine.url.render_as_string() == "postgresql+psycopg://a@h/d"


def test_an_unreachable_server_is_reported_without_its_password() -> None:
    with pytest.raises(ConnectionLost, match="cannot connect to the server") as lost:
        Corpus.open(UNREACHABLE)

    assert "secret" not in str(lost.value)
    assert "nobody:***@127.0.0.1:9/corpus" in str(lost.value)


def test_ping_answers_and_a_dropped_idle_connection_is_replaced_unseen(
    pg_url: str, server_corpus: Corpus
) -> None:
    server_corpus.ping()

    assert terminate_others(pg_url) >= 1  # the corpus's pooled connection
    server_corpus.apply_edit("d1", "alice", claim("a1", 0))

    server_corpus.ping()
    assert [s.id for s in server_corpus.annotation_set("d1", "alice").spans] == ["a1"]


def test_a_connection_lost_during_an_edit_writes_nothing_and_the_next_edit_works(
    pg_url: str, server_corpus: Corpus
) -> None:
    def write_then_cut(conn: Connection) -> None:
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('half', '1')"))
        conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    with pytest.raises(ConnectionLost, match=r"lost the connection.*not confirmed as saved"):
        writing(server_corpus.engine, write_then_cut)

    server_corpus.reconnect()
    assert server_corpus.setting("half") is None
    server_corpus.apply_edit("d1", "alice", claim("a2", 5))
    assert [s.id for s in server_corpus.annotation_set("d1", "alice").spans] == ["a2"]


def test_an_edit_retried_after_an_unconfirmed_commit_cannot_apply_twice(
    server_corpus: Corpus,
) -> None:
    """The window keeps the edit it could not confirm and retries it with the revision
    it had read: if the first attempt did commit, the retry is refused, not doubled."""
    _, revision = server_corpus.annotation_set_and_revision("d1", "alice")
    server_corpus.apply_edit("d1", "alice", claim("a3", 10), expected_revision=revision)
    # ... the acknowledgement was lost here; the window retries the same edit:

    with pytest.raises(EditConflict):
        server_corpus.apply_edit("d1", "alice", claim("a3", 10), expected_revision=revision)

    aset, now = server_corpus.annotation_set_and_revision("d1", "alice")
    assert ([s.id for s in aset.spans], now) == (["a3"], revision + 1)


def test_a_server_that_is_down_raises_connection_lost_on_every_use() -> None:
    corpus = Corpus(make_engine(UNREACHABLE), UNREACHABLE)

    with pytest.raises(ConnectionLost, match="cannot connect"):
        corpus.ping()
    with pytest.raises(ConnectionLost, match="cannot connect"):
        corpus.apply_edit("d1", "alice", claim("a4", 0))
    with pytest.raises(ConnectionLost, match="cannot connect"):
        corpus.reconnect()
