"""The current database schema (SQLAlchemy Core tables).

The tables are created and changed only by the numbered steps in
:mod:`annotator.store.migrations`; these definitions mirror the latest step, and a test
checks that they agree. JSON values are stored as text and (de)serialised by the
repository, so SQLite and PostgreSQL hold exactly the same bytes.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_info = Table(
    "schema_info",
    metadata,
    Column("version", Integer, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("doc_id", Text, nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("text_sha256", Text, nullable=False),
    Column("meta", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

annotators = Table(
    "annotators",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
)

annotation_sets = Table(
    "annotation_sets",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),
    Column("annotator_pk", Integer, ForeignKey("annotators.pk"), nullable=False),
    Column("status", Text, nullable=False),
    Column("guideline_version", Integer),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("revision", Integer, nullable=False, server_default="0"),
    UniqueConstraint("document_pk", "annotator_pk"),
    Index("ix_annotation_sets_annotator", "annotator_pk", "status"),
)

spans = Table(
    "spans",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),
    Column("span_id", Text, nullable=False),
    Column("layer", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("start_offset", Integer, nullable=False),
    Column("end_offset", Integer, nullable=False),
    Column("attrs", Text, nullable=False),
    Column("origin", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("fragments", Text),
    UniqueConstraint("set_pk", "span_id"),
)

relations = Table(
    "relations",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),
    Column("head", Text, nullable=False),
    Column("child", Text, nullable=False),
    Column("label", Text, nullable=False),
    ForeignKeyConstraint(["set_pk", "head"], ["spans.set_pk", "spans.span_id"], ondelete="CASCADE"),
    ForeignKeyConstraint(
        ["set_pk", "child"], ["spans.set_pk", "spans.span_id"], ondelete="CASCADE"
    ),
    Index("ix_relations_head", "set_pk", "head"),
    Index("ix_relations_child", "set_pk", "child"),
)

doc_labels = Table(
    "doc_labels",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),
    Column("question", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("multi", Integer, nullable=False),
    Index("ix_doc_labels_set", "set_pk"),
)

guidelines = Table(
    "guidelines",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

suggestion_decisions = Table(
    "suggestion_decisions",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),
    Column("span_id", Text, nullable=False),
    Column("origin", Text, nullable=False),
    Column("decision", Text, nullable=False),
    Column("decided_at", Text, nullable=False),
    UniqueConstraint("set_pk", "span_id"),
)

adjudications = Table(
    "adjudications",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),
    Column("item_key", Text, nullable=False),
    Column("decision", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("decided_at", Text, nullable=False),
    UniqueConstraint("document_pk", "item_key"),
)

model_runs = Table(
    "model_runs",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("trained_at", Text, nullable=False),
    Column("trained_by", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("base", Text, nullable=False),
    Column("model_dir", Text, nullable=False),
    Column("details", Text, nullable=False),  # JSON: documents, sets, scores, curve, steps
    UniqueConstraint("name", "version"),
)

model_scores = Table(
    "model_scores",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),
    Column("run_pk", Integer, ForeignKey("model_runs.pk", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),  # span (item: span id), document, answer
    Column("item", Text, nullable=False),
    Column("score", Float, nullable=False),
    UniqueConstraint("set_pk", "kind", "item"),
)

actors = Table(
    "actors",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("actor_id", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("aliases", Text, nullable=False),
    Column("kb_id", Text),
    Column("created_by", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("merged_into", Text),
)

actor_links = Table(
    "actor_links",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("set_pk", Integer, ForeignKey("annotation_sets.pk", ondelete="CASCADE"), nullable=False),
    Column("span_id", Text, nullable=False),
    Column("actor_id", Text, ForeignKey("actors.actor_id"), nullable=False),
    ForeignKeyConstraint(
        ["set_pk", "span_id"], ["spans.set_pk", "spans.span_id"], ondelete="CASCADE"
    ),
    UniqueConstraint("set_pk", "span_id"),
    Index("ix_actor_links_actor", "actor_id"),
)

doc_minhash = Table(
    "doc_minhash",
    metadata,
    Column(
        "document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), primary_key=True
    ),
    Column("shingles", Integer, nullable=False),  # distinct word shingles; 0: nothing to compare
    Column("signature", LargeBinary, nullable=False),  # MinHash values, little-endian uint32
)

near_copies = Table(
    "near_copies",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("document_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),
    Column("other_pk", Integer, ForeignKey("documents.pk", ondelete="CASCADE"), nullable=False),
    Column("similarity", Float, nullable=False),  # Jaccard of the word-shingle sets
    UniqueConstraint("document_pk", "other_pk"),  # document_pk < other_pk
    Index("ix_near_copies_other", "other_pk"),
)
