"""Export documents to ``OUT/``: ``train.spacy``, ``dev.spacy``, ``config.cfg``, ``report.json``.

The four files replace the old ones together at the end, or not at all: they are
written under temporary names first, so a failure or a cancelled export leaves ``OUT``
as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from spacy.tokens import DocBin

from annotator.core.errors import AnnotatorError
from annotator.core.model import Document
from annotator.core.scheme import Scheme
from annotator.nlp import split, user_data
from annotator.nlp.config import TrainingPlan, training_config
from annotator.nlp.examples import ExampleBuilder, entity_layer
from annotator.nlp.language import blank
from annotator.nlp.msgpack_cache import entry_points_cached
from annotator.nlp.report import ALIGNMENTS, Alignment, Audit, SpacyExportReport

TRAIN: Final = "train.spacy"
DEV: Final = "dev.spacy"
CONFIG: Final = "config.cfg"
REPORT: Final = "report.json"

#: ``progress(done, total, what)``, as :class:`annotator.services.progress.Progress`.
ProgressCallback = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, what: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SpacyExportOptions:
    """The choices of ``annotator export --format spacy`` (DESIGN §5 and §7)."""

    dev_fraction: float = 0.2
    seed: int = 0
    alignment: Alignment = "strict"
    include_suggestions: bool = False

    def check(self) -> None:
        split.check_fraction(self.dev_fraction)
        if self.alignment not in ALIGNMENTS:
            raise AnnotatorError(
                f"--alignment must be one of {', '.join(ALIGNMENTS)}, not {self.alignment!r}"
            )


def audit_documents(
    documents: Iterable[Document], scheme: Scheme, include_suggestions: bool = False
) -> tuple[Audit, str]:
    """The alignment audit of ``documents`` without writing anything.

    Returns:
        The audit and the spaCy language whose tokenizer was used.
    """
    nlp = blank(scheme.language)
    builder = ExampleBuilder(nlp, scheme, "strict", include_suggestions)
    audit = Audit()
    for document in documents:
        audit.extend(builder.build(document)[1])
    return audit, str(nlp.lang)


def export_docbins(
    documents: Iterable[Document],
    out: Path,
    scheme: Scheme,
    options: SpacyExportOptions = SpacyExportOptions(),
    progress: ProgressCallback = _no_progress,
) -> SpacyExportReport:
    """Write the examples of ``documents`` and a training config into the folder ``out``.

    Misaligned spans do not stop the export, whatever the alignment mode: they are in
    the report, and the caller decides (the CLI exits 1 for ``strict``).

    Raises:
        AnnotatorError: bad options, ``out`` unusable, or nothing to train on.
        Cancelled: from ``progress``; nothing is written then.
    """
    options.check()
    folder = _prepare(Path(out))
    nlp = blank(scheme.language)
    builder = ExampleBuilder(nlp, scheme, options.alignment, options.include_suggestions)
    report = SpacyExportReport(options.alignment, str(nlp.lang), scheme.language)
    plan = TrainingPlan(scheme, entity_layer(scheme))
    bins = {TRAIN: DocBin(store_user_data=True), DEV: DocBin(store_user_data=True)}
    ids: dict[str, list[str]] = {TRAIN: [], DEV: []}
    with entry_points_cached():
        for document in documents:
            docs, audit = builder.build(document)
            report.audit.extend(audit)
            if not docs:
                continue
            side = (
                DEV if split.goes_to_dev(document.id, options.dev_fraction, options.seed) else TRAIN
            )
            ids[side].append(document.id)
            for doc in docs:
                bins[side].add(doc)
                plan.observe(doc, document.id)
                report.spans += len(doc.user_data[user_data.KEY]["set"]["spans"])
        moving = split.rebalance(ids[TRAIN], ids[DEV], options.dev_fraction, options.seed)
        if moving is not None:
            _move(bins, ids, moving, nlp.vocab)
        payloads = {name: docbin.to_bytes() for name, docbin in bins.items()}
    report.documents = len(ids[TRAIN]) + len(ids[DEV])
    report.train, report.dev = len(bins[TRAIN]), len(bins[DEV])
    if not report.documents:
        skipped = len(report.audit.skipped)
        raise AnnotatorError(
            f"nothing to export: the {skipped} annotation sets found are skipped or not "
            "annotated yet"
            if skipped
            else "nothing to export: no document has an annotation set"
        )
    ner, spans, textcat = plan.components(set(ids[TRAIN]))
    try:
        config, report.components = training_config(report.language, ner, spans, textcat)
    except ValueError:
        raise AnnotatorError(
            "nothing to train: the training examples have no entities, spans or answers "
            "to questions (suggestions are left out unless --include-suggestions)"
        ) from None
    progress(0, 1, "files written")
    contents = {
        **payloads,
        CONFIG: config.to_str().encode("utf-8"),
        REPORT: json.dumps(report.to_json(), ensure_ascii=False, indent=2).encode("utf-8"),
    }
    _write_together(folder, contents)
    report.files = [str(folder / name) for name in (TRAIN, DEV, CONFIG, REPORT)]
    progress(1, 1, "files written")
    return report


def _prepare(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise AnnotatorError(f"{out}: is a file; the spacy format writes a folder (train.spacy...)")
    if not out.parent.exists():
        raise AnnotatorError(f"{out.parent}: no such folder")
    return out


def _move(bins: dict[str, Any], ids: dict[str, list[str]], doc_id: str, vocab: Any) -> None:
    """Move one document's examples to the other (empty) side, keeping the order."""
    source, target = (TRAIN, DEV) if doc_id in ids[TRAIN] else (DEV, TRAIN)
    staying: list[Any] = []
    moving: list[Any] = []
    for doc in bins[source].get_docs(vocab):
        owner = doc.user_data[user_data.KEY]["document"]["id"]
        (moving if owner == doc_id else staying).append(doc)
    bins[source] = DocBin(store_user_data=True, docs=staying)
    bins[target] = DocBin(store_user_data=True, docs=moving)
    ids[source].remove(doc_id)
    ids[target].append(doc_id)


def _write_together(folder: Path, contents: dict[str, bytes]) -> None:
    """Write every file under a temporary name, then put them all in place."""
    folder.mkdir(exist_ok=True)
    temporary = {name: folder / f".{name}.partial" for name in contents}
    try:
        for name, data in contents.items():
            with temporary[name].open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for name, path in temporary.items():
            os.replace(path, folder / name)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
