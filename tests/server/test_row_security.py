"""Row-level security on a team server: an annotator's role reads the corpus and reads and
writes only its own annotations, whatever SQL it sends; a lead's role sees everything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, func, make_url, select, text

from annotator.core.edits import AddSpan, SetLabel, SetSpanState
from annotator.core.errors import AnnotatorError, CorpusError, PermissionDenied
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.services.corpora import init_corpus
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading, writing
from annotator.store.server import add_annotator, connected_annotator, setup_server
from tests.server.postgres import all_rows, login
from tests.unit.store.test_corpus import TEXT, annotated_document

OWN_TABLES = ["annotation_sets", "spans", "relations", "doc_labels", "suggestion_decisions"]


ALICE_ROWS = {"annotation_sets": 2, "spans": 5, "relations": 2, "doc_labels": 1,
              "suggestion_decisions": 1}  # fmt: skip
BOB_ROWS = {"annotation_sets": 2, "spans": 3, "relations": 1, "doc_labels": 1,
            "suggestion_decisions": 1}  # fmt: skip


@dataclass
class Team:
    admin: str
    lead: str
    alice: str
    bob: str


def bob_document(doc_id: str) -> Document:
    doc = annotated_document(doc_id)
    alice = doc.annotations[0]
    bob = AnnotationSet(
        "bob",
        "done",
        spans=[Span("b1", "entity", 0, 11, "ORG"), Span("b2", "claim", 24, 49, "CLAIM")],
        relations=[Relation("b2", "b1", "CLAIMANT")],
        doc_labels={"stance": "FAVOR"},
    )
    return Document(doc.id, doc.text, doc.meta, [alice, bob])


@pytest.fixture
def team(pg_url: str) -> Iterator[Team]:
    """Two documents annotated by alice and bob (every kind of row, suggestion decisions
    included), a lead, and a role for each annotator."""
    suffix = make_url(pg_url).database
    with init_corpus(pg_url) as corpus:
        corpus.add_documents([bob_document("d1"), Document("d2", TEXT)])
        corpus.add_guidelines("# Règles", "lead")
        for who in ("alice", "bob"):
            corpus.apply_edit(
                "d2", who, AddSpan(Span("s1", "entity", 0, 4, "PER", {}, "model:x", "suggested"))
            )
            corpus.apply_edit("d2", who, SetSpanState("s1", "accepted", "manual"))
        lead = setup_server(corpus, f"lead_{suffix}")
        alice = add_annotator(corpus, "alice", f"alice_{suffix}")
        bob = add_annotator(corpus, "bob", f"bob_{suffix}")
    yield Team(pg_url, login(lead), login(alice), login(bob))


def rows_of(conn: Connection, annotator: str) -> dict[str, int]:
    """How many rows of each annotation table belong to ``annotator``, as ``conn`` sees."""
    a, n = t.annotation_sets, t.annotators
    sets = select(a.c.pk).join(n, n.c.pk == a.c.annotator_pk).where(n.c.name == annotator)
    counts = {
        "annotation_sets": conn.execute(
            select(func.count()).select_from(sets.subquery())
        ).scalar_one()
    }
    for name in OWN_TABLES[1:]:
        table = t.metadata.tables[name]
        query = select(func.count()).select_from(table).where(table.c.set_pk.in_(sets))
        counts[name] = conn.execute(query).scalar_one()
    return counts


def count_rows(conn: Connection, table: str) -> int:
    return int(
        conn.execute(select(func.count()).select_from(t.metadata.tables[table])).scalar_one()
    )


def set_pk_of(team: Team, doc_id: str, annotator: str) -> int:
    with Corpus.open(team.admin) as corpus, reading(corpus.engine) as conn:
        a, n, d = t.annotation_sets, t.annotators, t.documents
        query = (
            select(a.c.pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .join(d, d.c.pk == a.c.document_pk)
            .where(n.c.name == annotator, d.c.doc_id == doc_id)
        )
        return int(conn.execute(query).scalar_one())


def test_the_administrator_sees_every_row_of_both_annotators(team: Team) -> None:
    with Corpus.open(team.admin) as corpus, reading(corpus.engine) as conn:
        seen = {who: rows_of(conn, who) for who in ("alice", "bob")}

    assert seen == {"alice": ALICE_ROWS, "bob": BOB_ROWS}


def test_an_annotator_reads_the_corpus_but_only_their_own_annotations(team: Team) -> None:
    with Corpus.open(team.alice) as corpus:
        docs = list(corpus.documents())
        assert [d.id for d in docs] == ["d1", "d2"]
        assert [[s.annotator for s in d.annotations] for d in docs] == [["alice"], ["alice"]]
        assert corpus.annotators() == ["alice"]
        assert corpus.guidelines() == (2, "# Règles")  # v1: the default guidelines
        assert corpus.scheme.span_layers
        assert connected_annotator(corpus) == "alice"
        with reading(corpus.engine) as conn:
            visible = {name: count_rows(conn, name) for name in OWN_TABLES}
            assert visible == rows_of(conn, "alice") == ALICE_ROWS
            assert rows_of(conn, "bob") == dict.fromkeys(OWN_TABLES, 0)
            names = conn.execute(select(t.annotators.c.name).order_by(t.annotators.c.name))
            assert names.scalars().all() == ["alice", "bob"]


def test_an_annotator_cannot_change_another_annotators_annotations(team: Team) -> None:
    bob_set = set_pk_of(team, "d1", "bob")
    before = all_rows(team.admin)

    with Corpus.open(team.alice) as corpus:
        with pytest.raises(PermissionDenied, match="row-level security"):
            corpus.apply_edit("d1", "bob", SetLabel("b1", "PER"))
        with pytest.raises(PermissionDenied):
            corpus.apply_edit("d2", "bob", AddSpan(Span("x", "entity", 5, 9, "PER")))

        def update(conn: Connection) -> int:
            changed = conn.execute(
                text("UPDATE spans SET label = 'PER' WHERE set_pk = :pk"), {"pk": bob_set}
            )
            return changed.rowcount

        assert writing(corpus.engine, update) == 0  # bob's rows do not exist for alice
        with pytest.raises(PermissionDenied, match="permission denied for table doc_labels"):
            writing(  # an annotator deletes through functions only (test_role_rights.py)
                corpus.engine,
                lambda conn: conn.execute(text("DELETE FROM doc_labels WHERE set_pk = :pk"),
                                          {"pk": bob_set}),
            )  # fmt: skip

        def smuggle(conn: Connection) -> None:
            conn.execute(
                t.spans.insert().values(
                    set_pk=bob_set, span_id="x", layer="entity", label="PER", start_offset=0,
                    end_offset=4, attrs="{}", origin="manual", state="accepted",
                )
            )  # fmt: skip

        with pytest.raises(PermissionDenied, match="row-level security"):
            writing(corpus.engine, smuggle)

        def give_away(conn: Connection) -> None:  # move her own set over to bob
            bob = select(t.annotators.c.pk).where(t.annotators.c.name == "bob").scalar_subquery()
            conn.execute(t.annotation_sets.update().values(annotator_pk=bob))

        with pytest.raises(PermissionDenied, match="annotation_sets"):
            writing(corpus.engine, give_away)  # the column is not hers to update at all

    assert all_rows(team.admin) == before


def test_tables_of_their_own_do_not_make_an_annotator_a_lead(team: Team) -> None:
    """The policies' functions must not read a temporary table shadowing ours."""
    with Corpus.open(team.alice) as corpus:

        def pose_as_lead(conn: Connection) -> dict[str, int]:
            conn.execute(text("CREATE TEMP TABLE server_roles (role text, annotator text)"))
            conn.execute(text("INSERT INTO server_roles VALUES (current_user, NULL)"))
            conn.execute(text("CREATE TEMP TABLE annotators (pk integer, name text)"))
            bob = select(t.annotators.c.pk).where(t.annotators.c.name == "bob")
            conn.execute(text("INSERT INTO annotators VALUES (:pk, 'alice')"),
                         {"pk": conn.execute(bob).scalar()})  # fmt: skip
            return {name: count_rows(conn, name) for name in OWN_TABLES}

        assert writing(corpus.engine, pose_as_lead) == ALICE_ROWS


