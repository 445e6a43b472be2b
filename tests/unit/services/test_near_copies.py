"""Wire copies (issue 24): near-duplicate articles found by MinHash LSH over 5-word
shingles, checked on their exact Jaccard similarity, compared incrementally and stored
in the corpus (schema step 9)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.core.errors import CorpusError
from annotator.core.model import Document
from annotator.services import near_copies
from annotator.services.corpora import default_scheme
from annotator.services.stats import statistics
from annotator.store.corpus import Corpus
from tests.unit.services.near_copy_samples import (
    article,
    cut_paragraph,
    edited_headline,
    text_of,
    with_byline,
    words_changed,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def doc(doc_id: str, text: str) -> Document:
    return Document(doc_id, text, {}, [])


def shingle_jaccard(a: str, b: str) -> float:
    """The definition, written out plainly: sets of 5-word tuples."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        import re

        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    created = Corpus.create(tmp_path / "wire.annotator", default_scheme())
    created.add_documents([doc(f"story-{i}", text_of(article(i))) for i in range(40)])
    return created


def test_planted_copies_are_found_at_their_exact_similarity(corpus: Corpus) -> None:
    s3, s7, s9 = article(3), article(7), article(9)
    corpus.add_documents(
        [
            doc("s3-headline", edited_headline(s3)),
            doc("s3-byline", with_byline(s3)),
            doc("s7-cut", cut_paragraph(s7)),
            doc("s9-words", words_changed(s9)),
        ]
    )
    found = near_copies.update(corpus)
    assert found.compared == 44 and found.of_existing == 0 and found.of_each_other == 7

    clusters = near_copies.clusters(corpus)
    assert [c.documents for c in clusters] == [
        ("story-3", "s3-headline", "s3-byline"),
        ("story-7", "s7-cut"),
        ("story-9", "s9-words"),
    ]
    cut = clusters[1]
    assert cut.lowest == pytest.approx(shingle_jaccard(text_of(s7), cut_paragraph(s7)), abs=1e-3)
    assert 0.8 <= cut.lowest < 0.95
    assert near_copies.summary(clusters) == {"clusters": 3, "clustered": 7, "copies": 4}


