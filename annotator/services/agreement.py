"""Inter-annotator agreement of a corpus (``annotator agreement``, the dashboard).

The figures follow DESIGN §8 (see :mod:`annotator.agreement.report`); the gold layer is
left out of them and compared with each annotator apart, under ``"gold"``.

For the dashboard: :func:`compute_agreement` gives an :class:`AgreementReport` whose
``figures`` are the JSON of ``annotator agreement --json`` (layers, pairs, questions,
claims, ``documents_by_disagreement``, ``gold``) and whose ``confusion(layer, a, b)`` is
a label confusion matrix for a heatmap; :func:`document_differences` marks, span by
span, where the annotators of one document differ; :func:`write_html` writes the report
a lead can mail. ``compute_agreement`` takes a ``progress`` callback like the other
services (reading the documents is most of the time).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.agreement.actors import add_actor_figures, keep_linked
from annotator.agreement.collect import Collector
from annotator.agreement.differences import SpanAgreement, span_differences
from annotator.agreement.html import render
from annotator.agreement.report import AgreementReport, Confusion, report_from
from annotator.agreement.tally import Tally
from annotator.core.model import GOLD, Document
from annotator.core.rows import batch_of
from annotator.formats.atomic import atomic_text_writer, output_errors
from annotator.services.claims import claim_layer
from annotator.services.progress import Progress, no_progress
from annotator.store.actors import actors, linked_document_ids
from annotator.store.corpus import Corpus
from annotator.store.row_reads import BATCH, read_ahead, row_batches

__all__ = [
    "AgreementReport",
    "Confusion",
    "SpanAgreement",
    "compute_agreement",
    "document_differences",
    "format_summary",
    "report_title",
    "write_html",
]


def compute_agreement(
    corpus: Corpus, progress: Progress = no_progress, batch: int = BATCH
) -> AgreementReport:
    """Agreement over the corpus documents that two or more annotators annotated.

    ``report.figures`` is what ``annotator agreement --json`` prints;
    ``report.confusion(layer, a, b)`` gives a label confusion matrix for a heatmap.

    The corpus is read as rows, ``batch`` documents at a time, each batch tallied and
    dropped (:mod:`annotator.agreement.tally`): memory stays flat in corpus size.
    """
    scheme = corpus.scheme
    collector = Collector(scheme, claim_layer(scheme))
    tally = Tally(GOLD)
    total, done = corpus.document_count(), 0
    detailed = collector.codes.claim_layer
    tally.add(collector.batch(batch_of([], detailed)))  # the scheme's codes, with no document
    with _collector_paused():
        codes = collector.codes.code_of
        for rows in read_ahead(lambda: row_batches(corpus, codes, detailed, batch)):
            tally.add(collector.batch(rows))
            done += len(rows.documents)
            progress(done, max(total, done), "documents")
    report = report_from(tally.totals(), GOLD)
    registry = actors(corpus)  # issue 23: agreement on the actor of matched claims, read
    linked = keep_linked(_linked_documents(corpus), list[Document](), registry)
    add_actor_figures(report.figures, linked, scheme, registry)  # from linked documents only
    mark_copies(report.figures, corpus)
    return report


def mark_copies(figures: dict[str, Any], corpus: Corpus) -> None:
    """Issue 24: near-copies grouped as one cluster in ``documents_by_disagreement``, as
    the imports found them (documents not compared yet are not compared here: agreement
    on 100k documents stays a matter of seconds)."""
    from annotator.agreement.ranking import group_copies
    from annotator.services import near_copies

    index = near_copies.cluster_index(corpus, compare_pending=False)
    group_copies(figures, {doc: cluster.id for doc, cluster in index.items()})


def _linked_documents(corpus: Corpus) -> Iterator[Document]:
    """The documents with at least one actor link, loaded a batch at a time: usually few,
    and the figures above never build a document."""
    doc_ids = linked_document_ids(corpus)
    return corpus.documents(doc_ids) if doc_ids else iter(())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while millions of row tuples come and go: none of
    them is part of a cycle, and scanning them again and again costs a sixth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def document_differences(corpus: Corpus, doc_id: str) -> list[SpanAgreement]:
    """Each annotator's spans on ``doc_id`` with who agrees, for marking differences."""
    return span_differences(corpus.document(doc_id), GOLD)


def report_title(corpus: Corpus) -> str:
    """How the report names the corpus: its file name, or its URL without the password
    (the report is meant to be mailed)."""
    if corpus.path is not None:
        return corpus.path.name
    return corpus.engine.url.render_as_string(hide_password=True)


def write_html(report: AgreementReport, out: Path, title: str) -> None:
    """Write the self-contained HTML report to ``out``, whole or not at all."""
    page = render(report, title)
    with output_errors(Path(out)), atomic_text_writer(Path(out)) as handle:
        handle.write(page)


def format_summary(report: AgreementReport, top: int = 10) -> str:
    """The figures as a short text for the terminal."""
    figures = report.figures
    annotators = figures["annotators"]
    lines = [
        f"documents   {figures['documents']} annotated by two or more annotators "
        f"({', '.join(annotators) or 'none'}; gold left out)"
    ]
    if not figures["documents"]:
        lines.append("nothing to compare yet: no document has two annotators' sets")
        return "\n".join(lines)
    for layer, entry in figures["layers"].items():
        lines.append(
            f"layer {layer:<10} F1 exact {_fmt(entry['f1_exact'])}, overlap "
            f"{_fmt(entry['f1_overlap'])}, α tokens {_fmt(entry['alpha_tokens'])}"
        )
    for question, entry in figures["questions"].items():
        lines.append(
            f"question {question:<7} {entry['items']} items: agreement "
            f"{_fmt(entry['percent_agreement'])}, Cohen's κ {_fmt(entry['cohen_kappa'])}, "
            f"Fleiss' κ {_fmt(entry['fleiss_kappa'])}, α {_fmt(entry['krippendorff_alpha'])}"
        )
    claims = figures.get("claims")
    if claims:
        lines.append(
            f"claims      {claims['matched']} matched: claimant agreement "
            f"{_fmt(claims['claimant_agreement'])}, cue agreement "
            f"{_fmt(claims.get('cue_agreement'))}, stance agreement "
            f"{_fmt(claims['stance_agreement'])}, whole frame "
            f"{_fmt(claims.get('frame_agreement'))}, actor "
            f"{_fmt(claims.get('actor_agreement'))}"
        )
    for name, entry in figures.get("gold", {}).items():
        scores = ", ".join(
            f"{layer} {_fmt(item['f1_exact'])}" for layer, item in entry["layers"].items()
        )
        lines.append(f"vs gold     {name} ({entry['documents']} documents): F1 {scores}")
    worst = [d for d in figures["documents_by_disagreement"] if d["disagreement"] > 0][:top]
    if worst:
        lines.append("most disagreement")
        lines += [
            f"  {d['disagreement']:.3f}  {d['id']}"
            + (f"  (near-copy: cluster {d['cluster']})" if d.get("cluster") else "")
            for d in worst
        ]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"
