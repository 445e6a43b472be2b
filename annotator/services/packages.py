"""Work packages (DESIGN §2, team on laptops): handing documents to annotators.

A package is an ordinary corpus file (``Corpus.open`` and the app open it like any
other) holding the assigned documents, the scheme, every version of the guidelines
under its own number, and only its annotator's own annotation sets: no other
annotator's work and no gold, so it is blind by construction. A document the annotator
has not started has no set in the package. The settings key ``package`` says what the
file is::

    {"annotator": "alice", "source_corpus": "<the source corpus's corpus_id>",
     "created_at": "2025-01-31T09:00:00.000+00:00", "documents": ["doc-1", ...]}

``source_corpus`` is the random identity the source corpus keeps in its settings (never
a path, so that moving or renaming the corpus does not orphan its packages). The source
corpus lists the packages it made under the settings key ``packages_issued``.

Merging them back is :mod:`annotator.services.merging`.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sqlite3
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError, CorpusError, StorageError
from annotator.core.model import GOLD, Document
from annotator.core.validation import check_annotator_name
from annotator.formats.atomic import output_error
from annotator.services.corpora import CORPUS_SUFFIX
from annotator.services.progress import Progress, no_progress
from annotator.store.actors import copy_registry
from annotator.store.corpus import Corpus, now
from annotator.store.packages import add_guideline_versions, corpus_id, guideline_versions

PACKAGE_KEY = "package"
"""The settings key that marks a corpus file as a work package."""
ISSUED_KEY = "packages_issued"
"""The settings key where a corpus lists the packages it made, ``[{"annotator",
"created_at"}]``, so that merging can tell a package it issued from a forged one."""

#: Documents named in an error message before "and N more".
LISTED = 20
#: Documents copied into a package per transaction.
BATCH = 500
#: Characters kept out of package file names (an annotator's name may hold any other).
_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What the ``package`` setting of a package says about it."""

    annotator: str
    source_corpus: str
    created_at: str
    documents: tuple[str, ...]

    def to_setting(self) -> dict[str, Any]:
        return {
            "annotator": self.annotator,
            "source_corpus": self.source_corpus,
            "created_at": self.created_at,
            "documents": list(self.documents),
        }


def package_info(corpus: Corpus) -> PackageInfo | None:
    """The package description of ``corpus``, or None when it is not a package.

    The window uses it to annotate a package under its annotator's name.
    """
    raw = corpus.setting(PACKAGE_KEY)
    if raw is None:
        return None
    try:
        docs = raw["documents"]
        info = PackageInfo(raw["annotator"], raw["source_corpus"], raw["created_at"], tuple(docs))
        fields = (info.annotator, info.source_corpus, info.created_at, *info.documents)
        if not all(isinstance(value, str) for value in fields):
            raise TypeError
    except (KeyError, TypeError):
        raise CorpusError(
            f"{corpus.shown}: the package description is damaged; ask the lead for a new package"
        ) from None
    return info


# -- choosing documents ------------------------------------------------------------------


def _rank(seed: int, doc_id: str) -> str:
    """A seeded order of documents that does not depend on the corpus order or size."""
    return hashlib.sha256(f"{seed}\x00{doc_id}".encode("utf-8", "surrogatepass")).hexdigest()