def test_an_annotator_cannot_change_documents_scheme_guidelines_or_roles(team: Team) -> None:
    before = all_rows(team.admin)

    with Corpus.open(team.alice) as corpus:
        # The new document's key comes from the sequence first (keys are never computed
        # from visible rows), so that is where the server says no.
        with pytest.raises(PermissionDenied, match="permission denied for sequence documents"):
            corpus.add_documents([Document("d3", "nouveau")])
        with pytest.raises(PermissionDenied, match="permission denied for table settings"):
            corpus.set_setting("target", "autre chose")
        with pytest.raises(PermissionDenied, match="permission denied for table guidelines"):
            corpus.add_guidelines("# Mes règles", "alice")
        with pytest.raises(PermissionDenied, match="permission denied for table server_roles"):
            writing(
                corpus.engine,
                lambda conn: conn.execute(text("UPDATE server_roles SET annotator = 'bob'")),
            )

    assert all_rows(team.admin) == before


def test_an_annotator_works_on_their_own_sets_new_and_old(team: Team) -> None:
    with Corpus.open(team.bob) as corpus:
        corpus.apply_edit("d1", "bob", SetLabel("b1", "LOC"))
        corpus.apply_edit("d2", "bob", AddSpan(Span("b9", "claim", 0, 9, "CLAIM")))

    with Corpus.open(team.lead) as corpus:
        d1, d2 = corpus.document("d1"), corpus.document("d2")
    spans = {(d.id, a.annotator): a.spans for d in (d1, d2) for a in d.annotations}
    assert [s.label for s in spans["d1", "bob"]] == ["LOC", "CLAIM"]
    assert [s.id for s in spans["d2", "bob"]] == ["s1", "b9"]
    assert [s.id for s in spans["d2", "alice"]] == ["s1"]


