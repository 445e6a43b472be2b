"""A team server under an annotator who holds locks, imports, or picks odd role names:
nobody stalls, keys never collide with rows row-level security hides, role names are
what they say, and no password shows in a message."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from annotator.core.edits import AddSpan
from annotator.core.errors import ServerBusy
from annotator.core.model import AnnotationSet, Document, Span
from annotator.services.importing import import_paths
from annotator.store import engine
from annotator.store.corpus import Corpus
from annotator.store.engine import WRITE_LOCK
from tests.server.postgres import libpq
from tests.server.test_cli_server import annotator, password_of, succeeded
from tests.server.test_row_security import Team, team
from tests.unit.corpus_samples import sample_records, write_jsonl
from tests.unit.store.test_corpus import TEXT

__all__ = ["team"]  # fixture

pytestmark = pytest.mark.postgresql


def edit(url: str, span_id: str) -> float:
    """Alice adds a span to d2; the seconds it took."""
    started = time.perf_counter()
    with Corpus.open(url) as corpus:
        corpus.apply_edit("d2", "alice", AddSpan(Span(span_id, "entity", 5, 9, "ORG")))
    return time.perf_counter() - started


class Holding:
    """A psycopg session (of bob's, or the lead's) that runs ``statement`` and holds
    what it takes."""

    def __init__(self, url: str, statement: str) -> None:
        self.conn = psycopg.connect(libpq(url))
        self.conn.execute(statement)

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


@pytest.mark.parametrize(
    ("who", "statement"),
    [
        # An annotator may no longer lock a table (test_role_rights.py); a lead still may.
        ("lead", "LOCK TABLE spans IN ACCESS EXCLUSIVE MODE"),
        ("bob", f"SELECT pg_advisory_lock({WRITE_LOCK})"),
        ("bob", "SELECT * FROM annotation_sets FOR UPDATE"),  # his own rows only
    ],
    ids=["LOCK TABLE spans", "the app's advisory lock", "rows locked"],
)
def test_someone_holding_a_lock_makes_others_busy_not_stalled(
    team: Team, who: str, statement: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "EDIT_LOCK_TIMEOUT_MS", 1000)
    held = Holding(getattr(team, who), statement)
    try:
        started = time.perf_counter()
        if statement.endswith("FOR UPDATE"):
            assert edit(team.alice, "a9") < 5  # bob's rows are not alice's: no wait at all
            return
        with pytest.raises(ServerBusy) as caught:
            edit(team.alice, "a9")
        waited = time.perf_counter() - started
    finally:
        held.release()

    assert waited < 5
    message = str(caught.value)
    assert "the server is busy" in message and "nothing was written" in message
    assert make_url(team.alice).password not in message
    edit(team.alice, "a9")  # once released, the same edit goes through


def test_a_whole_corpus_write_waits_longer_then_says_busy(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "WRITE_LOCK_TIMEOUT_MS", 1500)
    held = Holding(team.bob, f"SELECT pg_advisory_lock({WRITE_LOCK})")
    try:
        with Corpus.open(team.lead) as corpus, pytest.raises(ServerBusy):
            corpus.add_documents([Document("d9", TEXT)])
    finally:
        held.release()


def test_an_edit_waits_out_a_short_lock(team: Team) -> None:
    held = Holding(team.lead, "LOCK TABLE spans IN ACCESS EXCLUSIVE MODE")
    threading.Timer(0.5, held.release).start()

    assert edit(team.alice, "a8") < engine.EDIT_LOCK_TIMEOUT_MS / 1000


def test_an_annotator_imports_next_to_rows_they_cannot_see(team: Team, tmp_path: Path) -> None:
    """The new set's key once came from the largest key alice can see, which bob's hidden
    set already had (UniqueViolation annotation_sets_pkey)."""
    with Corpus.open(team.admin) as admin:
        admin.add_documents([Document("d3", TEXT)])
        admin.apply_edit("d3", "bob", AddSpan(Span("b9", "entity", 0, 4, "PER")))  # newest key
    record = {
        "id": "d3",
        "text": TEXT,
        "annotations": [{"annotator": "alice", "spans": [
            {"id": "a1", "layer": "entity", "start": 0, "end": 4, "label": "PER"}]}],
    }  # fmt: skip

    with Corpus.open(team.alice) as corpus:
        report = import_paths(corpus, [write_jsonl(tmp_path / "alice.jsonl", [record])])
        assert report.files[0].annotation_sets == 1
        (own,) = corpus.document("d3").annotations  # bob's set stays invisible
        assert (own.annotator, [span.id for span in own.spans]) == ("alice", ["a1"])
    with Corpus.open(team.admin) as admin:
        assert sorted(a.annotator for a in admin.document("d3").annotations) == ["alice", "bob"]
        admin.add_documents([Document("d4", TEXT, annotations=[AnnotationSet("carol")])])


@pytest.mark.parametrize("name", ["100%", "o'neil", 'say "hi"', "a%%b", "x:y"])
def test_a_role_is_created_with_exactly_the_name_printed(
    tmp_path: Path, pg_url: str, name: str
) -> None:
    succeeded(annotator("init", pg_url))
    succeeded(annotator("import", pg_url, write_jsonl(tmp_path / "in.jsonl", sample_records())))
    suffix = make_url(pg_url).database
    succeeded(annotator("server", "setup", pg_url, "--lead-role", f"lead_{suffix}"))

    done = succeeded(annotator("server", "add-annotator", name, "--url", pg_url))

    role = f"annotator_{name}"
    assert done.startswith(f"annotator {name}: role {role}, connects with ")
    with psycopg.connect(libpq(pg_url)) as conn:
        found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    assert found is not None
    url = make_url(pg_url).set(username=role, password=password_of(done))
    with Corpus.open(url.render_as_string(False)) as corpus:
        corpus.apply_edit("raw-1", name, AddSpan(Span("z1", "entity", 0, 2, "PER")))


@pytest.mark.parametrize("role", [":evil", "évil:%(x)s", "a" * 64])
def test_an_odd_role_is_made_or_refused_in_one_line_without_the_password(
    tmp_path: Path, pg_url: str, role: str
) -> None:
    succeeded(annotator("init", pg_url))
    suffix = make_url(pg_url).database
    succeeded(annotator("server", "setup", pg_url, "--lead-role", f"lead_{suffix}"))

    done = annotator("server", "add-annotator", "zoé", "--role", role, "--url", pg_url)

    assert "Traceback" not in done.stderr
    if done.returncode == 0:
        assert done.stdout.startswith(f"annotator zoé: role {role}, connects with ")
        with psycopg.connect(libpq(pg_url)) as conn:
            found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        assert found is not None
    else:
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
        assert "PASSWORD" not in done.stderr and "CREATE ROLE" not in done.stderr


def test_messages_and_stats_never_show_the_password(tmp_path: Path, pg_url: str) -> None:
    password = make_url(pg_url).password
    assert password
    succeeded(annotator("init", pg_url))

    stats = annotator("stats", pg_url, "--json")
    missing = annotator("export", pg_url, tmp_path / "o.jsonl", "--from", "nobody")
    wrong = annotator("stats", make_url(pg_url).set(database="no_such_db").render_as_string(False))

    assert stats.returncode == 0 and password not in stats.stdout
    assert missing.returncode == 1 and password not in missing.stderr
    assert wrong.returncode == 1 and password not in wrong.stderr
    assert "***" in stats.stdout


@pytest.mark.parametrize("name", ["lead 100%", "o'lead:%(x)s"])
def test_an_odd_lead_role_is_made_with_exactly_its_name(
    tmp_path: Path, pg_url: str, name: str
) -> None:
    succeeded(annotator("init", pg_url))
    succeeded(annotator("import", pg_url, write_jsonl(tmp_path / "in.jsonl", sample_records())))
    role = f"{name} {make_url(pg_url).database}"

    done = succeeded(annotator("server", "setup", pg_url, "--lead-role", role))

    url = make_url(pg_url).set(username=role, password=password_of(done))
    with Corpus.open(url.render_as_string(False)) as corpus:
        corpus.apply_edit("raw-1", "bob", AddSpan(Span("z1", "entity", 0, 2, "PER")))
        assert [s.id for s in corpus.annotation_set("raw-1", "bob").spans] == ["z1"]