def choose_documents(
    corpus: Corpus,
    docs: Sequence[str] | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> list[str]:
    """The documents of a package, in corpus order: those named, a sample, or all.

    ``docs`` values are ids; a value that is not an id is read as comma-separated ids.
    The sample takes the ``sample`` documents ranked first by a hash of seed and id, so
    the same seed gives the same sample, and adding documents keeps most of it.

    Raises:
        AnnotatorError: both or neither usable, unknown ids (all listed), a bad size.
    """
    if docs is not None and sample is not None:
        raise AnnotatorError("give either --docs or --sample, not both")
    all_ids = corpus.document_ids()
    if not all_ids:
        raise CorpusError(f"{corpus.shown}: the corpus has no documents; import some first")
    if docs is not None:
        known = set(all_ids)
        wanted = [
            part.strip()
            for value in docs
            for part in ([value] if value in known else value.split(","))
            if part.strip()
        ]
        unknown = list(dict.fromkeys(d for d in wanted if d not in known))
        if unknown:
            raise CorpusError(
                f"{corpus.shown}: no document with id {listing(unknown)}; "
                "'annotator export CORPUS FILE' lists the documents"
            )
        if not wanted:
            raise AnnotatorError("--docs names no document")
        chosen = set(wanted)
        return [d for d in all_ids if d in chosen]
    if sample is not None:
        if not 1 <= sample <= len(all_ids):
            raise AnnotatorError(
                f"--sample {sample}: choose between 1 and {len(all_ids)} (the corpus has "
                f"{len(all_ids)} documents)"
            )
        picked = set(sorted(all_ids, key=lambda d: _rank(seed, d))[:sample])
        return [d for d in all_ids if d in picked]
    return all_ids


def listing(items: Sequence[str]) -> str:
    """Ids for an error message: the first :data:`LISTED`, then how many more."""
    shown = ", ".join(repr(item) for item in items[:LISTED])
    more = len(items) - LISTED
    return f"{shown} and {more} more" if more > 0 else shown


# -- writing a package -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """What one package holds."""

    path: Path
    annotator: str
    documents: int
    started: int
    """Documents on which the annotator already had an annotation set."""
    guideline_version: int | None


def check_package_annotator(annotator: str) -> None:
    """A package belongs to one annotator by a usable name, never to the gold layer."""
    check_annotator_name(annotator)
    if annotator == GOLD:
        raise AnnotatorError(
            f"{GOLD!r} is the adjudicated layer, written by adjudication; packages are for "
            "annotators' own work"
        )


def make_package(
    corpus: Corpus,
    annotator: str,
    out: Path,
    doc_ids: Sequence[str],
    progress: Progress = no_progress,
) -> PackageSummary:
    """Write ``annotator``'s package of ``doc_ids`` to ``out``, which must not exist.

    The package is built under a temporary name beside ``out`` and renamed when
    complete, so ``out`` never holds half a package.
    """
    check_package_annotator(annotator)
    out = Path(out)
    if out.exists():
        raise CorpusError(f"{out}: a file already exists there; choose another name")
    doc_ids = list(dict.fromkeys(doc_ids))
    if not doc_ids:
        raise AnnotatorError(f"no documents to put in {annotator!r}'s package")
    known = corpus.text_hashes(doc_ids)
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        raise CorpusError(f"{corpus.shown}: no document with id {listing(unknown)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = corpus_id(corpus)
    partial = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with Corpus.create(partial, corpus.scheme) as package:
            versions = guideline_versions(corpus)
            add_guideline_versions(package, versions)
            copy_registry(corpus, package)
            started = _copy_documents(corpus, package, annotator, doc_ids, progress)
            info = PackageInfo(annotator, source, now(), tuple(doc_ids))
            package.set_setting(PACKAGE_KEY, info.to_setting())
        _record_issued(corpus, info)
        _publish(partial, out)
    except StorageError as error:  # a full disk, a read-only folder: name the package
        _remove_database(partial)
        raise type(error)(str(error).replace(str(partial), str(out))) from None
    except OSError as error:
        _remove_database(partial)
        raise output_error(out, error) from None
    except BaseException:
        _remove_database(partial)
        raise
    latest = versions[-1].version if versions else None
    return PackageSummary(out, annotator, len(doc_ids), started, latest)


def _record_issued(corpus: Corpus, info: PackageInfo) -> None:
    """Add the package to the corpus's list of packages issued (before it is handed out)."""
    issued = corpus.setting(ISSUED_KEY)
    entries = list(issued) if isinstance(issued, list) else []
    entries.append({"annotator": info.annotator, "created_at": info.created_at})
    corpus.set_setting(ISSUED_KEY, entries)


def _copy_documents(
    corpus: Corpus, package: Corpus, annotator: str, doc_ids: Sequence[str], progress: Progress
) -> int:
    """Copy the documents with ``annotator``'s sets only; return how many had a set."""
    started = 0
    batch: list[Document] = []
    done = 0
    for doc in corpus.documents(doc_ids, annotators=[annotator]):
        started += bool(doc.annotations)
        batch.append(doc)
        if len(batch) == BATCH:
            package.add_documents(batch)
            done += len(batch)
            progress(done, len(doc_ids), "documents")
            batch = []
    package.add_documents(batch)
    progress(len(doc_ids), len(doc_ids), "documents")
    return started


def _publish(partial: Path, out: Path) -> None:
    """Give the finished package its name, refusing to replace a file that appeared."""
    # One self-contained file to hand over: leaving WAL mode checkpoints the WAL into the
    # file and removes it (the app turns WAL back on when it opens the package).
    with closing(sqlite3.connect(partial)) as raw:
        raw.execute("PRAGMA journal_mode = DELETE")
    try:
        os.link(partial, out)  # fails if ``out`` exists, unlike a rename on POSIX
    except FileExistsError:
        raise CorpusError(f"{out}: a file already exists there; choose another name") from None
    except OSError:  # a file system without hard links
        if out.exists():
            raise CorpusError(f"{out}: a file already exists there; choose another name") from None
        partial.replace(out)
        return
    partial.unlink()


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        file = Path(f"{path}{suffix}")
        if file.exists():  # not unlink(missing_ok): a read-only folder says EROFS, not ENOENT
            file.unlink()


# -- assigning documents to several annotators ------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    """Which documents each annotator gets (in corpus order).

    ``shared`` documents go to several annotators (``shared_by`` each), for agreement;
    the others to one. Every document is assigned (but copies left out with
    ``one_per_cluster``) and loads differ by one at most, a group of near-copies counting
    as its documents (a group is not split, so loads may differ by more).
    """

    annotators: tuple[str, ...]
    documents: Mapping[str, tuple[str, ...]]
    shared: frozenset[str]
    shared_by: int
    total: int
    clusters: int = 0
    """Groups of near-copies, each given whole to the same annotators (or one copy of it)."""
    left_copies: int = 0
    """Near-copies given to nobody (``one_per_cluster``)."""

    @property
    def overlap(self) -> float:
        """The share of documents annotated by two or more annotators."""
        return len(self.shared) / self.total if self.total else 0.0


def plan_assignment(
    doc_ids: Sequence[str],
    annotators: Sequence[str],
    overlap: float,
    seed: int = 0,
    shared_by: int | None = None,
    clusters: Sequence[Sequence[str]] = (),
    one_per_cluster: bool = False,
) -> Assignment:
    """Distribute ``doc_ids`` over ``annotators``, the same way for the same seed.

    ``clusters``: groups of near-copies (wire copies), each in corpus order. All the
    documents of a group go to the same annotators, shared or not as one; with
    ``one_per_cluster`` only a group's first document is assigned (the copies go to
    nobody, ``Assignment.left_copies`` counts them). The overlap counts groups as one.

    ``round(overlap × documents)`` documents, chosen by a seeded hash of their ids, go
    to ``shared_by`` annotators each (default: all of them, so that every metric of
    DESIGN §8, Fleiss' κ included, has items); the rest to one. Each document goes to
    the least loaded annotators; among equally loaded ones, a shared document prefers
    those who have shared the fewest documents with the others already chosen (so pairs
    are spread evenly), then a seeded rotation.
    """
    names = list(annotators)
    for name in names:
        check_package_annotator(name)
    twice = sorted({n for n in names if names.count(n) > 1})
    if not names or twice:
        raise AnnotatorError(
            f"name each annotator once (repeated: {', '.join(twice)})"
            if twice
            else "name at least one annotator"
        )
    if not doc_ids:
        raise AnnotatorError("there are no documents to assign")
    if not 0.0 <= overlap <= 1.0:
        raise AnnotatorError(f"--overlap {overlap}: give a fraction between 0 and 1")
    present = set(doc_ids)
    members: dict[str, tuple[str, ...]] = {}  # a group's first document -> the group
    for group in clusters:
        kept = tuple(d for d in group if d in present)
        if len(kept) > 1:
            members[kept[0]] = kept
    behind = {d for group in members.values() for d in group[1:]}
    left_copies = len(behind) if one_per_cluster else 0
    groups = len(members)
    if one_per_cluster:
        members = {}
    units = [d for d in doc_ids if d not in behind]
    copies = len(names) if shared_by is None else shared_by
    n_shared = math.floor(overlap * len(units) + 0.5)
    if n_shared and not 2 <= copies <= len(names):
        raise AnnotatorError(
            f"shared documents need between 2 and {len(names)} annotators each "
            f"(got {copies}); an overlap needs at least two annotators"
        )
    ranked = sorted(units, key=lambda d: _rank(seed, d))
    order = sorted(names, key=lambda name: _rank(seed, "annotator\x00" + name))
    given = _distribute(ranked, order, n_shared, copies, members)
    idle = [name for name in names if not given[name]]
    if idle:
        raise AnnotatorError(
            f"{len(units)} documents for {len(names)} annotators: {', '.join(idle)} would "
            "get none; raise --overlap or name fewer annotators"
        )
    shared = frozenset(d for unit in ranked[:n_shared] for d in members.get(unit, (unit,)))
    return Assignment(
        tuple(names),
        {name: tuple(d for d in doc_ids if d in given[name]) for name in names},
        shared,
        copies if n_shared else 1,
        len(doc_ids) - left_copies,
        groups,
        left_copies,
    )


def _distribute(
    ranked: Sequence[str],
    order: Sequence[str],
    n_shared: int,
    copies: int,
    members: Mapping[str, Sequence[str]],
) -> dict[str, set[str]]:
    """The documents of each annotator: the first ``n_shared`` to ``copies`` each; a
    document standing for a group of near-copies (``members``) brings the whole group,
    and loads are counted in documents."""
    given: dict[str, set[str]] = {name: set() for name in order}
    together: Counter[tuple[str, str]] = Counter()
    for step, doc in enumerate(ranked):
        turn = {name: (i - step) % len(order) for i, name in enumerate(order)}
        group: list[str] = []
        for _ in range(copies if step < n_shared else 1):
            group.append(
                min(
                    (n for n in order if n not in group),
                    key=lambda n: (len(given[n]), sum(together[n, m] for m in group), turn[n]),
                )
            )
        for name in group:
            given[name].update(members.get(doc, (doc,)))
            together.update((name, other) for other in group if other != name)
    return given


def package_name(corpus: Corpus, annotator: str) -> str:
    """A file name for ``annotator``'s package: the corpus's name and theirs."""
    stem = corpus.path.stem if corpus.path else "package"
    return f"{stem}-{_UNSAFE.sub('_', annotator)}{CORPUS_SUFFIX}"


def write_assignment(
    corpus: Corpus, plan: Assignment, folder: Path, progress: Progress = no_progress
) -> list[PackageSummary]:
    """Write one package per annotator of ``plan`` into ``folder``: all or none."""
    targets = {name: Path(folder) / package_name(corpus, name) for name in plan.annotators}
    if len(set(targets.values())) < len(targets):
        raise AnnotatorError(
            "two annotator names give the same package file name; make them differ by more "
            "than punctuation"
        )
    present = [str(path) for path in targets.values() if path.exists()]
    if present:
        raise CorpusError(f"packages already exist: {', '.join(present)}; choose another folder")
    written: list[PackageSummary] = []
    try:
        for name in plan.annotators:
            written.append(make_package(corpus, name, targets[name], plan.documents[name]))
            progress(len(written), len(plan.annotators), "packages")
    except BaseException:
        for summary in written:
            summary.path.unlink(missing_ok=True)
        raise
    return written
