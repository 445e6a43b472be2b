"""Review decisions, written in the same transaction as the gold edit they make."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select

from annotator.core.edits import Compound, Edit
from annotator.core.model import GOLD
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading
from annotator.store.rows import now


@dataclass(frozen=True, slots=True)
class Decision:
    """How an item was settled: ``accepted:NAME,NAME``, ``rejected``, ``edited`` or
    ``auto`` (all annotators agreed), with the reason and who decided."""

    decision: str
    reason: str
    decided_by: str
    decided_at: str = ""


Decisions = Mapping[str, Decision | None]


def decisions(corpus: Corpus, doc_id: str) -> dict[str, Decision]:
    """The decisions taken on ``doc_id``, by item key."""
    a, d = t.adjudications, t.documents
    with reading(corpus.engine) as conn:
        rows = conn.execute(
            select(a.c.item_key, a.c.decision, a.c.reason, a.c.decided_by, a.c.decided_at)
            .join(d, d.c.pk == a.c.document_pk)
            .where(d.c.doc_id == doc_id)
        )
        return {row[0]: Decision(*row[1:]) for row in rows}


def decided_counts(corpus: Corpus) -> dict[str, int]:
    """How many items are decided, by document id."""
    from sqlalchemy import func

    a, d = t.adjudications, t.documents
    with reading(corpus.engine) as conn:
        rows = conn.execute(
            select(d.c.doc_id, func.count()).join(a, a.c.document_pk == d.c.pk).group_by(d.c.doc_id)
        )
        return {row[0]: int(row[1]) for row in rows}


def decide(
    corpus: Corpus, doc_id: str, settle: Decisions, edit: Edit | None
) -> tuple[Edit, dict[str, Decision | None]]:
    """Apply ``edit`` to the gold set of ``doc_id`` and record ``settle`` (item key ->
    decision, or None to forget one), all in one transaction.

    Returns:
        What undoes it: the inverse edit and the decisions as they were (pass both back
        to :func:`decide`).
    """
    before = decisions(corpus, doc_id)
    previous = {key: before.get(key) for key in settle}
    stamp = now()

    def record(conn: Connection, document_pk: int) -> None:
        a = t.adjudications
        for key, decision in settle.items():
            conn.execute(a.delete().where(a.c.document_pk == document_pk, a.c.item_key == key))
            if decision is not None:
                conn.execute(
                    a.insert().values(
                        document_pk=document_pk,
                        item_key=key,
                        decision=decision.decision,
                        reason=decision.reason,
                        decided_by=decision.decided_by,
                        decided_at=decision.decided_at or stamp,
                    )
                )

    inverse = corpus.apply_edit(doc_id, GOLD, edit or Compound(()), also=record)
    return inverse, previous
