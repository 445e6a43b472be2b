"""Wire copies: near-duplicate documents found by MinHash over word shingles.

One agency story is reprinted by many outlets, lightly edited (a new headline, a cut
paragraph, a byline). Such copies should be annotated once and never split across
train and dev. Each document's text is cut into shingles of ``shingle`` words
(lower-cased ``\\w+`` words), the shingles are hashed to 32 bits, and a MinHash
signature of ``num_perm`` values (datasketch, scheme ``affine32``) is stored per
document. Locality-sensitive hashing (the signature cut in bands, with the number of
bands and rows datasketch chooses for a threshold a little below the corpus's, so that
borderline pairs are not lost) proposes candidate pairs; those whose MinHash estimate is
far below the threshold are dropped, and each other one is checked on the exact Jaccard
similarity of the two shingle sets, so the similarity said is the real one, not an
estimate.

Comparing is incremental: an import compares only the documents that have no signature
yet, with those that have one and with each other. A cluster is a connected group of
pairs at or above the corpus's threshold, named after its first document in corpus
order. What is stored is what connects a cluster: a candidate already in the same
cluster as the new document is not checked again, so a story reprinted 5,000 times
costs 5,000 pairs, not 12 million, and an LSH bucket keeps at most ``BUCKET`` documents
(in a bigger one, the first ``BUCKET`` stand for the cluster they belong to). A
cluster's similarities (lowest, highest) are those of the pairs that join it.

Why datasketch: it chooses the bands and rows that minimise false positives and
negatives for a threshold (an integral we would otherwise write and test ourselves),
and its MinHash permutations are vectorised with NumPy. The bands themselves are a dict
per band here, so that buckets are bounded and stored signatures load without one
Python object per document.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, func, inspect, select

from annotator.core.errors import CorpusError
from annotator.services.progress import Progress, no_progress
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading, writing
from annotator.store.rows import _put_setting

SETTING = "near_copies"
"""The corpus setting: ``{"threshold": 0.8}`` (Jaccard on ``SHINGLE``-word shingles)."""
DEFAULT_THRESHOLD = 0.8
SHINGLE = 5
NUM_PERM = 128
LSH_MARGIN = 0.2
"""The LSH bands are chosen for ``threshold - LSH_MARGIN``: candidates are checked exactly."""
BUCKET = 64
"""The most documents one LSH bucket keeps (the others are found through them)."""
ESTIMATE_MARGIN = 0.2
"""A candidate whose MinHash estimate of the Jaccard is this far below the threshold is
not checked on its texts: with 128 permutations the estimate's standard deviation at a
Jaccard of 0.8 is 0.035, so a pair at the threshold falls this low (5.7 deviations)
less than once in ten million."""
_VERIFY_EVERY = 50_000
"""Candidate pairs are checked (texts read) by this many at most, so memory stays bounded."""
_WORD = re.compile(r"\w+")
_BATCH = 500
_MULTIPLIER = np.uint64(1_000_003)
_LOW = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


# -- settings ---------------------------------------------------------------------------------


def threshold(corpus: Corpus) -> float:
    """The corpus's similarity threshold (corpus setting ``near_copies.threshold``)."""
    raw = corpus.setting(SETTING) or {}
    value = raw.get("threshold", DEFAULT_THRESHOLD) if isinstance(raw, dict) else None
    if not isinstance(value, int | float) or not 0 < value <= 1:
        raise CorpusError(
            f"{corpus.shown}: the setting {SETTING}.threshold is {value!r}; "
            "set a number between 0 and 1 with `annotator duplicates CORPUS --threshold 0.8`"
        )
    return float(value)


def check_threshold(value: float) -> float:
    if not 0 < value <= 1:
        raise CorpusError(f"--threshold {value}: give a Jaccard similarity above 0, at most 1")
    return value


# -- shingles and signatures ------------------------------------------------------------------


def shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """The sorted distinct 32-bit hashes of ``text``'s shingles of ``size`` words.

    A text of fewer words than ``size`` is one shingle of all its words; a text with no
    word has none (it is never a copy of anything).
    """
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    hashed = np.fromiter(
        (zlib.crc32(word.encode("utf-8")) for word in words), dtype=np.uint64, count=len(words)
    )
    width = min(size, len(words))
    count = len(words) - width + 1
    rolled = np.zeros(count, dtype=np.uint64)
    for k in range(width):  # a polynomial hash of the words in order (wrapping at 2**64)
        rolled = rolled * _MULTIPLIER + hashed[k : k + count]
    folded = ((rolled >> _SHIFT) ^ (rolled & _LOW)).astype(np.uint32)
    return np.unique(folded)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted distinct hash arrays."""
    if not len(a) and not len(b):
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


class _Hasher:
    """MinHash signatures with one set of permutations (made once, not per document)."""

    def __init__(self, num_perm: int = NUM_PERM) -> None:
        from datasketch import MinHash

        self.num_perm = num_perm
        self._template = MinHash(num_perm=num_perm, scheme="affine32", hashfunc=int)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        m = self._template.copy()
        if len(hashes):
            m.update_batch(hashes.tolist())
        return np.asarray(m.hashvalues, dtype=np.uint32)


class _Bands:
    """LSH over MinHash signatures: a dict per band, from the band's values to the
    documents (at most ``BUCKET``) that have them."""

    def __init__(self, limit: float, num_perm: int) -> None:
        from datasketch.lsh import _optimal_param

        bands, rows = _optimal_param(max(0.05, limit - LSH_MARGIN), num_perm, 0.5, 0.5)
        self.cuts = [(k * rows, (k + 1) * rows) for k in range(bands)]
        self.tables: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]

    def add(self, pk: int, values: np.ndarray, query: bool) -> set[int]:
        """Put ``pk`` in its buckets; with ``query``, the documents already there."""
        found: set[int] = set()
        for table, (start, end) in zip(self.tables, self.cuts, strict=True):
            key = values[start:end].tobytes()
            bucket = table.get(key)
            if bucket is None:
                table[key] = [pk]
                continue
            if query:
                found.update(bucket)
            if len(bucket) < BUCKET:
                bucket.append(pk)
        return found


class _Forest:
    """Union-find over document keys: which documents are already in one cluster."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def root(self, x: int) -> int:
        parent = self.parent
        top = parent.get(x, x)
        if top == x:
            return x
        while True:
            up = parent.get(top, top)
            if up == top:
                break
            top = up
        while x != top:  # path compression
            parent[x], x = top, parent[x]
        return top

    def join(self, a: int, b: int) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


# -- what is stored ---------------------------------------------------------------------------


def has_tables(conn: Connection) -> bool:
    """Whether the schema has the near-copy tables (a corpus older than step 9 read as is)."""
    return bool(inspect(conn).has_table("near_copies"))


@dataclass(frozen=True, slots=True)
class Pair:
    first: str
    second: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Cluster:
    """Documents that are near-copies of each other (connected through pairs at or above
    the threshold), in corpus order; ``id`` is the first one's id."""

    documents: tuple[str, ...]
    lowest: float
    highest: float

    @property
    def id(self) -> str:
        return self.documents[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.id,
            "documents": list(self.documents),
            "size": len(self.documents),
            "similarity": {"min": round(self.lowest, 4), "max": round(self.highest, 4)},
        }


@dataclass(slots=True)
class Comparison:
    """What one comparison of new documents found.

    ``of_existing``: new documents in a cluster with documents compared before;
    ``of_each_other``: new documents in a cluster of new documents only.
    """

    compared: int = 0
    of_existing: int = 0
    of_each_other: int = 0
    pairs: list[tuple[int, int, float]] = field(default_factory=list)
    signatures: list[tuple[int, int, bytes]] = field(default_factory=list)

    @property
    def copies(self) -> int:
        return self.of_existing + self.of_each_other

    def sentence(self) -> str:
        if not self.compared:
            return "near-copies: no new document to compare"
        if not self.copies:
            return f"near-copies: none among the {self.compared} new documents"
        parts = []
        if self.of_existing:
            parts.append(f"{self.of_existing} are near-copies of documents already in the corpus")
        if self.of_each_other:
            parts.append(f"{self.of_each_other} are near-copies of each other")
        return (
            f"near-copies: of the {self.compared} new documents, {' and '.join(parts)} "
            "(annotator duplicates CORPUS lists them)"
        )


