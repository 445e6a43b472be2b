"""Corpus statistics (``annotator stats``), computed by the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from annotator.core.model import STATUSES
from annotator.services.learning import learning_curve
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading


def statistics(corpus: Corpus) -> dict[str, Any]:
    """Documents, annotators with their progress, and span counts by layer and label.

    The dictionary is what ``annotator stats --json`` prints.
    """
    scheme = corpus.scheme
    a, n, s = t.annotation_sets, t.annotators, t.spans
    with reading(corpus.engine) as conn:
        documents, characters = conn.execute(
            select(func.count(), func.coalesce(func.sum(func.length(t.documents.c.text)), 0))
        ).one()
        annotated = conn.execute(select(func.count(func.distinct(a.c.document_pk)))).scalar_one()
        per_status = conn.execute(
            select(n.c.name, a.c.status, func.count())
            .select_from(a)
            .join(n, n.c.pk == a.c.annotator_pk)
            .group_by(n.c.name, a.c.status)
        ).all()
        per_label = conn.execute(
            select(n.c.name, s.c.layer, s.c.label, s.c.state, func.count())
            .select_from(s)
            .join(a, a.c.pk == s.c.set_pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .group_by(n.c.name, s.c.layer, s.c.label, s.c.state)
        ).all()
        per_relation = conn.execute(
            select(n.c.name, func.count())
            .select_from(t.relations)
            .join(a, a.c.pk == t.relations.c.set_pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .group_by(n.c.name)
        ).all()
        per_answer = conn.execute(
            select(n.c.name, func.count(func.distinct(t.doc_labels.c.set_pk)))
            .select_from(t.doc_labels)
            .join(a, a.c.pk == t.doc_labels.c.set_pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .group_by(n.c.name)
        ).all()
        per_decision = conn.execute(
            select(n.c.name, t.suggestion_decisions.c.decision, func.count())
            .select_from(t.suggestion_decisions)
            .join(a, a.c.pk == t.suggestion_decisions.c.set_pk)
            .join(n, n.c.pk == a.c.annotator_pk)
            .group_by(n.c.name, t.suggestion_decisions.c.decision)
        ).all()
    annotators: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        return annotators.setdefault(
            name,
            {
                "documents": 0,
                "status": dict.fromkeys(STATUSES, 0),
                "spans": 0,
                "suggested": 0,
                "relations": 0,
                "answered": 0,
                "suggestions": {"pending": 0, "accepted": 0, "changed": 0, "rejected": 0},
            },
        )

    for name, status, count in per_status:
        entry(name)["documents"] += count
        entry(name)["status"][status] = count
    layers: dict[str, dict[str, int]] = {lay.name: {} for lay in scheme.span_layers}
    for name, layer, label, state, count in per_label:
        if state == "suggested":
            entry(name)["suggested"] += count
            entry(name)["suggestions"]["pending"] += count
            continue
        entry(name)["spans"] += count
        by_label = layers.setdefault(layer, {})
        by_label[label] = by_label.get(label, 0) + count
    for name, count in per_relation:
        entry(name)["relations"] = count
    for name, count in per_answer:
        entry(name)["answered"] = count
    for name, decision, count in per_decision:
        entry(name)["suggestions"][decision] = count
    guidelines = corpus.guidelines()
    return {
        "corpus": corpus.shown,
        "language": scheme.language,
        "target": scheme.target,
        "documents": documents,
        "characters": int(characters),
        "unannotated": documents - annotated,
        "annotators": dict(sorted(annotators.items())),
        "layers": {k: dict(sorted(v.items())) for k, v in layers.items()},
        "guidelines_version": guidelines[0] if guidelines else None,
        "models": learning_curve(corpus),
        "near_copies": _near_copies(corpus),
    }


def _near_copies(corpus: Corpus) -> dict[str, Any]:
    """Clusters of wire copies among the compared documents (stats never compares: the
    next import, or ``annotator duplicates``, does)."""
    from annotator.services import near_copies

    found, pending = near_copies.pairs(corpus, compare_pending=False)
    groups = near_copies.clusters_of(found, near_copies.order(corpus)) if found else []
    return {
        "threshold": near_copies.threshold(corpus),
        **near_copies.summary(groups),
        "not_compared": pending,
    }


def format_statistics(stats: dict[str, Any]) -> str:
    """The statistics as a short human-readable report."""
    lines = [
        f"corpus      {stats['corpus']}",
        f"language    {stats['language']}    target: {stats['target'] or '(none)'}",
        f"documents   {stats['documents']} ({stats['characters']} characters, "
        f"{stats['unannotated']} not annotated by anyone)",
    ]
    if stats["annotators"]:
        lines.append("annotators")
        for name, info in stats["annotators"].items():
            status = ", ".join(f"{k} {v}" for k, v in info["status"].items() if v)
            lines.append(
                f"  {name:<14} {info['documents']} documents ({status}); {info['spans']} spans, "
                f"{info['relations']} relations, {info['answered']} answered"
                + (f", {info['suggested']} suggestions pending" if info["suggested"] else "")
            )
            decided = info["suggestions"]
            if any(decided[k] for k in ("accepted", "changed", "rejected")):
                lines.append(
                    f"  {'':<14} suggestions: {decided['accepted']} accepted, "
                    f"{decided['changed']} changed, {decided['rejected']} rejected"
                )
    for layer, labels in stats["layers"].items():
        counts = ", ".join(f"{label} {count}" for label, count in labels.items()) or "none"
        lines.append(f"layer {layer:<10} {counts}")
    copies = stats.get("near_copies")
    if copies and (copies["clusters"] or copies["not_compared"]):
        lines.append(
            f"near-copies {copies['clusters']} clusters of {copies['clustered']} documents "
            f"({copies['copies']} copies beyond one each; threshold {copies['threshold']:g})"
            + (f"; {copies['not_compared']} not compared yet" if copies["not_compared"] else "")
        )
    for run in stats.get("models", []):
        scores = ", ".join(f"{name} {s['f']:.2f}" for name, s in run["scores"].items())
        lines.append(
            f"model {run['origin']}  {run['trained_at']}  {run['documents']} documents, "
            f"dev F: {scores or 'none'}"
        )
    return "\n".join(lines)
