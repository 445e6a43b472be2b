"""Reading annotation sets (with their spans, relations and answers) inside a
transaction, as core objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from annotator.core.model import AnnotationSet
from annotator.store.set_rows import _parsed, has_actor_tables, read_set_rows

__all__ = ["_copy", "_load_sets", "_parsed", "has_actor_tables"]


def _copy(aset: AnnotationSet) -> AnnotationSet:
    return AnnotationSet(
        aset.annotator,
        aset.status,
        list(aset.spans),
        list(aset.relations),
        {k: (list(v) if isinstance(v, list) else v) for k, v in aset.doc_labels.items()},
        aset.guideline_version,
        aset.created_at,
        aset.updated_at,
        dict(aset.actor_links),
    )


def _load_sets(
    conn: Connection, document_pks: Sequence[int], annotators: Sequence[str] | None
) -> dict[int, list[AnnotationSet]]:
    """Annotation sets of the given documents, keyed by document pk, in creation order."""
    return {
        document_pk: [rows.as_set() for rows in sets]
        for document_pk, sets in read_set_rows(conn, document_pks, annotators).items()
    }
