"""Merging work packages back into their corpus (DESIGN §2, ``annotator merge``).

Merging replaces the package annotator's set on a document when the package's set
differs from the corpus's and is at least as recent by ``updated_at``. Merged sets keep
the package's ``updated_at``, so merging the same package again finds equal sets and
changes nothing; a later package of the same annotator carries later timestamps and
wins; an older one loses to the corpus and its documents are reported as kept. The
timestamps compared are mostly the annotator's own (copied into the package, then set
by their edits), so the lead's clock matters only if the lead edits that annotator's
sets in the corpus. A package is refused whole, nothing merged, when it comes from
another corpus, holds documents the corpus lacks or whose text differs, or holds a set
that breaks the corpus's scheme. A set keeps the guideline version it was annotated
under.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.errors import AnnotationError, AnnotatorError, CorpusError
from annotator.core.model import AnnotationSet, text_sha256
from annotator.core.validation import check_set
from annotator.services.packages import check_package_annotator, listing, package_info
from annotator.services.progress import Progress, no_progress
from annotator.store.corpus import CORPUS_ID, Corpus
from annotator.store.packages import CurrentSet, replace_sets


@dataclass(slots=True)
class PackageMerge:
    """What merging one package changed in the corpus."""

    path: str
    annotator: str
    changed: list[str] = field(default_factory=list)
    """Documents whose set was replaced by the package's."""
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)
    """Documents where the corpus's set differs and is newer; the corpus's was kept."""
    spans_added: int = 0
    spans_removed: int = 0
    spans_modified: int = 0
    others: dict[str, int] = field(default_factory=dict)
    """Sets by other annotators found in the package, by name (never merged)."""

    def warnings(self) -> list[str]:
        """Work in the package that merging left out, which the lead must hear about."""
        return [
            f"{self.path}: {count} annotation sets by {name!r} in {self.annotator!r}'s "
            f"package were not merged (was the package annotated under another name?)"
            for name, count in sorted(self.others.items())
        ]


@dataclass(slots=True)
class MergeReport:
    packages: list[PackageMerge] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(len(p.changed) for p in self.packages)


def merge_packages(
    corpus: Corpus, paths: Sequence[Path], progress: Progress = no_progress
) -> MergeReport:
    """Merge packages one after the other, each whole or not at all (one transaction).

    Raises:
        AnnotatorError: at the first package refused (naming it and the documents
            concerned); those before it are merged, it and those after are not.
    """
    report = MergeReport()
    try:
        for number, path in enumerate(paths):
            progress(number, len(paths), "packages")
            report.packages.append(merge_package(corpus, Path(path)))
    except AnnotatorError as error:
        if report.packages:  # merging again is harmless, but say what is in
            error.add_note(
                f"merged before this error: {', '.join(p.path for p in report.packages)}"
            )
        raise
    progress(len(paths), len(paths), "packages")
    return report


def merge_package(corpus: Corpus, path: Path) -> PackageMerge:
    """Bring one package's work into ``corpus``; see the module docstring for the rule.

    Raises:
        CorpusError: not a package, a package of another corpus, documents missing from
            the corpus or with another text; nothing is merged.
        AnnotationError: a set to merge breaks the corpus's scheme; nothing is merged.
    """
    annotator, content = _read_package(path)
    own = corpus.setting(CORPUS_ID)
    source = content.source_corpus
    if own != source:
        raise CorpusError(
            f"{path}: this package was made from another corpus (source {source}, this "
            f"corpus {own or 'without an identity'}); merge it into the corpus it was "
            "packaged from"
        )
    corpus.reload()  # check against the scheme as it is now
    scheme = corpus.scheme

    def decide(current: Mapping[str, CurrentSet]) -> tuple[dict[str, AnnotationSet], PackageMerge]:
        _refuse_mismatches(path, content.texts, current)
        merged = PackageMerge(str(path), annotator, others=dict(content.others))
        chosen: dict[str, AnnotationSet] = {}
        for doc_id, theirs in content.sets.items():
            ours = current[doc_id].annotation_set
            if theirs is None or (ours is None and theirs.is_empty() and theirs.status == "todo"):
                merged.unchanged += 1  # nothing done, or a set started and emptied
            elif ours is not None and _same_work(ours, theirs):
                merged.unchanged += 1
            elif ours is not None and _instant(theirs.updated_at) < _instant(ours.updated_at):
                merged.kept.append(doc_id)
            else:
                try:
                    check_set(doc_id, content.texts[doc_id], theirs, scheme)
                except AnnotationError as error:
                    raise AnnotationError(f"{path}: refused, nothing merged: {error}") from None
                chosen[doc_id] = theirs
                merged.changed.append(doc_id)
                _count_spans(merged, ours, theirs)
        return chosen, merged

    return replace_sets(corpus, annotator, list(content.texts), decide)


