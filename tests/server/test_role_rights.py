"""What an annotator's role may do on a team server, probed as psql would (raw sessions of
her own role): she cannot lock a table against the other annotators (no table-level
UPDATE, DELETE nor TRUNCATE), she deletes her own rows only through the corpus's
functions, which refuse anybody else's, and the app does all its deletes that way for
her; a lead's role is unchanged."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

from annotator.core.edits import (
    AddSpan,
    Compound,
    RemoveRelation,
    RemoveSpan,
    SetDocLabel,
    SetPieces,
    SetSpanState,
)
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.services.importing import import_paths
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.packages import CurrentSet, replace_sets
from tests.server.postgres import all_rows, libpq
from tests.server.test_row_security import Team, set_pk_of, team
from tests.unit.corpus_samples import write_jsonl
from tests.unit.store.test_corpus import TEXT

__all__ = ["team"]  # fixture

pytestmark = pytest.mark.postgresql

TABLES = [table.name for table in t.metadata.sorted_tables] + ["server_roles"]
STALLING_MODES = [
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
]
"""The lock modes stronger than ROW EXCLUSIVE (what every insert, update and delete takes)."""


@contextmanager
def session(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A raw session of the role of ``url``, as psql opens (its transaction rolled back)."""
    with psycopg.connect(libpq(url)) as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def refused(conn: psycopg.Connection[Any], statement: str, *args: object) -> str:
    """Run ``statement``, which must be refused for want of a privilege; the reason."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        conn.execute(statement, args or None)
    conn.rollback()
    return str(caught.value)


def edit_bob(team: Team, span_id: str) -> float:
    """Bob adds a span to d1 through the app; the seconds it took."""
    started = time.perf_counter()
    with Corpus.open(team.bob) as corpus:
        corpus.apply_edit("d1", "bob", AddSpan(Span(span_id, "claim", 12, 21, "CLAIM")))
    return time.perf_counter() - started


@pytest.mark.parametrize("mode", STALLING_MODES)
def test_an_annotator_cannot_lock_any_table_in_a_mode_that_stalls_writers(
    team: Team, mode: str
) -> None:
    with session(team.alice) as alice:
        for table in TABLES:
            reason = refused(alice, f"LOCK TABLE {table} IN {mode} MODE")
            assert f"permission denied for table {table}" in reason


def test_the_locks_an_annotator_may_take_do_not_stall_the_others(team: Team) -> None:
    with session(team.alice) as alice:
        for table in ("annotation_sets", "spans", "relations", "doc_labels"):
            alice.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
        alice.execute("LOCK TABLE documents IN ACCESS SHARE MODE")
        alice.execute("SELECT * FROM annotation_sets FOR UPDATE")  # her own rows only

        assert edit_bob(team, "b7") < 2  # the edit's lock wait would be 3 s, then busy


def test_an_annotator_cannot_delete_truncate_or_update_keys_by_hand(team: Team) -> None:
    with session(team.alice) as alice:
        for table in ("annotation_sets", "spans", "relations", "doc_labels"):
            assert "permission denied" in refused(alice, f"DELETE FROM {table}")
            assert "permission denied" in refused(alice, f"TRUNCATE {table}")
        for column in ("pk", "set_pk", "span_id"):
            refused(alice, f"UPDATE spans SET {column} = {column}")
        for column in ("pk", "document_pk", "annotator_pk", "created_at"):
            refused(alice, f"UPDATE annotation_sets SET {column} = {column}")
        alice.execute("UPDATE spans SET label = label")  # the columns the app changes
        alice.execute("UPDATE annotation_sets SET revision = revision")


def test_the_delete_functions_refuse_other_annotators_sets_and_do_nothing(team: Team) -> None:
    bob_set, alice_set = set_pk_of(team, "d1", "bob"), set_pk_of(team, "d1", "alice")
    before = all_rows(team.admin)
    calls = [
        ("SELECT annotator_delete_rows('spans', %s::integer[])", [bob_set]),
        ("SELECT annotator_delete_rows('annotation_sets', %s::integer[])", [alice_set, bob_set]),
        ("SELECT annotator_delete_rows('doc_labels', %s::integer[])", [None]),
        ("SELECT annotator_delete_by_span_id('spans', %s, ARRAY['b1'])", bob_set),
        ("SELECT annotator_delete_by_span_id('suggestion_decisions', %s, ARRAY['s1'])",
         set_pk_of(team, "d2", "bob")),
        ("SELECT annotator_delete_relations(%s, ARRAY['b2'], ARRAY['b1'], ARRAY['CLAIMANT'])",
         bob_set),
    ]  # fmt: skip

    with session(team.alice) as alice:
        for statement, argument in calls:
            reason = refused(alice, statement, argument)
            assert "may delete only the rows of its own annotation sets" in reason

    assert all_rows(team.admin) == before


def test_tables_of_her_own_do_not_make_the_delete_functions_take_an_annotator_for_a_lead(
    team: Team,
) -> None:
    bob_set = set_pk_of(team, "d1", "bob")
    with session(team.alice) as alice:
        alice.execute("CREATE TEMP TABLE server_roles (role text, annotator text)")
        alice.execute("INSERT INTO server_roles VALUES (current_user, NULL)")
        alice.execute("SET search_path = pg_temp, public")
        reason = refused(
            alice, "SELECT public.annotator_delete_rows('spans', %s::integer[])", [bob_set]
        )

    assert "own annotation sets" in reason


def test_an_annotator_deletes_her_own_rows_through_the_functions(team: Team) -> None:
    alice_set = set_pk_of(team, "d1", "alice")
    with session(team.alice) as alice:
        alice.execute("SELECT annotator_delete_relations(%s, ARRAY['c1'], ARRAY['e1'], "
                      "ARRAY['CLAIMANT'])", [alice_set])  # fmt: skip
        alice.execute("SELECT annotator_delete_by_span_id('spans', %s, ARRAY['m1'])", [alice_set])
        alice.execute("SELECT annotator_delete_rows('doc_labels', %s::integer[])", [[alice_set]])
        alice.commit()

    with Corpus.open(team.lead) as corpus:
        (own,) = [a for a in corpus.document("d1").annotations if a.annotator == "alice"]
    assert [s.id for s in own.spans] == ["e1", "c1", "u1"]
    assert own.relations == [Relation("c1", "u1", "CUE")]
    assert own.doc_labels == {}


def test_every_delete_of_the_app_works_for_an_annotator_on_her_own_sets(
    team: Team, tmp_path: Path
) -> None:
    with Corpus.open(team.admin) as admin:
        admin.add_documents([Document("d3", TEXT, annotations=[AnnotationSet("alice")])])
    record = {"id": "d3", "text": TEXT, "annotations": [{"annotator": "alice", "spans": [
        {"id": "a1", "layer": "entity", "start": 0, "end": 4, "label": "PER"},
        {"id": "a2", "layer": "claim", "start": 24, "end": 49, "label": "CLAIM",
         "fragments": [[24, 30], [40, 49]]}]}]}  # fmt: skip

    with Corpus.open(team.alice) as corpus:
        # An edit: a span with its relation, a relation alone, a suggestion, an answer.
        corpus.apply_edit(
            "d1",
            "alice",
            Compound(
                (
                    RemoveSpan("e1"),
                    RemoveRelation(Relation("c1", "u1", "CUE")),
                    RemoveSpan("m1"),
                    SetDocLabel("stance", None),
                )
            ),
        )
        corpus.apply_edit("d2", "alice", SetSpanState("s1", "suggested"))  # forgets its decision
        corpus.apply_edit("d1", "alice", SetPieces("c1", ((24, 30), (40, 49))))  # an update
        # An import over her empty set of d3 (the set is replaced).
        import_paths(corpus, [write_jsonl(tmp_path / "alice.jsonl", [record])])

        # A merge of her work package over her set of d1 (its rows are written anew).
        def decide(current: Mapping[str, CurrentSet]) -> tuple[dict[str, AnnotationSet], int]:
            merged = AnnotationSet("alice", "done", spans=[Span("p1", "entity", 0, 4, "PER")])
            return {"d1": merged}, len(current)

        assert replace_sets(corpus, "alice", ["d1"], decide) == 1

    with Corpus.open(team.lead) as corpus:
        sets = {(d.id, a.annotator): a for d in corpus.documents() for a in d.annotations}
    assert [s.id for s in sets["d1", "alice"].spans] == ["p1"]
    assert (sets["d1", "alice"].relations, sets["d1", "alice"].doc_labels) == ([], {})
    assert [s.state for s in sets["d2", "alice"].spans] == ["suggested"]
    assert [(s.id, s.fragments) for s in sets["d3", "alice"].spans] == [
        ("a1", None), ("a2", ((24, 30), (40, 49)))]  # fmt: skip
    assert [s.id for s in sets["d1", "bob"].spans] == ["b1", "b2"]  # bob's untouched
    assert [s.id for s in sets["d2", "bob"].spans] == ["s1"]
    with session(team.admin) as raw:
        decided = raw.execute(
            "SELECT count(*) FROM suggestion_decisions WHERE set_pk = %s",
            [set_pk_of(team, "d2", "alice")],
        ).fetchone()
    assert decided == (0,)


def test_a_lead_still_deletes_and_locks_as_before(team: Team) -> None:
    bob_set = set_pk_of(team, "d1", "bob")
    with session(team.lead) as lead:
        lead.execute("DELETE FROM relations WHERE set_pk = %s", [bob_set])
        lead.execute("LOCK TABLE spans IN SHARE MODE")  # a lead may: (s)he holds DELETE
        lead.commit()
    with Corpus.open(team.lead) as corpus:
        corpus.apply_edit("d1", "bob", RemoveSpan("b1"))
        (bob,) = [a for a in corpus.document("d1").annotations if a.annotator == "bob"]
    assert ([s.id for s in bob.spans], bob.relations) == (["b2"], [])


def test_an_annotator_of_a_server_set_up_before_keeps_deleting_directly(team: Team) -> None:
    """Until the administrator runs ``server setup`` again, annotators hold DELETE: the
    app deletes with it rather than calling functions the server may not have yet."""
    alice_role = make_url(team.alice).username
    with session(team.admin) as admin:
        for function in (
            "annotator_delete_rows",
            "annotator_delete_by_span_id",
            "annotator_delete_relations",
        ):
            admin.execute(f"DROP FUNCTION {function}")
        admin.execute(f'GRANT DELETE ON annotation_sets, spans, relations, doc_labels, '
                      f'suggestion_decisions TO "{alice_role}"')  # fmt: skip
        admin.commit()

    with Corpus.open(team.alice) as corpus:
        corpus.apply_edit("d1", "alice", RemoveSpan("e1"))
        assert [s.id for s in corpus.annotation_set("d1", "alice").spans] == ["c1", "u1", "m1"]


def test_an_annotator_holding_the_apps_lock_by_hand_makes_writers_busy_not_stalled(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The advisory lock is the one lock every role may take (pg_advisory_lock is
    PUBLIC's): whoever holds it, shared or exclusive, others wait their lock timeout and
    hear that the server is busy, then get through once it is released."""
    from annotator.core.errors import ServerBusy
    from annotator.store import engine

    monkeypatch.setattr(engine, "EDIT_LOCK_TIMEOUT_MS", 800)
    monkeypatch.setattr(engine, "WRITE_LOCK_TIMEOUT_MS", 800)
    for how in ("pg_advisory_lock", "pg_advisory_lock_shared"):
        with session(team.alice) as alice:
            alice.execute(f"SELECT {how}(%s)", [engine.WRITE_LOCK])
            alice.commit()  # a session lock: it outlives the transaction
            started = time.perf_counter()
            with Corpus.open(team.lead) as corpus, pytest.raises(ServerBusy, match="busy"):
                corpus.add_documents([Document(f"d-{how}", TEXT)])  # a whole-corpus write
            if how == "pg_advisory_lock":
                with pytest.raises(ServerBusy, match="busy"):
                    edit_bob(team, "b8")
            assert time.perf_counter() - started < 5
        edit_bob(team, f"b-{how}")  # once her session ends, writes go through


def test_an_annotator_replaces_her_model_scores_without_delete_rights(team: Team) -> None:
    from annotator.store import model_runs
    from annotator.store.model_runs import ModelRun
    from tests.server.test_model_runs_server import score

    with Corpus.open(team.alice) as alice:
        run = model_runs.record_run(alice, ModelRun("m", "", "blank", "/m", trained_by="alice"))
        score(alice, "d1", "alice", run.origin, 0.7)
        score(alice, "d1", "alice", run.origin, 0.2)  # the first scores are deleted
        assert model_runs.set_scores(alice, "d1", "alice").uncertainty == pytest.approx(0.2)