def _pending(conn: Connection, tables: bool) -> Iterator[tuple[int, str]]:
    d = t.documents
    last = 0
    while True:
        query = select(d.c.pk, d.c.text).where(d.c.pk > last).order_by(d.c.pk).limit(_BATCH)
        if tables:
            known = select(t.doc_minhash.c.document_pk).where(t.doc_minhash.c.document_pk == d.c.pk)
            query = query.where(~known.exists())
        rows = conn.execute(query).all()
        if not rows:
            return
        last = rows[-1].pk
        for row in rows:
            yield row.pk, row.text


def _stored_signatures(conn: Connection) -> Iterator[tuple[int, np.ndarray]]:
    m = t.doc_minhash
    result = conn.execute(
        select(m.c.document_pk, m.c.signature).where(m.c.shingles > 0).order_by(m.c.document_pk)
    )
    for row in result:
        yield row.document_pk, np.frombuffer(bytes(row.signature), dtype=np.uint32)


def _texts(conn: Connection, pks: Sequence[int]) -> Iterator[tuple[int, str]]:
    for start in range(0, len(pks), _BATCH):
        chunk = pks[start : start + _BATCH]
        rows = conn.execute(
            select(t.documents.c.pk, t.documents.c.text).where(t.documents.c.pk.in_(chunk))
        )
        for row in rows:
            yield row.pk, row.text


def compare(
    conn: Connection,
    limit: float,
    progress: Progress = no_progress,
    everything: bool = False,
) -> Comparison:
    """Compare the documents without a signature with all the others (nothing written).

    ``everything``: compare every document anew (after a threshold change), from the
    stored signatures where there are some.
    """
    tables = has_tables(conn)
    hasher = _Hasher()
    bands = _Bands(limit, hasher.num_perm)
    forest = _Forest()
    old: set[int] = set()
    result = Comparison()
    candidates: list[tuple[int, int]] = []
    kept: dict[tuple[int, int], float] = {}
    pending_total = _pending_count(conn, tables)
    stored_total = _stored_count(conn) if tables and (everything or pending_total) else 0
    total = pending_total + (stored_total if everything else 0)
    if not pending_total and not everything:
        return result
    done = 0

    signatures = _Signatures(hasher.num_perm)  # every signature in the bands, for estimates
    floor = limit - ESTIMATE_MARGIN

    def propose(pk: int, values: np.ndarray) -> None:
        found = bands.add(pk, values, query=True)
        candidates.extend((other, pk) for other in signatures.likely(values, found, floor))
        signatures.add(pk, values)

    def check() -> None:
        _verify(conn, candidates, limit, forest, kept)
        candidates.clear()

    def compared() -> None:  # one more document: progress, and check when enough wait
        nonlocal done
        done += 1
        if done % _BATCH == 0:
            progress(done, total, "documents compared")
        if len(candidates) >= _VERIFY_EVERY:
            check()

    if tables and not everything:
        for a, b in conn.execute(select(t.near_copies.c.document_pk, t.near_copies.c.other_pk)):
            forest.join(a, b)
    if tables:
        for pk, values in _stored_signatures(conn):
            if everything:
                propose(pk, values)
                compared()
            else:
                bands.add(pk, values, query=False)
                signatures.add(pk, values)
                old.add(pk)
    for pk, text in _pending(conn, tables):
        hashes = shingle_hashes(text)
        values = hasher.signature(hashes)
        result.signatures.append((pk, len(hashes), values.tobytes()))
        result.compared += 1
        if len(hashes):
            propose(pk, values)
        compared()
    check()
    progress(total, total, "documents compared")
    result.pairs = [(a, b, similarity) for (a, b), similarity in sorted(kept.items())]
    roots = {forest.root(pk) for pk in forest.parent}  # clusters: roots with members
    with_old = {forest.root(pk) for pk in old}
    for pk, _, _ in result.signatures:
        if pk in forest.parent or pk in roots:
            if forest.root(pk) in with_old:
                result.of_existing += 1
            else:
                result.of_each_other += 1
    return result


def _stored_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.doc_minhash)).scalar_one())


def _pending_count(conn: Connection, tables: bool) -> int:
    d = t.documents
    query = select(func.count()).select_from(d)
    if tables:
        known = select(t.doc_minhash.c.document_pk).where(t.doc_minhash.c.document_pk == d.c.pk)
        query = query.where(~known.exists())
    return int(conn.execute(query).scalar_one())