def test_an_import_compares_only_its_new_documents_with_the_rest(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    near_copies.update(corpus)
    assert near_copies.clusters(corpus) == []
    hashed: list[str] = []
    real = near_copies.shingle_hashes
    monkeypatch.setattr(
        near_copies, "shingle_hashes", lambda text, size=5: hashed.append(text) or real(text)
    )
    s5 = article(5)
    corpus.add_documents([doc("s5-byline", with_byline(s5)), doc("fresh", text_of(article(99)))])
    found = near_copies.update(corpus)

    assert (found.compared, found.of_existing, found.of_each_other) == (2, 1, 0)
    assert "1 are near-copies of documents already in the corpus" in found.sentence()
    # two new texts signed, and only the candidate pair's two texts read back to check it
    assert len(hashed) == 4 and sum(t == text_of(s5) for t in hashed) == 1
    assert [c.documents for c in near_copies.clusters(corpus)] == [("story-5", "s5-byline")]
    assert near_copies.update(corpus).compared == 0  # nothing new: nothing compared


def test_documents_not_compared_yet_are_compared_in_memory_without_writing(
    corpus: Corpus,
) -> None:
    corpus.add_documents([doc("s1-cut", cut_paragraph(article(1), 2))])
    assert near_copies.not_compared(corpus) == 41
    assert [c.documents for c in near_copies.clusters(corpus)] == [("story-1", "s1-cut")]
    assert near_copies.clusters(corpus, compare_pending=False) == []
    assert near_copies.not_compared(corpus) == 41  # nothing was written
    figures = statistics(corpus)["near_copies"]
    assert figures == {
        "threshold": 0.8, "clusters": 0, "clustered": 0, "copies": 0, "not_compared": 41
    }  # fmt: skip


def test_a_new_threshold_is_stored_and_every_document_compared_anew(corpus: Corpus) -> None:
    s2 = article(2)
    far = text_of(s2[:4] + s2[7:])  # three paragraphs cut: about 0.6
    corpus.add_documents([doc("s2-short", far)])
    near_copies.update(corpus)
    assert near_copies.clusters(corpus) == []

    near_copies.update(corpus, new_threshold=0.5)
    assert corpus.setting(near_copies.SETTING) == {"threshold": 0.5}
    [cluster] = near_copies.clusters(corpus)
    assert cluster.documents == ("story-2", "s2-short")
    assert cluster.lowest == pytest.approx(shingle_jaccard(text_of(s2), far), abs=1e-3)
    assert statistics(corpus)["near_copies"]["clusters"] == 1

    near_copies.update(corpus, new_threshold=0.9)
    assert near_copies.clusters(corpus) == []
    with pytest.raises(CorpusError, match=r"--threshold 1\.5"):
        near_copies.update(corpus, new_threshold=1.5)


def test_short_and_empty_texts_and_exact_copies(tmp_path: Path) -> None:
    corpus = Corpus.create(tmp_path / "short.annotator", default_scheme())
    corpus.add_documents(
        [
            doc("a", "Brève : la grève continue."),
            doc("b", "Brève : la grève continue !"),
            doc("c", "…"),
            doc("d", "— "),
            doc("e", text_of(article(4))),
            doc("f", text_of(article(4))),
        ]
    )
    near_copies.update(corpus)
    assert [c.documents for c in near_copies.clusters(corpus)] == [("a", "b"), ("e", "f")]
    assert all(c.highest == 1.0 for c in near_copies.clusters(corpus))  # c, d: no word at all


def test_deleting_a_document_takes_its_signature_and_pairs(corpus: Corpus) -> None:
    corpus.add_documents([doc("s6-cut", cut_paragraph(article(6)))])
    near_copies.update(corpus)
    assert corpus.path is not None
    conn = sqlite3.connect(corpus.path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM documents WHERE doc_id = 's6-cut'")
        conn.commit()
        left = conn.execute("SELECT count(*) FROM near_copies").fetchone()[0]
        signatures = conn.execute("SELECT count(*) FROM doc_minhash").fetchone()[0]
    finally:
        conn.close()
    assert (left, signatures) == (0, 40)


def test_a_corpus_of_schema_8_migrates_and_one_read_as_is_is_compared_in_memory(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "v8.annotator"
    shutil.copyfile(FIXTURES / "corpus_v8.annotator", copy)
    with Corpus.open(copy, read_only=True) as old:
        assert near_copies.clusters(old) == []  # no tables yet: compared in memory
        assert near_copies.not_compared(old) == old.document_count() > 0
    with Corpus.open(copy) as migrated:
        found = near_copies.update(migrated)
        assert found.compared == migrated.document_count()
        assert near_copies.not_compared(migrated) == 0


def test_a_story_reprinted_hundreds_of_times_is_one_cluster_of_linear_size(
    tmp_path: Path,
) -> None:
    """300 reprints of one story (each with its own byline) overflow the LSH buckets;
    the cluster is still whole, stored as the pairs that connect it (not 300 × 299 / 2),
    and a later cut copy and an edited one join it."""
    corpus = Corpus.create(tmp_path / "reprints.annotator", default_scheme())
    story = article(11)
    reprints = [doc(f"r{n:03d}", f"Par l'envoyé {n}.\n\n{text_of(story)}") for n in range(300)]
    corpus.add_documents([*reprints, doc("other", text_of(article(12)))])
    near_copies.update(corpus)
    [cluster] = near_copies.clusters(corpus)
    assert cluster.documents == tuple(f"r{n:03d}" for n in range(300))
    assert corpus.path is not None
    conn = sqlite3.connect(corpus.path)
    try:
        stored = conn.execute("SELECT count(*) FROM near_copies").fetchone()[0]
    finally:
        conn.close()
    assert stored == 299  # what connects 300 documents

    corpus.add_documents([doc("cut", cut_paragraph(story)), doc("edited", edited_headline(story))])
    found = near_copies.update(corpus)
    assert (found.compared, found.of_existing, found.of_each_other) == (2, 2, 0)
    [cluster] = near_copies.clusters(corpus)
    assert {"cut", "edited"} <= set(cluster.documents) and len(cluster.documents) == 302
    assert 0.8 <= cluster.lowest <= cluster.highest <= 1.0


def test_the_stamp_changes_exactly_when_the_stored_clusters_may_have(corpus: Corpus) -> None:
    near_copies.update(corpus)
    first = near_copies.stamp(corpus)
    assert near_copies.stamp(corpus) == first  # nothing changed: the browser reads nothing
    corpus.add_documents([doc("s3-cut", cut_paragraph(article(3)))])
    near_copies.update(corpus)
    second = near_copies.stamp(corpus)
    assert second != first  # a new pair
    near_copies.update(corpus, new_threshold=0.99)
    assert near_copies.stamp(corpus) not in (first, second)  # pairs and threshold anew


def test_candidates_far_below_the_threshold_by_their_signatures_are_not_read() -> None:
    """A candidate whose signature agrees with the new document's on too few values (the
    MinHash estimate of their Jaccard) is dropped before any text is read."""
    import numpy as np

    base = np.arange(128, dtype=np.uint32)

    def agreeing(share: float) -> np.ndarray:
        other = base.copy()
        other[int(share * 128) :] += 1000
        return other

    signatures = near_copies._Signatures(128)
    for pk in range(1, 2000):  # beyond the first capacity: the matrix grows
        signatures.add(pk, base + 5000)
    for pk, share in ((2000, 0.9), (2001, 0.65), (2002, 0.3)):
        signatures.add(pk, agreeing(share))
    found = signatures.likely(base, {2000, 2001, 2002, 7}, 0.6)
    assert sorted(found) == [2000, 2001]
    assert signatures.likely(base, set(), 0.6) == []