def test_a_lead_reads_and_changes_everyones_annotations_and_imports(team: Team) -> None:
    with Corpus.open(team.lead) as corpus:
        assert corpus.annotators() == ["alice", "bob"]
        corpus.apply_edit("d1", "bob", SetLabel("b1", "LOC"))
        corpus.apply_edit("d1", "gold", AddSpan(Span("g1", "entity", 0, 11, "PER")))
        corpus.add_documents([bob_document("d3")])  # chooses its keys: moves the sequences
        corpus.apply_edit("d3", "carol", AddSpan(Span("c1", "entity", 0, 4, "PER")))
        with reading(corpus.engine) as conn:
            assert rows_of(conn, "bob")["spans"] == 5
        with pytest.raises(PermissionDenied, match="server_roles"):
            writing(corpus.engine, lambda conn: conn.execute(text("DELETE FROM server_roles")))

    with Corpus.open(team.alice) as corpus:
        assert [s.annotator for s in corpus.document("d3").annotations] == ["alice"]


def test_setup_again_keeps_every_role_working(team: Team) -> None:
    with Corpus.open(team.admin) as corpus:
        lead = setup_server(corpus, make_url(team.lead).username or "")

    assert lead.password is None  # the lead's role exists: its password stays
    with Corpus.open(team.alice) as corpus:
        corpus.apply_edit("d2", "alice", AddSpan(Span("a9", "claim", 0, 9, "CLAIM")))
        assert corpus.annotators() == ["alice"]
    with Corpus.open(team.lead) as corpus:
        assert corpus.annotators() == ["alice", "bob"]


def test_roles_that_would_see_everything_or_belong_to_someone_else_are_refused(
    team: Team,
) -> None:
    admin_role = make_url(team.admin).username or ""
    with Corpus.open(team.admin) as corpus:
        with pytest.raises(CorpusError, match="superuser or bypasses row-level security"):
            add_annotator(corpus, "carol", admin_role)
        with pytest.raises(CorpusError, match="already 'bob''s role"):
            add_annotator(corpus, "carol", make_url(team.bob).username)
        with pytest.raises(CorpusError, match="already a lead's role"):
            add_annotator(corpus, "carol", make_url(team.lead).username)
        with pytest.raises(AnnotatorError, match="adjudicated layer"):
            add_annotator(corpus, "gold")
        with pytest.raises(CorpusError, match="not usable"):
            add_annotator(corpus, "carol", "pg_carol")
