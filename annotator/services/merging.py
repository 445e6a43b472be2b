"""Merging work packages back into their corpus (DESIGN §2, ``annotator merge``).

Merging replaces the package annotator's set on a document when the package's set
differs from the corpus's and is at least as recent by ``updated_at``. Merged sets keep
the package's ``updated_at``, so merging the same package again finds equal sets and
changes nothing; a later package of the same annotator carries later timestamps and
wins; an older one loses to the corpus and its documents are reported as kept. The
timestamps compared are mostly the annotator's own (copied into the package, then set
by their edits), so the lead's clock matters only if the lead edits that annotator's
sets in the corpus.

A package is refused whole, nothing merged, when it holds documents the corpus lacks or
whose text differs, or a set that breaks the corpus's scheme. A package made from
another corpus (the team server the corpus moved to, a corpus rebuilt or restored from
JSONL) is merged when every one of its documents has the same id and text here; the
report says so, with both corpus identities.

A package that may not be what it says is refused unless ``force`` is given, with the
list of whose sets it would replace: one that holds sets by other annotators than its
own (with ``force`` each is merged as its annotator's), or one whose description names
an annotator this corpus never issued a package to at that time (a forged or
mislabelled package). A corpus keeps that record from the first package this version
makes; until then nothing is checked, and a package made by an older version and merged
after newer ones were made needs ``force``.

A set keeps the guideline version it was annotated under, and the guideline versions
the package holds come back with it: a version the corpus lacks is added (under its own
number when that is free here, else under the next one, the sets following it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.actors import Actor, name_key
from annotator.core.errors import AnnotationError, AnnotatorError, CorpusError
from annotator.core.model import AnnotationSet, text_sha256
from annotator.core.validation import check_set
from annotator.services.packages import (
    ISSUED_KEY,
    check_package_annotator,
    listing,
    package_info,
)
from annotator.services.progress import Progress, no_progress
from annotator.store.actors import actors
from annotator.store.corpus import CORPUS_ID, Corpus
from annotator.store.packages import (
    CurrentSet,
    GuidelineVersion,
    add_guideline_versions,
    guideline_versions,
    replace_sets,
)


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
    """Sets by other annotators found in the package, by name (merged only with force)."""
    source_corpus: str | None = None
    """The package's corpus identity when it is not this corpus's."""
    corpus_identity: str | None = None
    """This corpus's identity, said with :attr:`source_corpus`."""
    guidelines_added: list[int] = field(default_factory=list)
    """Guideline versions the package brought back, by their number here."""
    also: list[PackageMerge] = field(default_factory=list)
    """With force: what merging the other annotators' sets of the package changed."""
    actors_added: list[str] = field(default_factory=list)
    """Names of the actors the package brought that the registry lacked."""
    actor_twins: list[tuple[Actor, Actor]] = field(default_factory=list)
    """(brought, already here) pairs of actors with a name in common: the lead merges
    them (the Actors view) if they are one, nothing is merged silently."""

    def warnings(self) -> list[str]:
        """Work in the package that merging left out, which the lead must hear about."""
        merged = {m.annotator for m in self.also}
        return [
            f"{self.path}: {count} annotation sets by {name!r} in {self.annotator!r}'s "
            f"package were not merged (was the package annotated under another name?)"
            for name, count in sorted(self.others.items())
            if name not in merged
        ] + [
            f"{self.path}: actor {new.name!r} ({new.id}, added by {new.created_by or '?'}) "
            f"has a name in common with {old.name!r} ({old.id}); if they are one actor, "
            "merge them in the Actors view"
            for new, old in self.actor_twins
        ]


@dataclass(slots=True)
class MergeReport:
    packages: list[PackageMerge] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(len(p.changed) for p in self.packages)