@dataclass(slots=True)
class _PackageContent:
    source_corpus: str
    texts: dict[str, str] = field(default_factory=dict)
    sets: dict[str, AnnotationSet | None] = field(default_factory=dict)
    """The package annotator's set on each document (None where they have none)."""
    others: dict[str, int] = field(default_factory=dict)


def _read_package(path: Path) -> tuple[str, _PackageContent]:
    """The package's annotator and content; refuses a file that is not a package."""
    with Corpus.open(path) as package:
        info = package_info(package)
        if info is None:
            raise CorpusError(
                f"{path}: not a work package (it has no package description); "
                "to bring in a corpus's documents use 'annotator import'"
            )
        check_package_annotator(info.annotator)
        content = _PackageContent(info.source_corpus)
        for doc in package.documents():
            content.texts[doc.id] = doc.text
            content.sets[doc.id] = doc.annotation_set(info.annotator)
            for aset in doc.annotations:
                if aset.annotator != info.annotator:
                    content.others[aset.annotator] = content.others.get(aset.annotator, 0) + 1
    return info.annotator, content


def _refuse_mismatches(
    path: Path, texts: Mapping[str, str], current: Mapping[str, CurrentSet]
) -> None:
    """Refuse a package whose documents the corpus lacks or holds with another text."""
    missing = [d for d in texts if d not in current]
    if missing:
        raise CorpusError(
            f"{path}: refused, nothing merged: {len(missing)} documents of the package "
            f"are not in the corpus: {listing(missing)}"
        )
    differ = [d for d, text in texts.items() if text_sha256(text) != current[d].text_sha256]
    if differ:
        raise CorpusError(
            f"{path}: refused, nothing merged: the text of {len(differ)} documents "
            f"differs from the corpus's: {listing(differ)}; the package was made from "
            "another version of these documents"
        )


def _same_work(a: AnnotationSet, b: AnnotationSet) -> bool:
    """Equal content, whatever the order of spans and relations."""
    return (
        a.status == b.status
        and a.guideline_version == b.guideline_version
        and {s.id: s for s in a.spans} == {s.id: s for s in b.spans}
        and set(a.relations) == set(b.relations)
        and a.doc_labels == b.doc_labels
    )


def _instant(stamp: str | None) -> datetime:
    """A set's timestamp as an aware datetime (the oldest possible when unreadable)."""
    try:
        moment = datetime.fromisoformat(stamp or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _count_spans(merged: PackageMerge, ours: AnnotationSet | None, theirs: AnnotationSet) -> None:
    before = {s.id: s for s in ours.spans} if ours else {}
    after = {s.id: s for s in theirs.spans}
    merged.spans_added += sum(1 for i in after if i not in before)
    merged.spans_removed += sum(1 for i in before if i not in after)
    merged.spans_modified += sum(1 for i, s in after.items() if i in before and before[i] != s)


def describe_merge(merged: PackageMerge) -> list[str]:
    """The lines a lead reads after merging one package."""
    lines = [
        f"{merged.path} ({merged.annotator}): {len(merged.changed)} changed, "
        f"{merged.unchanged} unchanged; spans: {merged.spans_added} added, "
        f"{merged.spans_removed} removed, {merged.spans_modified} modified"
    ]
    if merged.kept:
        lines.append(
            f"  kept the corpus's newer sets on {len(merged.kept)} documents: "
            f"{listing(merged.kept)}"
        )
    return lines
