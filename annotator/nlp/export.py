"""Export documents to ``OUT/``: ``train.spacy``, ``dev.spacy``, ``config.cfg``, ``report.json``.

Documents in several languages give one such folder per language, ``OUT/en/``,
``OUT/fr/``, each tokenized and configured for its language, and ``OUT/report.json``
for the whole. The files replace the old ones together at the end, or not at all: they
are written under temporary names first, so a failure or a cancelled export leaves
``OUT`` as it was.

A side with more examples than a DocBin holds (``examples_per_file``) is a folder of
DocBins instead of one file, written as the documents stream by, so that memory stays flat
in corpus size (:mod:`annotator.nlp.shards`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from annotator.core.errors import AnnotatorError
from annotator.core.language import document_language
from annotator.core.model import Document
from annotator.core.scheme import Scheme
from annotator.nlp import split, user_data
from annotator.nlp.config import TrainingPlan, training_config
from annotator.nlp.examples import ExampleBuilder, entity_layer
from annotator.nlp.language import blank
from annotator.nlp.msgpack_cache import entry_points_cached
from annotator.nlp.report import ALIGNMENTS, Alignment, Audit, SpacyExportReport
from annotator.nlp.shards import EXAMPLES_PER_FILE, Side

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
    include_unfinished: bool = False
    examples_per_file: int = EXAMPLES_PER_FILE
    """Examples per DocBin: a side with more is a folder of DocBins of this many."""
    clusters: Mapping[str, str] = field(default_factory=dict)
    """Document id -> its cluster of near-copies (the cluster's id): the split decides by
    the cluster, so that every copy lands on the same side. Other documents by their id."""
    one_per_cluster: bool = False
    """Export only the first document of each cluster that has examples."""
    near_copies: Mapping[str, Any] = field(default_factory=dict)
    """What report.json says of the clusters (threshold, clusters, copies)."""

    def check(self) -> None:
        split.check_fraction(self.dev_fraction)
        if self.examples_per_file < 1:
            raise AnnotatorError(
                f"examples per file must be at least 1, not {self.examples_per_file}"
            )
        if self.alignment not in ALIGNMENTS:
            raise AnnotatorError(
                f"--alignment must be one of {', '.join(ALIGNMENTS)}, not {self.alignment!r}"
            )


def audit_documents(
    documents: Iterable[Document],
    scheme: Scheme,
    include_suggestions: bool = False,
    include_unfinished: bool = False,
) -> tuple[Audit, str]:
    """The alignment audit of ``documents`` without writing anything, each document
    tokenized in its own language.

    Returns:
        The audit and the spaCy languages whose tokenizers were used (``"en+fr"``).
    """
    builders: dict[str, ExampleBuilder] = {}
    audit = Audit()
    for document in documents:
        language = document_language(document, scheme.language)
        builder = builders.get(language)
        if builder is None:
            builder = builders[language] = ExampleBuilder(
                blank(language), scheme, "strict", include_suggestions, include_unfinished
            )
        audit.extend(builder.build(document)[1])
    used = sorted({str(b.nlp.lang) for b in builders.values()}) or [
        str(blank(scheme.language).lang)
    ]
    return audit, "+".join(used)


class _LanguagePart:
    """The examples of the documents in one language, while documents stream by."""

    def __init__(
        self, language: str, scheme: Scheme, options: SpacyExportOptions, folder: Path
    ) -> None:
        self.nlp = blank(language)
        self.builder = ExampleBuilder(
            self.nlp, scheme, options.alignment, options.include_suggestions,
            options.include_unfinished,
        )  # fmt: skip
        self.report = SpacyExportReport(options.alignment, str(self.nlp.lang), language)
        self.plan = TrainingPlan(scheme, entity_layer(scheme))
        self.bins = {
            name: Side(folder / f".{language}-{name}.partial", options.examples_per_file)
            for name in (TRAIN, DEV)
        }
        self.ids: dict[str, list[str]] = {TRAIN: [], DEV: []}
        self.options = options
        self.cluster_sides: dict[str, str] = {}  # cluster id -> the side of its copies
        self.exported_copies = 0  # documents of a cluster exported
        self.left_copies: list[str] = []  # copies left out (one_per_cluster)

    def add(self, document: Document) -> None:
        docs, audit = self.builder.build(document)
        self.report.audit.extend(audit)
        if not docs:
            return
        fraction, seed = self.options.dev_fraction, self.options.seed
        key = self.options.clusters.get(document.id, document.id)
        if document.id in self.options.clusters:
            if self.options.one_per_cluster and key in self.cluster_sides:
                self.left_copies.append(document.id)
                return
            self.exported_copies += 1
        side = self.cluster_sides.get(key)
        if side is None:
            side = DEV if split.goes_to_dev(key, fraction, seed) else TRAIN
            if document.id in self.options.clusters:
                self.cluster_sides[key] = side
        self.ids[side].append(document.id)
        for doc in docs:
            self.bins[side].add(doc)
            self.plan.observe(doc, document.id)
            self.report.spans += len(doc.user_data[user_data.KEY]["set"]["spans"])

    def finish(self) -> dict[str, bytes | Path]:
        """Settle the split, fill the report, and give the four files' contents (a side
        in several DocBins as the staging folder holding them)."""
        ids, report = self.ids, self.report
        moving = split.rebalance(
            ids[TRAIN], ids[DEV], self.options.dev_fraction, self.options.seed,
            self.options.clusters,
        )  # fmt: skip
        for doc_id in moving:  # with its near-copies: a cluster is never split
            _move(self.bins, ids, doc_id, self.nlp.vocab)
        if self.options.near_copies:
            report.near_copies = {
                **self.options.near_copies,
                "exported": self.exported_copies,
                "left_out": list(self.left_copies),
            }
        report.documents = len(ids[TRAIN]) + len(ids[DEV])
        report.train, report.dev = len(self.bins[TRAIN]), len(self.bins[DEV])
        train_ids = set(ids[TRAIN])
        ner, spans, textcat = self.plan.components(train_ids)
        report.not_trained = self.plan.untrained(train_ids)
        try:
            config, report.components = training_config(report.language, ner, spans, textcat)
        except ValueError:
            raise AnnotatorError(_nothing_to_train(report)) from None
        report.docbins = {
            name.removesuffix(".spacy"): side.pieces_written for name, side in self.bins.items()
        }
        return {
            **{name: side.finish() for name, side in self.bins.items()},
            CONFIG: config.to_str().encode("utf-8"),
            REPORT: _json(report),
        }

    def discard(self) -> None:
        for side in self.bins.values():
            side.discard()


def export_docbins(
    documents: Iterable[Document],
    out: Path,
    scheme: Scheme,
    options: SpacyExportOptions = SpacyExportOptions(),
    progress: ProgressCallback = _no_progress,
) -> SpacyExportReport:
    """Write the examples of ``documents`` and a training config into the folder ``out``.

    Each document is tokenized in its own language (:func:`document_language`). With one
    language the four files go into ``out``; with several, into ``out/<lang>/`` for
    each, and ``out/report.json`` sums them up.

    Misaligned spans do not stop the export, whatever the alignment mode: they are in
    the report, and the caller decides (the CLI exits 1 for ``strict``).

    Raises:
        AnnotatorError: bad options, ``out`` unusable, or nothing to train on.
        Cancelled: from ``progress``; nothing is written then.
    """
    options.check()
    folder = _prepare(Path(out))
    existed = folder.exists()
    parts: dict[str, _LanguagePart] = {}
    try:
        return _export(documents, folder, scheme, options, progress, parts)
    finally:  # once in place, the pieces are no longer in the staging folders
        for part in parts.values():
            part.discard()
        if not existed:
            with contextlib.suppress(OSError):  # removed only when empty: nothing written
                folder.rmdir()


def _export(
    documents: Iterable[Document],
    folder: Path,
    scheme: Scheme,
    options: SpacyExportOptions,
    progress: ProgressCallback,
    parts: dict[str, _LanguagePart],
) -> SpacyExportReport:
    with entry_points_cached():
        for document in documents:
            language = document_language(document, scheme.language)
            part = parts.get(language)
            if part is None:
                part = parts[language] = _LanguagePart(language, scheme, options, folder)
            part.add(document)
        exported = {
            code: part for code, part in sorted(parts.items()) if part.ids[TRAIN] or part.ids[DEV]
        }
        if not exported:
            raise AnnotatorError(_nothing_to_export([p.report.audit for p in parts.values()]))
        files: dict[str, dict[str, bytes | Path]] = {}
        untrainable: dict[str, str] = {}
        for code, part in exported.items():
            try:
                files[code] = part.finish()
            except AnnotatorError as error:
                if len(exported) == 1:
                    raise
                untrainable[code] = str(error)
        if not files:
            raise AnnotatorError("; ".join(untrainable.values()))
    written = {code: exported[code] for code in files}
    progress(0, 1, "files written")
    if len(written) == 1:
        ((code, part),) = written.items()
        report = part.report
        contents: dict[str, bytes | Path] = dict(files[code])
        report.files = [str(folder / name) for name in (TRAIN, DEV, CONFIG, REPORT)]
    else:
        for code, part in written.items():
            part.report.files = [str(folder / code / name) for name in (TRAIN, DEV, CONFIG, REPORT)]
        report = SpacyExportReport.combined({code: p.report for code, p in written.items()})
        contents = {
            f"{code}/{name}": data for code, named in files.items() for name, data in named.items()
        }
        report.files.append(str(folder / REPORT))
    # What the other languages had to say (skipped sets, misaligned spans) stays in the report.
    for code, part in parts.items():
        if code not in written:
            report.audit.extend(part.report.audit)
    report.not_exported = untrainable
    contents[REPORT] = _json(report)
    _write_together(folder, contents)
    _remove_other_layout(folder, contents)
    progress(1, 1, "files written")
    return report


def _json(report: SpacyExportReport) -> bytes:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2).encode("utf-8")


def _nothing_to_export(audits: list[Audit]) -> str:
    skipped = [item for audit in audits for item in audit.skipped]
    if not skipped:
        return "nothing to export: no document has an annotation set"
    unfinished = Counter(item.status for item in skipped if item.status not in ("done", "skipped"))
    message = (
        f"nothing to export: the {len(skipped)} annotation sets found are skipped or not "
        "annotated yet"
    )
    if unfinished:
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(unfinished.items()))
        message += (
            f" (not marked done: {statuses}); mark them done, or export with "
            "--include-unfinished to take them as they are"
        )
    return message


def _nothing_to_train(report: SpacyExportReport) -> str:
    if report.not_trained:
        return (
            f"nothing to train in {report.language!r}: the {report.train} training examples "
            "have no entities, spans or answers; only dev examples have them "
            f"({', '.join(report.not_trained)}). Export with another --seed or "
            "--dev-fraction, or annotate more documents"
        )
    return (
        f"nothing to train in {report.language!r}: the training examples have no entities, "
        "spans or answers to questions (suggestions are left out unless "
        "--include-suggestions)"
    )


def _prepare(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise AnnotatorError(f"{out}: is a file; the spacy format writes a folder (train.spacy...)")
    if not out.parent.exists():
        raise AnnotatorError(f"{out.parent}: no such folder")
    return out


def _move(bins: dict[str, Side], ids: dict[str, list[str]], doc_id: str, vocab: Any) -> None:
    """Move one document's examples to the other side, keeping the order."""
    source, target = (TRAIN, DEV) if doc_id in ids[TRAIN] else (DEV, TRAIN)
    for doc in bins[source].take(doc_id, vocab):
        bins[target].add(doc)
    ids[source].remove(doc_id)
    ids[target].append(doc_id)


