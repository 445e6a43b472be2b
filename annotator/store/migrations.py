"""Numbered schema steps, applied forward in order.

Why numbered steps and not Alembic: the schema must be created identically on SQLite
files and PostgreSQL servers from inside the app (no migration environment or script
folder to ship), a file corpus is backed up before its first step, and a corpus newer
than the app must be refused. A step is a function of a connection inside the
migration's transaction; step 1 creates the original tables from a frozen snapshot, so
a new corpus goes through exactly the same steps as an old one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)

from annotator.store import schema


def _v1_create_tables(conn: Connection) -> None:
    """The first schema, frozen as it was released (do not edit: add a step instead)."""
    md = MetaData()
    Table("schema_info", md, Column("version", Integer, nullable=False))
    Table(
        "settings", md, Column("key", Text, primary_key=True), Column("value", Text, nullable=False)
    )
    Table(
        "documents", md,
        Column("pk", Integer, primary_key=True),
        Column("doc_id", Text, nullable=False, unique=True),
        Column("text", Text, nullable=False),
        Column("text_sha256", Text, nullable=False),
        Column("meta", Text, nullable=False),
        Column("created_at", Text, nullable=False),
    )  # fmt: skip
    Table(
        "annotators", md,
        Column("pk", Integer, primary_key=True),
        Column("name", Text, nullable=False, unique=True),
    )  # fmt: skip
    Table(
        "annotation_sets", md,
        Column("pk", Integer, primary_key=True),
        Column("document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("annotator_pk", Integer, ForeignKey("annotators.pk"), nullable=False),
        Column("status", Text, nullable=False),
        Column("guideline_version", Integer),
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
        UniqueConstraint("document_pk", "annotator_pk"),
    )  # fmt: skip
    Table(
        "spans", md,
        Column("pk", Integer, primary_key=True),
        Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("span_id", Text, nullable=False),
        Column("layer", Text, nullable=False),
        Column("label", Text, nullable=False),
        Column("start_offset", Integer, nullable=False),
        Column("end_offset", Integer, nullable=False),
        Column("attrs", Text, nullable=False),
        Column("origin", Text, nullable=False),
        Column("state", Text, nullable=False),
        UniqueConstraint("set_pk", "span_id"),
    )  # fmt: skip
    Table(
        "relations", md,
        Column("pk", Integer, primary_key=True),
        Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("head", Text, nullable=False),
        Column("child", Text, nullable=False),
        Column("label", Text, nullable=False),
        ForeignKeyConstraint(["set_pk", "head"], ["spans.set_pk", "spans.span_id"], ondelete="CASCADE"),  # noqa: E501
        ForeignKeyConstraint(["set_pk", "child"], ["spans.set_pk", "spans.span_id"], ondelete="CASCADE"),  # noqa: E501
    )  # fmt: skip
    Table(
        "doc_labels", md,
        Column("pk", Integer, primary_key=True),
        Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("question", Text, nullable=False),
        Column("value", Text, nullable=False),
        Column("multi", Integer, nullable=False),
    )  # fmt: skip
    Table(
        "guidelines", md,
        Column("version", Integer, primary_key=True),
        Column("text", Text, nullable=False),
        Column("author", Text, nullable=False),
        Column("created_at", Text, nullable=False),
    )  # fmt: skip
    md.create_all(conn)
    conn.execute(text("INSERT INTO schema_info (version) VALUES (0)"))


def _v2_revision_and_annotator_index(conn: Connection) -> None:
    """A revision counter per annotation set (so two windows never overwrite each
    other's edits unseen) and an index for "the sets of annotator X with status Y"."""
    conn.execute(text("ALTER TABLE annotation_sets ADD COLUMN revision INTEGER NOT NULL DEFAULT 0"))
    conn.execute(
        text("CREATE INDEX ix_annotation_sets_annotator ON annotation_sets (annotator_pk, status)")
    )


def _v3_suggestion_decisions(conn: Connection) -> None:
    """What annotators decided about model suggestions (accepted, rejected, changed),
    one row per suggested span, for the pre-annotation statistics."""
    md = MetaData()
    Table("annotation_sets", md, Column("pk", Integer, primary_key=True))
    Table(
        "suggestion_decisions", md,
        Column("pk", Integer, primary_key=True),
        Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("span_id", Text, nullable=False),
        Column("origin", Text, nullable=False),
        Column("decision", Text, nullable=False),
        Column("decided_at", Text, nullable=False),
        UniqueConstraint("set_pk", "span_id"),
    )  # fmt: skip
    md.tables["suggestion_decisions"].create(conn)


def _v4_adjudications(conn: Connection) -> None:
    """Decisions of the review (accepted version, rejected, edited, auto) per document
    item, with the reason and who decided: what makes a document gold-complete."""
    md = MetaData()
    Table("documents", md, Column("pk", Integer, primary_key=True))
    Table(
        "adjudications", md,
        Column("pk", Integer, primary_key=True),
        Column("document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("item_key", Text, nullable=False),
        Column("decision", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("decided_by", Text, nullable=False),
        Column("decided_at", Text, nullable=False),
        UniqueConstraint("document_pk", "item_key"),
    )  # fmt: skip
    md.tables["adjudications"].create(conn)


def _v5_relation_and_answer_indexes(conn: Connection) -> None:
    """Indexes on the columns by which relations and answers are found: without them,
    every span deleted (a merge or a scheme change rewrites whole sets) made SQLite scan
    the whole relations table for the rows its foreign keys cascade to, and every set
    read scanned the answers, so that merging N documents took time in N²."""
    conn.execute(text("CREATE INDEX ix_relations_head ON relations (set_pk, head)"))
    conn.execute(text("CREATE INDEX ix_relations_child ON relations (set_pk, child)"))
    conn.execute(text("CREATE INDEX ix_doc_labels_set ON doc_labels (set_pk)"))


def _v6_span_fragments(conn: Connection) -> None:
    """The pieces of a discontinuous span (a quote cut by its attribution), as JSON
    ``[[s1, e1], [s2, e2], ...]``; NULL for an ordinary span, so every existing span
    reads as it did (one piece, ``start_offset`` to ``end_offset``). The same statement
    on SQLite and PostgreSQL; the server's grants and row policies are per table and
    cover the new column as they are."""
    conn.execute(text("ALTER TABLE spans ADD COLUMN fragments TEXT"))


def _v7_model_runs(conn: Connection) -> None:
    """The models trained from the corpus (when, on which documents and sets, their dev
    scores) and the scores of their suggestions: what "most uncertain first" and the
    learning curve read."""
    md = MetaData()
    Table("annotation_sets", md, Column("pk", Integer, primary_key=True))
    Table(
        "model_runs", md,
        Column("pk", Integer, primary_key=True),
        Column("name", Text, nullable=False),
        Column("version", Integer, nullable=False),
        Column("trained_at", Text, nullable=False),
        Column("trained_by", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("base", Text, nullable=False),
        Column("model_dir", Text, nullable=False),
        Column("details", Text, nullable=False),
        UniqueConstraint("name", "version"),
    )  # fmt: skip
    Table(
        "model_scores", md,
        Column("pk", Integer, primary_key=True),
        Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("run_pk", Integer, ForeignKey("model_runs.pk", ondelete="CASCADE"), nullable=False),
        Column("kind", Text, nullable=False),
        Column("item", Text, nullable=False),
        Column("score", Float, nullable=False),
        UniqueConstraint("set_pk", "kind", "item"),
    )  # fmt: skip
    md.tables["model_runs"].create(conn)
    md.tables["model_scores"].create(conn)


def _v8_actors(conn: Connection) -> None:
    """The corpus's registry of actors (who claims what across documents) and the links
    of spans to them, one row per linked span, apart from the span rows."""
    md = MetaData()
    Table("annotation_sets", md, Column("pk", Integer, primary_key=True))
    Table(
        "spans", md,
        Column("set_pk", Integer, primary_key=True),
        Column("span_id", Text, primary_key=True),
    )  # fmt: skip
    Table(
        "actors", md,
        Column("pk", Integer, primary_key=True),
        Column("actor_id", Text, nullable=False, unique=True),
        Column("name", Text, nullable=False),
        Column("kind", Text, nullable=False),
        Column("aliases", Text, nullable=False),
        Column("kb_id", Text),
        Column("created_by", Text, nullable=False),
        Column("created_at", Text, nullable=False),
        Column("merged_into", Text),
    )  # fmt: skip
    Table(
        "actor_links", md,
        Column("pk", Integer, primary_key=True),
        Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("span_id", Text, nullable=False),
        Column("actor_id", Text, ForeignKey("actors.actor_id"), nullable=False),
        ForeignKeyConstraint(["set_pk", "span_id"], ["spans.set_pk", "spans.span_id"], ondelete="CASCADE"),  # noqa: E501
        UniqueConstraint("set_pk", "span_id"),
    )  # fmt: skip
    md.tables["actors"].create(conn)
    md.tables["actor_links"].create(conn)
    conn.execute(text("CREATE INDEX ix_actor_links_actor ON actor_links (actor_id)"))


def _v9_near_copies(conn: Connection) -> None:
    """Wire copies: each document's MinHash signature over its word shingles (so that an
    import compares only its new documents with the rest) and the pairs of documents
    found to be near-copies, with their Jaccard similarity. Both go with their documents
    (ON DELETE CASCADE); a document without a signature row is not compared yet."""
    md = MetaData()
    Table("documents", md, Column("pk", Integer, primary_key=True))
    Table(
        "doc_minhash", md,
        Column("document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), primary_key=True),  # noqa: E501
        Column("shingles", Integer, nullable=False),
        Column("signature", LargeBinary, nullable=False),
    )  # fmt: skip
    Table(
        "near_copies", md,
        Column("pk", Integer, primary_key=True),
        Column("document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),  # noqa: E501
        Column("other_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),
        Column("similarity", Float, nullable=False),
        UniqueConstraint("document_pk", "other_pk"),
    )  # fmt: skip
    md.tables["doc_minhash"].create(conn)
    md.tables["near_copies"].create(conn)
    conn.execute(text("CREATE INDEX ix_near_copies_other ON near_copies (other_pk)"))


STEPS: dict[int, Callable[[Connection], None]] = {
    1: _v1_create_tables,
    2: _v2_revision_and_annotator_index,
    3: _v3_suggestion_decisions,
    4: _v4_adjudications,
    5: _v5_relation_and_answer_indexes,
    6: _v6_span_fragments,
    7: _v7_model_runs,
    8: _v8_actors,
    9: _v9_near_copies,
}
LATEST = max(STEPS)
#: The oldest version the read paths can read as it is (every read selects the column
#: ``spans.fragments`` of :func:`_v6_span_fragments`): read commands open a corpus of
#: this version or newer without migrating it, that is without writing to it.
READABLE_FROM = next(v for v, step in STEPS.items() if step is _v6_span_fragments)


def current_version(conn: Connection) -> int:
    """The schema version of the database behind ``conn``; 0 for an empty database."""
    if not inspect(conn).has_table("schema_info"):
        return 0
    value = conn.execute(schema.schema_info.select()).scalar()
    return int(value or 0)


def upgrade(conn: Connection, start: int) -> None:
    """Apply every step after ``start``, recording the version after each."""
    for version in range(start + 1, LATEST + 1):
        STEPS[version](conn)
        conn.execute(schema.schema_info.update().values(version=version))


def schema_differences(conn: Connection) -> list[str]:
    """How the schema of a SQLite corpus at :data:`LATEST` differs from the one these
    steps make (tables, columns, indexes, triggers, views): a file whose schema was
    edited by hand is no corpus to restore. Empty when it is the same (or on a server)."""
    if conn.dialect.name != "sqlite":
        return []
    expected, found = _reference_schema(), _schema_outline(conn)
    differences = [f"{what} is missing" for what in sorted(expected.keys() - found.keys())]
    differences += [f"{what} is not Annotator's" for what in sorted(found.keys() - expected.keys())]
    differences += [
        f"{what} differs ({', '.join(found[what])} instead of {', '.join(expected[what])})"
        for what in sorted(expected.keys() & found.keys())
        if expected[what] != found[what]
    ]
    return differences


_REFERENCE: dict[str, tuple[str, ...]] = {}


def _reference_schema() -> dict[str, tuple[str, ...]]:
    if not _REFERENCE:
        from sqlalchemy import create_engine

        engine = create_engine("sqlite://")
        try:
            with engine.begin() as conn:
                upgrade(conn, 0)
                _REFERENCE.update(_schema_outline(conn))
        finally:
            engine.dispose()
    return _REFERENCE


def _schema_outline(conn: Connection) -> dict[str, tuple[str, ...]]:
    """``{"table spans": (column definitions...), "index ...": (its columns), ...}``."""
    outline: dict[str, tuple[str, ...]] = {}
    objects = conn.exec_driver_sql(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ).all()
    for kind, name in objects:
        quoted = '"' + str(name).replace('"', '""') + '"'
        if kind == "table":
            rows = conn.exec_driver_sql(f"PRAGMA table_info({quoted})")
            columns = tuple(f"{r[1]} {r[2]}{' not null' if r[3] else ''}{' key' if r[5] else ''}"
                            for r in rows)  # fmt: skip
            keys = conn.exec_driver_sql(f"PRAGMA foreign_key_list({quoted})")
            columns += tuple(sorted(f"{r[3]} references {r[2]}.{r[4]}" for r in keys))
            for index in conn.exec_driver_sql(f"PRAGMA index_list({quoted})").all():
                if index[2]:  # unique, whether declared as a constraint or an index
                    info = conn.exec_driver_sql(f'PRAGMA index_info("{index[1]}")')
                    columns += (f"unique ({', '.join(str(r[2]) for r in info)})",)
        elif kind == "index":
            columns = tuple(str(r[2]) for r in conn.exec_driver_sql(f"PRAGMA index_info({quoted})"))
        else:
            columns = ()
        outline[f"{kind} {name}"] = columns
    return outline
