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
whose text differs, or a set to merge that breaks the corpus's scheme (a set equal to
the corpus's, or older, is not merged and not checked). The whole package, guideline
versions, actors and (with ``force``) every annotator's sets, is merged in one
transaction, read and compared a thousand documents at a time. A replaced set is
written as its differences from the corpus's: spans kept keep their row, changed ones
are changed in place, added ones come after them. A package made from
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

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.actors import Actor, name_key
from annotator.core.errors import AnnotationError, AnnotatorError, CorpusError
from annotator.core.scheme import Scheme
from annotator.core.validation import check_set
from annotator.services.packages import (
    ISSUED_KEY,
    PackageInfo,
    check_package_annotator,
    listing,
    package_info,
)
from annotator.services.progress import Progress, no_progress
from annotator.store.actors import actors
from annotator.store.corpus import CORPUS_ID, Corpus
from annotator.store.packages import (
    GuidelineVersion,
    Incoming,
    compare_documents,
    guideline_versions,
    merge_sets,
    set_holders,
)
from annotator.store.set_rows import SetRows, SpanRow


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

    The package is read a thousand documents at a time inside the merge's transaction
    (memory bounded by that, not by the package), its sets compared with the corpus's
    as rows; only the sets to write are made objects, to be checked against the scheme.

    Raises:
        CorpusError: not a package, documents missing from the corpus or with another
            text, or (without ``force``) a package that may be forged; nothing is merged.
        AnnotationError: a set to merge breaks the corpus's scheme; nothing is merged.
    """
    with _open_package(path) as (package, info):
        annotator = info.annotator
        holders = set_holders(package)
        others = {name: docs for name, docs in holders.items() if name != annotator}
        own = corpus.setting(CORPUS_ID)
        corpus.reload()  # check against the scheme as it is now
        if not force:
            same = own == info.source_corpus
            _refuse_doubtful(corpus, path, annotator, info.created_at, holders, same)
        _refuse_mismatches(path, *compare_documents(corpus, package))
        guidelines = guideline_versions(package)
        numbers = _guideline_numbers(corpus, guidelines)
        added = [v for v in guidelines if numbers[v.version][1]]
        brought_actors = list(actors(package).values())
        twins = _actor_twins(actors(corpus), brought_actors)
        names = [annotator, *(sorted(others) if force else ())]
        counts = {name: len(docs) for name, docs in others.items()}
        scheme = corpus.scheme

        def choose(name: str, documents: Sequence[Incoming]) -> tuple[list[Chosen], PackageMerge]:
            return _choose(path, name, documents, numbers, scheme, counts)

        steps = merge_sets(
            corpus,
            package,
            names,
            choose,
            brought_actors,
            [replace(v, version=numbers[v.version][0]) for v in added],
        )
    merged = _combined(path, annotator, counts, steps[annotator])
    merged.also = [_combined(path, name, counts, steps[name]) for name in names[1:]]
    merged.guidelines_added = [numbers[v.version][0] for v in added]
    registry = actors(corpus)
    brought = [a for a in brought_actors if a.id in registry and a.id not in twins[1]]
    merged.actors_added = [a.name for a in brought]
    merged.actor_twins = [pair for pair in twins[0] if pair[0].id in registry]
    if own != info.source_corpus:
        merged.source_corpus, merged.corpus_identity = info.source_corpus, own or "none"
    return merged


Chosen = tuple[Incoming, SetRows]


def _choose(
    path: Path,
    annotator: str,
    documents: Sequence[Incoming],
    numbers: Mapping[int, tuple[int, bool]],
    scheme: Scheme,
    others: Mapping[str, int],
) -> tuple[list[Chosen], PackageMerge]:
    """Which of one step's package sets of ``annotator`` replace the corpus's (see the
    module docstring), and what that changes; a set to write is checked against the
    scheme first, and refuses the whole package if it breaks it."""
    missing = [doc.doc_id for doc in documents if doc.current_sha256 is None]
    differ = [d.doc_id for d in documents if d.current_sha256 not in (None, d.text_sha256)]
    _refuse_mismatches(path, missing, differ)  # the corpus changed since it was compared
    merged = PackageMerge(str(path), annotator, others=dict(others))
    chosen: list[Chosen] = []
    for doc in documents:
        theirs, ours = doc.theirs, doc.ours
        version = theirs.guideline_version if theirs is not None else None
        if theirs is not None and version is not None and version in numbers:
            # A renumbered copy: a merge may run again (a locked database), and must
            # not renumber twice.
            theirs = replace(theirs, guideline_version=numbers[version][0])
        if theirs is None or (ours is None and theirs.is_empty() and theirs.status == "todo"):
            merged.unchanged += 1  # nothing done, or a set started and emptied
        elif doc.same or (ours is not None and _same_work(ours, theirs)):
            merged.unchanged += 1
        elif ours is not None and _instant(theirs.updated_at) < _instant(ours.updated_at):
            merged.kept.append(doc.doc_id)
        else:
            try:
                check_set(doc.doc_id, doc.text, theirs.as_set(), scheme)
            except AnnotationError as error:
                raise AnnotationError(f"{path}: refused, nothing merged: {error}") from None
            chosen.append((doc, theirs))
            merged.changed.append(doc.doc_id)
            added, removed, modified = _span_changes(ours, theirs)
            merged.spans_added += added
            merged.spans_removed += removed
            merged.spans_modified += modified
    return chosen, merged


def _combined(
    path: Path, annotator: str, others: Mapping[str, int], steps: Sequence[PackageMerge]
) -> PackageMerge:
    """One annotator's merge, from its steps."""
    merged = PackageMerge(str(path), annotator, others=dict(others))
    for step in steps:
        merged.changed += step.changed
        merged.unchanged += step.unchanged
        merged.kept += step.kept
        merged.spans_added += step.spans_added
        merged.spans_removed += step.spans_removed
        merged.spans_modified += step.spans_modified
    return merged


