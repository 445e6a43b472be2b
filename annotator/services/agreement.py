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

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.agreement.actors import add_actor_figures, keep_linked
from annotator.agreement.collect import collect
from annotator.agreement.differences import SpanAgreement, span_differences
from annotator.agreement.html import render
from annotator.agreement.report import AgreementReport, Confusion, build_report
from annotator.core.model import GOLD, Document
from annotator.formats.atomic import atomic_text_writer
from annotator.services.claims import claim_layer
from annotator.services.progress import Progress, no_progress
from annotator.store.actors import actors
from annotator.store.corpus import Corpus

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


def compute_agreement(corpus: Corpus, progress: Progress = no_progress) -> AgreementReport:
    """Agreement over the corpus documents that two or more annotators annotated.

    ``report.figures`` is what ``annotator agreement --json`` prints;
    ``report.confusion(layer, a, b)`` gives a label confusion matrix for a heatmap.
    """
    scheme = corpus.scheme
    registry, linked = actors(corpus), list[Document]()
    documents = keep_linked(_reading(corpus, progress), linked, registry)
    data = collect(documents, scheme, claim_layer(scheme))
    report = build_report(data, GOLD)
    add_actor_figures(report.figures, linked, scheme, registry)  # issue 23: the actor
    return report


def document_differences(corpus: Corpus, doc_id: str) -> list[SpanAgreement]:
    """Each annotator's spans on ``doc_id`` with who agrees, for marking differences."""
    return span_differences(corpus.document(doc_id), GOLD)


def _reading(corpus: Corpus, progress: Progress) -> Iterator[Document]:
    total = corpus.document_count()
    for number, doc in enumerate(corpus.documents(), start=1):
        if number % 200 == 0 or number == total:
            progress(number, total, "documents")
        yield doc


def report_title(corpus: Corpus) -> str:
    """How the report names the corpus: its file name, or its URL without the password
    (the report is meant to be mailed)."""
    if corpus.path is not None:
        return corpus.path.name
    return corpus.engine.url.render_as_string(hide_password=True)


def write_html(report: AgreementReport, out: Path, title: str) -> None:
    """Write the self-contained HTML report to ``out``, whole or not at all."""
    page = render(report, title)
    with atomic_text_writer(Path(out)) as handle:
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
        lines += [f"  {d['disagreement']:.3f}  {d['id']}" for d in worst]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"
