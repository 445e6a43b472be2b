"""Models trained from a corpus, and the scores of their suggestions, in the corpus.

``model_runs`` has one row per training: the model's name and version (its
suggestions' origin is ``model:NAME@VERSION``), when and by whom, from which sets, its
folder and, as JSON in ``details``, the documents and sets it learned from, its dev
scores per component and label, its learning curve, steps and seconds.

``model_scores`` holds, per annotation set, what the latest model that suggested on it
said: a ``span`` row per suggestion (item: the span id, score: its probability), one
``document`` row (the document's uncertainty) and an ``answer`` row per question value
(item: ``question=value``). A new model's suggestions replace the set's rows.

A corpus read without migrating (schema 4 or 5, :data:`migrations.READABLE_FROM`) has
no such tables: the reads here then find no run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, inspect, select

from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading, writing


@dataclass(slots=True)
class ModelRun:
    """One training of a model on the corpus (what ``model_runs`` holds)."""

    name: str
    source: str
    base: str
    model_dir: str
    version: int = 0
    trained_at: str = ""
    trained_by: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """The origin of its suggestions: ``model:NAME@VERSION``."""
        return f"model:{self.name}@{self.version}"

    @property
    def scores(self) -> dict[str, dict[str, Any]]:
        return dict(self.details.get("scores", {}))


def record_run(corpus: Corpus, run: ModelRun) -> ModelRun:
    """Store ``run`` as the next version of its name; return it with version and time."""

    def work(conn: Connection) -> ModelRun:
        latest = conn.execute(
            select(func.max(t.model_runs.c.version)).where(t.model_runs.c.name == run.name)
        ).scalar()
        run.version = int(latest or 0) + 1
        run.trained_at = datetime.now(UTC).isoformat(timespec="seconds")
        conn.execute(
            insert(t.model_runs).values(
                name=run.name,
                version=run.version,
                trained_at=run.trained_at,
                trained_by=run.trained_by,
                source=run.source,
                base=run.base,
                model_dir=run.model_dir,
                details=json.dumps(run.details, ensure_ascii=False, sort_keys=True),
            )
        )
        return run

    return writing(corpus.engine, work)


def runs(corpus: Corpus) -> list[ModelRun]:
    """Every recorded training, oldest first."""
    m = t.model_runs
    with reading(corpus.engine) as conn:
        if not inspect(conn).has_table("model_runs"):
            return []
        rows = conn.execute(select(m).order_by(m.c.trained_at, m.c.pk)).all()
    return [_run(row) for row in rows]


def _run(row: Any) -> ModelRun:
    return ModelRun(
        row.name, row.source, row.base, row.model_dir, row.version, row.trained_at,
        row.trained_by, json.loads(row.details),
    )  # fmt: skip


def run_for_origin(corpus: Corpus, origin: str) -> ModelRun | None:
    return next((run for run in runs(corpus) if run.origin == origin), None)


def write_scores(
    conn: Connection,
    document_pk: int,
    annotator: str,
    origin: str,
    spans: dict[str, float | None],
    uncertainty: float,
    answers: dict[str, float],
) -> None:
    """Replace the scores of ``annotator``'s set on the document (inside its edit)."""
    name, _, version = origin.removeprefix("model:").rpartition("@")
    run_pk = conn.execute(
        select(t.model_runs.c.pk).where(
            t.model_runs.c.name == name, t.model_runs.c.version == int(version)
        )
    ).scalar_one()
    set_pk = conn.execute(
        select(t.annotation_sets.c.pk)
        .join(t.annotators, t.annotators.c.pk == t.annotation_sets.c.annotator_pk)
        .where(t.annotation_sets.c.document_pk == document_pk, t.annotators.c.name == annotator)
    ).scalar_one()
    conn.execute(delete(t.model_scores).where(t.model_scores.c.set_pk == set_pk))
    rows = [("document", "", uncertainty)]
    rows += [("span", span_id, score) for span_id, score in spans.items() if score is not None]
    rows += [("answer", item, score) for item, score in answers.items()]
    conn.execute(
        insert(t.model_scores),
        [
            {"set_pk": set_pk, "run_pk": run_pk, "kind": kind, "item": item, "score": score}
            for kind, item, score in rows
        ],
    )


@dataclass(slots=True)
class SetScores:
    """What the latest model said on one annotation set."""

    origin: str | None = None
    uncertainty: float | None = None
    spans: dict[str, float] = field(default_factory=dict)
    answers: dict[str, float] = field(default_factory=dict)


def set_scores(corpus: Corpus, doc_id: str, annotator: str) -> SetScores:
    """The scores stored for ``annotator``'s set on ``doc_id`` (empty when none)."""
    s, a, d, n, m = t.model_scores, t.annotation_sets, t.documents, t.annotators, t.model_runs
    found = SetScores()
    with reading(corpus.engine) as conn:
        if not inspect(conn).has_table("model_scores"):
            return found
        rows = conn.execute(
            select(s.c.kind, s.c.item, s.c.score, m.c.name, m.c.version)
            .join(a, a.c.pk == s.c.set_pk)
            .join(d, d.c.pk == a.c.document_pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .join(m, m.c.pk == s.c.run_pk)
            .where(d.c.doc_id == doc_id, n.c.name == annotator)
        ).all()
    for kind, item, score, name, version in rows:
        found.origin = f"model:{name}@{version}"
        if kind == "document":
            found.uncertainty = float(score)
        elif kind == "span":
            found.spans[item] = float(score)
        else:
            found.answers[item] = float(score)
    return found


def uncertain_documents(
    corpus: Corpus, annotator: str, statuses: Iterable[str] = ("todo", "in_progress")
) -> list[tuple[str, float]]:
    """``(document id, uncertainty)`` of ``annotator``'s sets in ``statuses`` that a model
    scored, the most uncertain first (ties by document id)."""
    s, a, d, n = t.model_scores, t.annotation_sets, t.documents, t.annotators
    with reading(corpus.engine) as conn:
        if not inspect(conn).has_table("model_scores"):
            return []
        rows = conn.execute(
            select(d.c.doc_id, s.c.score)
            .join(a, a.c.pk == s.c.set_pk)
            .join(d, d.c.pk == a.c.document_pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .where(s.c.kind == "document", n.c.name == annotator, a.c.status.in_(list(statuses)))
            .order_by(s.c.score.desc(), d.c.doc_id)
        ).all()
    return [(str(r[0]), float(r[1])) for r in rows]


def uncertainty_order(corpus: Corpus, annotator: str, keys: Sequence[int]) -> list[int]:
    """``keys`` (document keys, as the browser holds them) reordered: those a model
    scored for ``annotator`` first, the most uncertain first, then the rest in order."""
    s, a, n = t.model_scores, t.annotation_sets, t.annotators
    with reading(corpus.engine) as conn:
        if not inspect(conn).has_table("model_scores"):
            return list(keys)
        scored = conn.execute(
            select(a.c.document_pk)
            .join(s, s.c.set_pk == a.c.pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .where(s.c.kind == "document", n.c.name == annotator)
            .order_by(s.c.score.desc(), a.c.document_pk)
        ).scalars()
        wanted = set(keys)
        first = [int(k) for k in scored if k in wanted]
    taken = set(first)
    return first + [k for k in keys if k not in taken]