def _remove_other_layout(folder: Path, contents: dict[str, bytes | Path]) -> None:
    """Remove what an earlier export into ``folder`` wrote that this one did not: the
    one-language files when this export wrote a folder per language, a language folder
    this export has no data for. Otherwise ``spacy train OUT/config.cfg`` would train on
    the old files, and importing ``OUT/`` would read both."""
    ours = (TRAIN, DEV, CONFIG, REPORT)
    for name in ours[:3]:
        if name not in contents:
            _remove(folder / name)
    for sub in folder.iterdir():
        if sub.is_symlink() or not sub.is_dir() or not (sub / REPORT).is_file():
            continue  # not a language folder of an export
        if any(name.startswith(f"{sub.name}/") for name in contents):
            continue
        for name in ours:
            _remove(sub / name)
        with contextlib.suppress(OSError):  # the folder holds other files too: keep it
            sub.rmdir()


def _remove(path: Path) -> None:
    """Remove a file, or a side of an export written as a folder of DocBins."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _write_together(folder: Path, contents: dict[str, bytes | Path]) -> None:
    """Write every file under a temporary name, then put them all in place (or none:
    the folders made for them go too when writing fails, e.g. on a full disk); a side
    in several DocBins (a staging folder, already written) is moved in place with them."""
    made = [f for f in dict.fromkeys([folder, *((folder / n).parent for n in contents)])
            if not f.exists()]  # fmt: skip
    for path in made:
        path.mkdir()
    temporary = {
        name: (folder / name).with_name(f".{Path(name).name}.partial")
        for name, data in contents.items()
        if not isinstance(data, Path)
    }
    try:
        for name, path in temporary.items():
            data = contents[name]
            assert isinstance(data, bytes)
            with path.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for name, data in contents.items():
            target = folder / name
            if target.is_dir() and not target.is_symlink():
                _remove(target)  # the pieces of an earlier export
            if isinstance(data, Path):
                if target.is_symlink() or target.is_file():
                    target.unlink()
                os.replace(data, target)
            else:
                os.replace(temporary[name], target)
    except BaseException:
        for path in temporary.values():
            path.unlink(missing_ok=True)
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