def _verify(
    conn: Connection,
    candidates: list[tuple[int, int]],
    limit: float,
    forest: _Forest,
    kept: dict[tuple[int, int], float],
) -> None:
    """Check the candidate pairs not already in one cluster on their exact shingle
    Jaccard; those reaching ``limit`` go in ``kept`` as ``(low, high) -> similarity``
    and join their clusters in ``forest``."""
    open_pairs = [(a, b) for a, b in candidates if a != b and forest.root(a) != forest.root(b)]
    if not open_pairs:
        return
    involved = sorted({pk for pair in open_pairs for pk in pair})
    shingles = {pk: shingle_hashes(text) for pk, text in _texts(conn, involved)}
    for a, b in open_pairs:
        if forest.root(a) == forest.root(b):
            continue
        similarity = jaccard(shingles[a], shingles[b])
        if similarity >= limit:
            kept[(min(a, b), max(a, b))] = similarity
            forest.join(a, b)


class _Signatures:
    """The signatures in the bands, one row each of a matrix, so that a document's LSH
    candidates are estimated against it in one vectorised step."""

    def __init__(self, num_perm: int) -> None:
        self.rows: dict[int, int] = {}
        self.matrix = np.zeros((1024, num_perm), dtype=np.uint32)

    def add(self, pk: int, values: np.ndarray) -> None:
        count = len(self.rows)
        if count == len(self.matrix):
            self.matrix = np.concatenate([self.matrix, np.zeros_like(self.matrix)])
        self.matrix[count] = values
        self.rows[pk] = count

    def likely(self, values: np.ndarray, candidates: set[int], floor: float) -> list[int]:
        """The ``candidates`` whose signatures agree with ``values`` on at least
        ``floor`` of their values (the MinHash estimate of the Jaccard): text written
        from templates proposes many that fall far below."""
        if not candidates:
            return []
        keys = list(candidates)
        rows = np.fromiter((self.rows[k] for k in keys), dtype=np.int64, count=len(keys))
        estimate = (self.matrix[rows] == values).mean(axis=1)
        return [k for k, keep in zip(keys, estimate >= floor, strict=True) if keep]


def _store(conn: Connection, found: Comparison, everything: bool) -> None:
    if everything:
        conn.execute(delete(t.near_copies))
    for start in range(0, len(found.signatures), _BATCH):
        rows = found.signatures[start : start + _BATCH]
        conn.execute(
            t.doc_minhash.insert(),
            [{"document_pk": pk, "shingles": n, "signature": raw} for pk, n, raw in rows],
        )
    for start in range(0, len(found.pairs), _BATCH):
        pairs = found.pairs[start : start + _BATCH]
        conn.execute(
            t.near_copies.insert(),
            [{"document_pk": a, "other_pk": b, "similarity": s} for a, b, s in pairs],
        )


def update(
    corpus: Corpus,
    progress: Progress = no_progress,
    new_threshold: float | None = None,
) -> Comparison:
    """Compare the documents not compared yet and store what was found (one transaction).

    ``new_threshold`` changes the corpus's threshold and compares every document anew.
    """
    if new_threshold is not None:
        check_threshold(new_threshold)
    limit = threshold(corpus) if new_threshold is None else new_threshold
    everything = new_threshold is not None
    raw = corpus.setting(SETTING) or {}
    settings = {**(raw if isinstance(raw, dict) else {}), "threshold": limit}

    def work(conn: Connection) -> Comparison:
        found = compare(conn, limit, progress, everything)
        _store(conn, found, everything)
        if everything:
            _put_setting(conn, SETTING, settings)
        return found

    return writing(corpus.engine, work)


# -- clusters ---------------------------------------------------------------------------------


def pairs(corpus: Corpus, compare_pending: bool = True) -> tuple[list[Pair], int]:
    """Every pair of near-copies, and how many documents were not compared yet (a corpus
    read as is, or documents added by an older version or another path than import).

    ``compare_pending``: compare those in memory (nothing written), as the export's split
    and the assignment must; a quick look (stats, the browser) leaves them out."""
    limit = threshold(corpus)
    d1, d2, nc = t.documents.alias("first"), t.documents.alias("second"), t.near_copies
    with reading(corpus.engine) as conn:
        tables = has_tables(conn)
        found: list[Pair] = []
        if tables:
            rows = conn.execute(
                select(d1.c.doc_id, d2.c.doc_id, nc.c.similarity)
                .select_from(nc)
                .join(d1, d1.c.pk == nc.c.document_pk)
                .join(d2, d2.c.pk == nc.c.other_pk)
                .order_by(nc.c.document_pk, nc.c.other_pk)
            )
            found = [Pair(a, b, s) for a, b, s in rows]
        pending = _pending_count(conn, tables)
        if pending and compare_pending:
            fresh = compare(conn, limit)
            ids = dict(_doc_ids(conn, sorted({pk for a, b, _ in fresh.pairs for pk in (a, b)})))
            found.extend(Pair(ids[a], ids[b], s) for a, b, s in fresh.pairs)
    return found, pending


