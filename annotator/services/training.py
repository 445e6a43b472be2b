"""spaCy training data from a corpus: the export, its alignment audit, and snapping.

What the CLI (``annotator export --format spacy``) and the window's export dialog share:

- :func:`export_training_data` writes ``OUT/`` and returns the report (with the audit);
- :func:`alignment_audit` lists the spans that do not fit spaCy's tokens, writing nothing;
- :func:`snap_edits` turns misaligned spans into ``SetBounds`` edits, one ``Compound``
  per annotation set, for ``Corpus.apply_edit`` (so the window can undo them).

spaCy is imported inside the functions only: importing this module stays cheap.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from annotator.core.edits import Compound, SetBounds, apply
from annotator.core.errors import AnnotatorError
from annotator.core.fragments import PIECE_SEPARATOR
from annotator.core.model import AnnotationSet
from annotator.core.validation import problems
from annotator.formats.atomic import output_errors
from annotator.nlp.report import ALIGNMENTS, Alignment, Audit, SpacyExportReport, SpanIssue, listing
from annotator.services.exporting import resolve_source, selected_documents
from annotator.services.progress import Progress, no_progress
from annotator.store.corpus import Corpus

__all__ = [
    "ALIGNMENTS",
    "Audit",
    "SnapPlan",
    "SpacyExportReport",
    "SpanIssue",
    "alignment_audit",
    "export_training_data",
    "snap_edits",
    "strict_failure",
    "summary",
]

FORMAT = "spacy"


def export_training_data(
    corpus: Corpus,
    out: Path,
    *,
    source: str | None = None,
    dev_fraction: float = 0.2,
    seed: int = 0,
    alignment: str = "strict",
    include_suggestions: bool = False,
    include_unfinished: bool = False,
    one_per_cluster: bool = False,
    progress: Progress = no_progress,
) -> SpacyExportReport:
    """Write ``train.spacy``, ``dev.spacy``, ``config.cfg`` and ``report.json`` into ``out``.

    Near-copies (wire copies, :mod:`annotator.services.near_copies`) go to one side
    together: all of them, or with ``one_per_cluster`` only each cluster's first
    document that has examples.

    The files are written even when ``strict`` alignment meets misaligned spans (for
    inspection); ``report.failed_strict`` then says the export should count as failed.

    Raises:
        AnnotatorError: bad options, an unknown ``source``, nothing to export.
        Cancelled: from ``progress``; ``out`` is left as it was.
    """
    from annotator.nlp.export import SpacyExportOptions, export_docbins

    if alignment not in ALIGNMENTS:
        raise AnnotatorError(f"alignment must be one of {', '.join(ALIGNMENTS)}, not {alignment!r}")
    mode = cast(Alignment, alignment)
    from annotator.services import near_copies

    found = near_copies.clusters(corpus)
    options = SpacyExportOptions(
        dev_fraction, seed, mode, include_suggestions, include_unfinished,
        clusters={doc: cluster.id for cluster in found for doc in cluster.documents},
        one_per_cluster=one_per_cluster,
        near_copies={"threshold": near_copies.threshold(corpus), **near_copies.summary(found)},
    )  # fmt: skip
    options.check()
    chosen = resolve_source(corpus, FORMAT, source)
    documents = selected_documents(corpus, chosen, progress)
    with output_errors(Path(out)):
        return export_docbins(documents, Path(out), corpus.scheme, options, progress)


def alignment_audit(
    corpus: Corpus,
    *,
    source: str | None = None,
    include_suggestions: bool = False,
    include_unfinished: bool = False,
    progress: Progress = no_progress,
) -> Audit:
    """The spans of the exported sets that are misaligned or overlap in ``doc.ents``."""
    from annotator.nlp.export import audit_documents

    chosen = resolve_source(corpus, FORMAT, source)
    documents = selected_documents(corpus, chosen, progress)
    return audit_documents(documents, corpus.scheme, include_suggestions, include_unfinished)[0]


@dataclass(slots=True)
class SnapPlan:
    """Edits that snap misaligned spans to tokens, and the spans that cannot be snapped.

    Attributes:
        edits: ``(document id, annotator) -> Compound`` of :class:`SetBounds`; apply
            each with ``corpus.apply_edit(document, annotator, edit)``.
        unsnappable: issues left as they are, each with the reason.
    """

    edits: dict[tuple[str, str], Compound] = field(default_factory=dict)
    unsnappable: list[tuple[SpanIssue, str]] = field(default_factory=list)


def snap_edits(
    corpus: Corpus, issues: list[SpanIssue], mode: Literal["contract", "expand"]
) -> SnapPlan:
    """Plan the edits that move misaligned spans to the bounds ``mode`` gives.

    A span is left alone (with a reason) when the mode finds no whole token in it, when
    it changed since the audit, or when its new bounds would overlap another span of a
    layer that forbids overlaps: every planned ``Compound`` applies cleanly.
    """
    if mode not in ("contract", "expand"):
        raise ValueError(f"mode must be 'contract' or 'expand', not {mode!r}")
    plan = SnapPlan()
    by_set: dict[tuple[str, str], list[SpanIssue]] = {}
    for issue in issues:
        by_set.setdefault((issue.document, issue.annotator), []).append(issue)
    scheme = corpus.scheme
    for (doc_id, annotator), group in by_set.items():
        document = corpus.document(doc_id, annotators=[annotator])
        stored = document.annotation_set(annotator) or AnnotationSet(annotator)
        work = AnnotationSet(annotator, stored.status, list(stored.spans), list(stored.relations))
        edits = []
        for issue in group:
            bounds = issue.contract if mode == "contract" else issue.expand
            span = work.span(issue.span_id)
            if bounds is None:
                plan.unsnappable.append((issue, f"{mode} finds no whole token in it"))
            elif span is None and PIECE_SEPARATOR in issue.span_id:
                plan.unsnappable.append(
                    (issue, "a fragment of a discontinuous span: adjust its pieces in the window")
                )
            elif span is None or (span.start, span.end) != (issue.start, issue.end):
                plan.unsnappable.append((issue, "the span changed since the audit"))
            else:
                edit = SetBounds(issue.span_id, *bounds)
                undo = apply(work, edit)
                if next(problems(document.text, work, scheme), None) is None:
                    edits.append(edit)
                else:
                    apply(work, undo)
                    plan.unsnappable.append(
                        (issue, f"snapped, it would overlap another span of {issue.layer!r}")
                    )
        if edits:
            plan.edits[(doc_id, annotator)] = Compound(tuple(edits))
    return plan


def summary(report: SpacyExportReport, out: Path) -> str:
    """What the export wrote and what the user should know, for the CLI and the window."""
    parts = report.languages or {"": report}
    lines = []
    for code, part in parts.items():
        where = Path(out) / code if code else Path(out)
        lines.append(
            f"wrote {where}: {_count(part.train, 'example')} in train.spacy, {part.dev} in "
            f"dev.spacy, from {_count(part.documents, 'document')}; config.cfg trains "
            f"{', '.join(part.components)} (spaCy language {part.language!r})"
        )
        if part.corpus_language and part.language != part.corpus_language:
            lines.append(
                f"spaCy cannot tokenize {part.corpus_language!r} here: used its multi-language "
                f"{part.language!r} tokenizer (config.cfg says so too)"
            )
        if part.not_trained:
            lines.append(
                f"not trained{f' in {code}' if code else ''}: {', '.join(part.not_trained)} "
                "(all their examples fell in dev.spacy, so config.cfg has no component for "
                "them; export with another --seed, or annotate more documents)"
            )
        if not part.dev:
            lines.append(_empty_dev(part, code))
    for code, reason in report.not_exported.items():
        lines.append(f"not exported: the {code!r} documents ({reason})")
    copies = report.near_copies
    if copies.get("clusters"):
        left = len(copies["left_out"])
        lines.append(
            f"near-copies: {copies['clusters']} clusters of {copies['clustered']} documents, "
            "each on one side of the split"
            + (f"; {left} copies left out (--one-per-cluster)" if left else "")
        )
    if report.languages:
        lines.append(
            f"documents in {len(parts)} languages: one folder each; {out}/report.json sums up"
        )
    audit = report.audit
    if audit.misaligned and report.alignment != "strict":
        lines.append(
            f"snapped {audit.snapped}, dropped {len(audit.dropped)} of "
            f"{_count(len(audit.misaligned), 'span')} not on token boundaries "
            f"(--alignment {report.alignment}; listed in report.json"
            + (
                ', the dropped ones under "dropped": no whole token inside, they are in '
                "user_data only)"
                if audit.dropped
                else ")"
            )
        )
    if audit.overlapping:
        lines.append(
            f"{len(audit.overlapping)} overlapping entities are not in doc.ents (they are in "
            "doc.spans and user_data; listed in report.json)"
        )
    if audit.split:
        lines.append(
            f"{_count(audit.split, 'discontinuous span')} written to the span groups as "
            'their fragments (whole in user_data; counted under "split" in report.json)'
        )
    if audit.skipped:
        lines.append(_skipped_line(audit))
    return "\n".join(lines)


def _empty_dev(part: SpacyExportReport, code: str) -> str:
    what = f"dev.spacy{f' ({code})' if code else ''} is empty"
    if part.documents == 1:
        why = "the only document went to train"
    else:
        why = "--dev-fraction 0 put every document in train"
    return (
        f"{what}: {why}. spacy train needs dev examples: export with --dev-fraction above 0 "
        "once two documents are annotated, or give spacy train another --paths.dev"
    )


def _skipped_line(audit: Audit) -> str:
    statuses = Counter(item.status for item in audit.skipped)
    detail = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    line = (
        f"{_count(len(audit.skipped), 'annotation set')} skipped ({detail}; listed in report.json)"
    )
    unfinished = sum(
        1
        for item in audit.skipped
        if item.status in ("todo", "in_progress") and "done" in item.reason
    )
    if unfinished:
        line += (
            f": {_count(unfinished, 'set')} not marked done are not training data; "
            "--include-unfinished (in the export dialog: Include unfinished sets) takes them "
            "as they are"
        )
    return line


def strict_failure(report: SpacyExportReport, out: Path) -> str:
    """The message of a ``strict`` export that met misaligned spans (the CLI exits 1)."""
    count = len(report.audit.misaligned)
    return (
        f"{count} span{'s' if count != 1 else ''} not on spaCy {report.language!r} token "
        f"boundaries (--alignment strict):\n{listing(report.audit.misaligned)}\n"
        f"All are listed in {Path(out) / 'report.json'} with what --alignment contract or "
        f"expand would make of them. The files in {out} were written for inspection only: "
        "these spans are missing from doc.ents and doc.spans. Fix them in the app (the "
        "export dialog can snap them), or export again with --alignment contract or expand."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