@contextmanager
def _open_package(path: Path) -> Iterator[tuple[Corpus, PackageInfo]]:
    """The package and its description; refuses a file that is not a package."""
    with Corpus.open(path) as package:
        info = package_info(package)
        if info is None:
            raise CorpusError(
                f"{path}: not a work package (it has no package description); "
                "to bring in a corpus's documents use 'annotator import'"
            )
        check_package_annotator(info.annotator)
        yield package, info


def _refuse_doubtful(
    corpus: Corpus,
    path: Path,
    annotator: str,
    created_at: str,
    holders: Mapping[str, Sequence[str]],
    same_corpus: bool,
) -> None:
    """Refuse a package that may be forged or mislabelled (see the module docstring);
    ``holders``: each annotator's documents with a set in the package."""
    issued = corpus.setting(ISSUED_KEY)
    unknown = (
        same_corpus
        and isinstance(issued, list)
        and not any(
            isinstance(item, dict)
            and item.get("annotator") == annotator
            and item.get("created_at") == created_at
            for item in issued
        )
    )
    others = {name: docs for name, docs in holders.items() if name != annotator}
    if not others and not unknown:
        return
    suspect = dict(others)
    if unknown:
        suspect[annotator] = holders.get(annotator, [])
    replaced = []
    for name, docs in sorted(suspect.items()):
        had = [d for d in docs if _has_work(corpus, d, name)]
        shown = f": {listing(had)}" if had else ""
        replaced.append(f"{name!r} on {len(docs)} documents ({len(had)} with work here{shown})")
    why = (
        f"this corpus issued no package to {annotator!r} at {created_at}"
        if unknown
        else f"the package is {annotator!r}'s but holds annotation sets by "
        f"{', '.join(repr(n) for n in sorted(others))}"
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


def _refuse_mismatches(path: Path, missing: Sequence[str], differ: Sequence[str]) -> None:
    """Refuse a package whose documents the corpus lacks or holds with another text."""
    if missing:
        raise CorpusError(
            f"{path}: refused, nothing merged: {len(missing)} documents of the package "
            f"are not in the corpus: {listing(missing)}"
        )
    if differ:
        raise CorpusError(
            f"{path}: refused, nothing merged: the text of {len(differ)} documents "
            f"differs from the corpus's: {listing(differ)}; the package was made from "
            "another version of these documents"
        )


def _same_work(a: SetRows, b: SetRows) -> bool:
    """Equal content, whatever the order of spans and relations (as core objects would
    compare: attributes and fragments by value, not by their JSON text)."""
    return (
        a.status == b.status
        and a.guideline_version == b.guideline_version
        and {r[1:] for r in a.relations} == {r[1:] for r in b.relations}
        and a.as_answers() == b.as_answers()
        and {r[1]: r[2] for r in a.links} == {r[1]: r[2] for r in b.links}
        and _span_changes(a, b) == (0, 0, 0)
    )


def _span_changes(ours: SetRows | None, theirs: SetRows) -> tuple[int, int, int]:
    """How many spans (by id) ``theirs`` adds to ``ours``, removes and modifies."""
    before = {row[1]: row for row in ours.spans} if ours else {}
    after = {row[1]: row for row in theirs.spans}
    added = sum(1 for span_id in after if span_id not in before)
    removed = sum(1 for span_id in before if span_id not in after)
    modified = sum(
        1
        for span_id, row in after.items()
        if span_id in before and not _same_span(before[span_id], row)
    )
    return added, removed, modified


def _same_span(a: SpanRow, b: SpanRow) -> bool:
    """Whether two stored spans are the same span (their texts, else their values)."""
    return a[1:] == b[1:] or _span_value(a) == _span_value(b)


def _span_value(row: SpanRow) -> tuple[object, ...]:
    _set, span_id, layer, start, end, label, attrs, origin, state, pieces = row
    fragments = None if pieces is None else [list(piece) for piece in json.loads(pieces)]
    return (span_id, layer, start, end, label, json.loads(attrs), origin, state, fragments)


def _instant(stamp: str | None) -> datetime:
    """A set's timestamp as an aware datetime (the oldest possible when unreadable)."""
    try:
        moment = datetime.fromisoformat(stamp or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