def _doc_ids(conn: Connection, pks: Sequence[int]) -> Iterable[tuple[int, str]]:
    for start in range(0, len(pks), _BATCH):
        chunk = pks[start : start + _BATCH]
        rows = conn.execute(
            select(t.documents.c.pk, t.documents.c.doc_id).where(t.documents.c.pk.in_(chunk))
        )
        for row in rows:
            yield row.pk, row.doc_id


def clusters_of(found: Iterable[Pair], order: dict[str, int]) -> list[Cluster]:
    """Connected groups of ``found`` pairs, biggest first; ``order``: doc id -> corpus rank."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    edges = list(found)
    for pair in edges:
        a, b = root(pair.first), root(pair.second)
        if a != b:
            parent[max(a, b, key=order.__getitem__)] = min(a, b, key=order.__getitem__)
    members: dict[str, list[str]] = {}
    for doc in parent:
        members.setdefault(root(doc), []).append(doc)
    sims: dict[str, list[float]] = {}
    for pair in edges:
        sims.setdefault(root(pair.first), []).append(pair.similarity)
    groups = [
        Cluster(tuple(sorted(docs, key=order.__getitem__)), min(sims[r]), max(sims[r]))
        for r, docs in members.items()
    ]
    return sorted(groups, key=lambda c: (-len(c.documents), order[c.id]))


def clusters(corpus: Corpus, compare_pending: bool = True) -> list[Cluster]:
    """The corpus's clusters of near-copies, biggest first (``compare_pending``: see
    :func:`pairs`)."""
    found, _ = pairs(corpus, compare_pending)
    if not found:
        return []
    return clusters_of(found, order(corpus))


def order(corpus: Corpus) -> dict[str, int]:
    return {doc_id: rank for rank, doc_id in enumerate(corpus.document_ids())}


def cluster_index(corpus: Corpus, compare_pending: bool = True) -> dict[str, Cluster]:
    """Document id -> its cluster, for the documents that have near-copies."""
    return {
        doc: cluster for cluster in clusters(corpus, compare_pending) for doc in cluster.documents
    }


def not_compared(corpus: Corpus) -> int:
    """How many documents have not been compared yet (no stored signature)."""
    with reading(corpus.engine) as conn:
        return _pending_count(conn, has_tables(conn))


def summary(found: Sequence[Cluster]) -> dict[str, int]:
    """``{"clusters": N, "clustered": M, "copies": M - N}``: M documents in N clusters,
    M - N copies beyond one per cluster."""
    clustered = sum(len(c.documents) for c in found)
    return {"clusters": len(found), "clustered": clustered, "copies": clustered - len(found)}


def stamp(corpus: Corpus) -> tuple[object, ...]:
    """What changes whenever the stored clusters do (the pairs stored, the threshold), in
    one cheap query: the browser reads the clusters again only when it changes."""
    with reading(corpus.engine) as conn:
        if not has_tables(conn):
            return ()
        nc = t.near_copies
        count, last = conn.execute(select(func.count(), func.max(nc.c.pk))).one()
    return (int(count), last, threshold(corpus))


def clusters_by_key(corpus: Corpus) -> dict[int, Cluster]:
    """Document key (``documents.pk``) -> its cluster, from the stored comparisons only
    (the browser opens at once; an import or ``annotator duplicates`` compares)."""
    index = cluster_index(corpus, compare_pending=False)
    if not index:
        return {}
    ids = sorted(index)
    keyed: dict[int, Cluster] = {}
    with reading(corpus.engine) as conn:
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            rows = conn.execute(
                select(t.documents.c.pk, t.documents.c.doc_id).where(
                    t.documents.c.doc_id.in_(chunk)
                )
            )
            for row in rows:
                keyed[row.pk] = index[row.doc_id]
    return keyed