def merge_packages(
    corpus: Corpus, paths: Sequence[Path], progress: Progress = no_progress, force: bool = False
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
            report.packages.append(merge_package(corpus, Path(path), force))
    except AnnotatorError as error:
        if report.packages:  # merging again is harmless, but say what is in
            error.add_note(
                f"merged before this error: {', '.join(p.path for p in report.packages)}"
            )
        raise
    progress(len(paths), len(paths), "packages")
    return report


def merge_package(corpus: Corpus, path: Path, force: bool = False) -> PackageMerge:
    """Bring one package's work into ``corpus``; see the module docstring for the rule.

    Raises:
        CorpusError: not a package, documents missing from the corpus or with another
            text, or (without ``force``) a package that may be forged; nothing is merged.
        AnnotationError: a set to merge breaks the corpus's scheme; nothing is merged.
    """
    annotator, content = _read_package(path)
    own = corpus.setting(CORPUS_ID)
    source = content.source_corpus
    corpus.reload()  # check against the scheme as it is now
    if not force:
        _refuse_doubtful(corpus, path, annotator, content, own == source)
    everyone = {annotator: content.sets, **(content.other_sets if force else {})}
    _check_schemes(path, content, everyone, corpus)  # before anything is written
    numbers = _guideline_numbers(corpus, content.guidelines)
    # The guideline versions first, so that no merged set names a version the corpus
    # lacks; written again by a retry they are found by their text, not added twice.
    added = [v for v in content.guidelines if numbers[v.version][1]]
    add_guideline_versions(corpus, [replace(v, version=numbers[v.version][0]) for v in added])
    twins = _actor_twins(actors(corpus), content.actors)
    merged = _merge_sets(corpus, path, annotator, content, content.sets, numbers)
    if force:
        for name, sets in sorted(content.other_sets.items()):
            merged.also.append(_merge_sets(corpus, path, name, content, sets, numbers))
    merged.guidelines_added = [numbers[v.version][0] for v in added]
    registry = actors(corpus)
    brought = [a for a in content.actors if a.id in registry and a.id not in twins[1]]
    merged.actors_added = [a.name for a in brought]
    merged.actor_twins = [pair for pair in twins[0] if pair[0].id in registry]
    if own != source:
        merged.source_corpus, merged.corpus_identity = source, own or "none"
    return merged


def _check_schemes(
    path: Path,
    content: _PackageContent,
    everyone: Mapping[str, Mapping[str, AnnotationSet | None]],
    corpus: Corpus,
) -> None:
    """Refuse the package, before anything is written, when a set of it breaks the
    corpus's scheme (or its document is not in the package's texts)."""
    scheme = corpus.scheme
    for sets in everyone.values():
        for doc_id, theirs in sets.items():
            if theirs is None or doc_id not in content.texts:
                continue
            try:
                check_set(doc_id, content.texts[doc_id], theirs, scheme)
            except AnnotationError as error:
                raise AnnotationError(f"{path}: refused, nothing merged: {error}") from None


def _merge_sets(
    corpus: Corpus,
    path: Path,
    annotator: str,
    content: _PackageContent,
    sets: Mapping[str, AnnotationSet | None],
    numbers: Mapping[int, tuple[int, bool]],
) -> PackageMerge:
    """Replace ``annotator``'s sets by the package's ones that are newer (one transaction)."""

    def decide(current: Mapping[str, CurrentSet]) -> tuple[dict[str, AnnotationSet], PackageMerge]:
        _refuse_mismatches(path, content.texts, current)
        merged = PackageMerge(str(path), annotator, others=dict(content.others))
        chosen: dict[str, AnnotationSet] = {}
        for doc_id, theirs in sets.items():
            version = theirs.guideline_version if theirs is not None else None
            if theirs is not None and version is not None and version in numbers:
                # A renumbered copy: decide may run again (a locked database), and must
                # not renumber twice.
                theirs = replace(theirs, guideline_version=numbers[version][0])
            ours = current[doc_id].annotation_set
            if theirs is None or (ours is None and theirs.is_empty() and theirs.status == "todo"):
                merged.unchanged += 1  # nothing done, or a set started and emptied
            elif ours is not None and _same_work(ours, theirs):
                merged.unchanged += 1
            elif ours is not None and _instant(theirs.updated_at) < _instant(ours.updated_at):
                merged.kept.append(doc_id)
            else:  # checked against the scheme already (_check_schemes)
                chosen[doc_id] = theirs
                merged.changed.append(doc_id)
                _count_spans(merged, ours, theirs)
        return chosen, merged

    return replace_sets(corpus, annotator, list(content.texts), decide, content.actors)


def _refuse_doubtful(
    corpus: Corpus, path: Path, annotator: str, content: _PackageContent, same_corpus: bool
) -> None:
    """Refuse a package that may be forged or mislabelled (see the module docstring)."""
    issued = corpus.setting(ISSUED_KEY)
    unknown = (
        same_corpus
        and isinstance(issued, list)
        and not any(
            isinstance(item, dict)
            and item.get("annotator") == annotator
            and item.get("created_at") == content.created_at
            for item in issued
        )
    )
    if not content.other_sets and not unknown:
        return
    suspect = {annotator: content.sets} if unknown else {}
    suspect.update(content.other_sets)
    replaced = []
    for name, theirs in sorted(suspect.items()):
        docs = [d for d, aset in theirs.items() if aset is not None]
        had = [d for d in docs if _has_work(corpus, d, name)]
        shown = f": {listing(had)}" if had else ""
        replaced.append(f"{name!r} on {len(docs)} documents ({len(had)} with work here{shown})")
    why = (
        f"this corpus issued no package to {annotator!r} at {content.created_at}"
        if unknown
        else f"the package is {annotator!r}'s but holds annotation sets by "
        f"{', '.join(repr(n) for n in sorted(content.other_sets))}"
    )
    raise CorpusError(
        f"{path}: refused, nothing merged: {why}, so it may be forged or mislabelled; it "
        f"would replace the sets of {'; '.join(replaced)}. If you trust it, merge it with "
        "--force (each set is merged as its annotator's)"
    )


def _has_work(corpus: Corpus, doc_id: str, annotator: str) -> bool:
    aset = corpus.annotation_set(doc_id, annotator)
    return not aset.is_empty() or aset.status != "todo"


def _guideline_numbers(
    corpus: Corpus, theirs: Sequence[GuidelineVersion]
) -> dict[int, tuple[int, bool]]:
    """The package's guideline version -> (its number here, whether it must be added)."""
    ours = {v.version: v.text for v in guideline_versions(corpus)}
    by_text = {text: number for number, text in ours.items()}
    taken = set(ours)
    numbers: dict[int, tuple[int, bool]] = {}
    for version in theirs:
        if ours.get(version.version) == version.text:
            numbers[version.version] = (version.version, False)
        elif version.text in by_text:
            numbers[version.version] = (by_text[version.text], False)
        else:
            number = version.version if version.version not in taken else max(taken) + 1
            taken.add(number)
            by_text[version.text] = number
            numbers[version.version] = (number, True)
    return numbers


@dataclass(slots=True)
class _PackageContent:
    source_corpus: str
    created_at: str
    texts: dict[str, str] = field(default_factory=dict)
    sets: dict[str, AnnotationSet | None] = field(default_factory=dict)
    """The package annotator's set on each document (None where they have none)."""
    others: dict[str, int] = field(default_factory=dict)
    other_sets: dict[str, dict[str, AnnotationSet | None]] = field(default_factory=dict)
    """Other annotators' sets by name, then document (None where they have none)."""
    guidelines: list[GuidelineVersion] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    """The package's actor registry (the corpus's when packaged, and what was added)."""


def _actor_twins(
    registry: Mapping[str, Actor], brought: Sequence[Actor]
) -> tuple[list[tuple[Actor, Actor]], set[str]]:
    """Actors of a package new to the registry that share a name with a current actor
    here, and the ids the registry already has."""
    names: dict[str, Actor] = {}
    for actor in registry.values():
        if actor.merged_into is None:
            for name in actor.names:
                names.setdefault(name_key(name), actor)
    twins = []
    for actor in brought:
        if actor.id in registry or actor.merged_into is not None:
            continue
        twin = next((names[k] for k in map(name_key, actor.names) if k in names), None)
        if twin is not None:
            twins.append((actor, twin))
    return twins, set(registry)


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
        content = _PackageContent(info.source_corpus, info.created_at)
        content.guidelines = guideline_versions(package)
        content.actors = list(actors(package).values())
        for doc in package.documents():
            content.texts[doc.id] = doc.text
            content.sets[doc.id] = doc.annotation_set(info.annotator)
            for aset in doc.annotations:
                if aset.annotator != info.annotator:
                    content.others[aset.annotator] = content.others.get(aset.annotator, 0) + 1
                    content.other_sets.setdefault(aset.annotator, {})[doc.id] = aset
        for sets in content.other_sets.values():
            for doc_id in content.texts:
                sets.setdefault(doc_id, None)
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
        and a.actor_links == b.actor_links
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
    lines = []
    if merged.source_corpus is not None:
        count = len(merged.changed) + merged.unchanged + len(merged.kept)
        lines.append(
            f"{merged.path}: made from another corpus (package's corpus "
            f"{merged.source_corpus}, this corpus {merged.corpus_identity}); its {count} "
            "documents have the same ids and texts here"
        )
    for one in (merged, *merged.also):
        lines.append(
            f"{one.path} ({one.annotator}): {len(one.changed)} changed, "
            f"{one.unchanged} unchanged; spans: {one.spans_added} added, "
            f"{one.spans_removed} removed, {one.spans_modified} modified"
        )
        if one.kept:
            lines.append(
                f"  kept the corpus's newer sets on {len(one.kept)} documents: {listing(one.kept)}"
            )
    if merged.guidelines_added:
        numbers = ", ".join(str(n) for n in merged.guidelines_added)
        lines.append(f"  guideline versions brought back: {numbers}")
    if merged.actors_added:
        lines.append(f"  actors added to the registry: {', '.join(merged.actors_added)}")
    return lines
