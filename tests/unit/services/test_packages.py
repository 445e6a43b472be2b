"""Work packages: what a package holds, how documents are chosen and assigned, and how
the work comes back by merging (DESIGN §2, team on laptops)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from annotator.core.edits import AddSpan, RemoveSpan
from annotator.core.errors import AnnotationError, AnnotatorError, CorpusError
from annotator.core.model import Span, text_sha256
from annotator.core.scheme import Scheme
from annotator.services.corpora import init_corpus
from annotator.services.importing import import_paths
from annotator.services.merging import describe_merge, merge_package, merge_packages
from annotator.services.packages import (
    PACKAGE_KEY,
    choose_documents,
    make_package,
    package_info,
    plan_assignment,
    write_assignment,
)
from annotator.services.progress import Cancelled
from annotator.store.corpus import CORPUS_ID, Corpus
from annotator.store.packages import corpus_id, guideline_versions
from tests.unit.corpus_samples import (
    RAW_TEXT,
    TEXT,
    at,
    corpus_state,
    raw_record,
    sample_records,
    write_jsonl,
)

ALL_IDS = ["unicode-1", "raw-1", "gold-1"]


@pytest.fixture
def filled(tmp_path: Path, corpus: Corpus) -> Corpus:
    """The sample documents (alice and bob on one, gold and carol on another, one raw)
    and two versions of the guidelines."""
    import_paths(corpus, [write_jsonl(tmp_path / "samples.jsonl", sample_records())])
    corpus.add_guidelines("# Entities\nMark people.", author="lead")
    corpus.add_guidelines("# Entities\nMark people and places.", author="lead")
    return corpus


def package_for(corpus: Corpus, annotator: str, out: Path, docs: list[str] | None = None) -> Path:
    make_package(corpus, annotator, out, docs or ALL_IDS)
    return out


def entity(substring: str, label: str, text: str = TEXT, span_id: str | None = None) -> AddSpan:
    start, end = at(substring, text)
    return AddSpan(Span(span_id or f"new-{substring}", "entity", start, end, label, {}, "manual"))


def spans_of(location: Path, doc_id: str, annotator: str) -> dict[str, tuple[int, int, str]]:
    with Corpus.open(location) as opened:
        aset = opened.annotation_set(doc_id, annotator)
    return {s.id: (s.start, s.end, s.label) for s in aset.spans}


# -- what a package holds ----------------------------------------------------------------


def test_a_package_is_a_corpus_with_the_documents_scheme_guidelines_and_own_sets_only(
    tmp_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")

    # One self-contained file, not in WAL mode (header bytes 18-19 are 2 in WAL mode).
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(out.name)] == [out.name]
    assert out.read_bytes()[18:20] == b"\x01\x01"
    with Corpus.open(out) as package:
        docs = {doc.id: doc for doc in package.documents()}
        assert package.annotators() == ["alice"]
        assert package.scheme == filled.scheme
        assert guideline_versions(package) == guideline_versions(filled)
        info = package_info(package)
    source = {doc.id: doc for doc in filled.documents()}
    assert list(docs) == ALL_IDS
    for doc_id, doc in docs.items():
        assert (doc.text, doc.meta) == (source[doc_id].text, source[doc_id].meta)
    assert docs["unicode-1"].annotations == [source["unicode-1"].annotation_set("alice")]
    assert docs["gold-1"].annotations == []  # neither gold nor carol's work travels
    assert info is not None
    assert (info.annotator, info.documents) == ("alice", tuple(ALL_IDS))
    assert info.source_corpus == filled.setting(CORPUS_ID)


def test_a_package_for_someone_new_holds_documents_and_no_annotations(
    tmp_path: Path, filled: Corpus
) -> None:
    summary = make_package(filled, "dave", tmp_path / "dave.annotator", ["unicode-1"])

    assert (summary.documents, summary.started, summary.guideline_version) == (1, 0, 3)
    with Corpus.open(summary.path) as package:
        assert package.annotators() == []
        assert [doc.id for doc in package.documents()] == ["unicode-1"]


def test_every_new_corpus_has_its_own_identity(tmp_path: Path, filled: Corpus) -> None:
    with init_corpus(tmp_path / "other.annotator") as other:
        assert other.setting(CORPUS_ID) != filled.setting(CORPUS_ID)
    assert len(filled.setting(CORPUS_ID)) == 32


def test_a_corpus_made_before_identities_gets_one_that_stays(
    corpus_path: Path, filled: Corpus
) -> None:
    with sqlite3.connect(corpus_path) as raw:
        raw.execute("DELETE FROM settings WHERE key = ?", (CORPUS_ID,))
    raw.close()

    first = corpus_id(filled)

    assert first == corpus_id(filled) == filled.setting(CORPUS_ID)


def test_a_package_of_unknown_documents_is_refused(tmp_path: Path, filled: Corpus) -> None:
    with pytest.raises(CorpusError, match="no document with id 'nope'"):
        make_package(filled, "alice", tmp_path / "alice.annotator", ["raw-1", "nope"])

    assert not (tmp_path / "alice.annotator").exists()


def test_gold_cannot_be_packaged(tmp_path: Path, filled: Corpus) -> None:
    with pytest.raises(AnnotatorError, match="adjudicated layer"):
        make_package(filled, "gold", tmp_path / "gold.annotator", ALL_IDS)


def test_an_existing_file_is_never_overwritten(tmp_path: Path, filled: Corpus) -> None:
    out = tmp_path / "alice.annotator"
    out.write_bytes(b"somebody's file")

    with pytest.raises(CorpusError, match="already exists"):
        make_package(filled, "alice", out, ALL_IDS)

    assert out.read_bytes() == b"somebody's file"


def test_an_interrupted_package_leaves_no_file_behind(tmp_path: Path, filled: Corpus) -> None:
    folder = tmp_path / "out"
    folder.mkdir()

    def cancel(done: int, total: int, what: str) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        make_package(filled, "alice", folder / "alice.annotator", ALL_IDS, progress=cancel)

    assert list(folder.iterdir()) == []


# -- choosing documents ------------------------------------------------------------------


def test_docs_are_taken_in_corpus_order_and_may_be_comma_separated(filled: Corpus) -> None:
    assert choose_documents(filled, ["gold-1,unicode-1"]) == ["unicode-1", "gold-1"]
    assert choose_documents(filled, ["raw-1", "unicode-1"]) == ["unicode-1", "raw-1"]
    assert choose_documents(filled) == ALL_IDS


def test_unknown_document_ids_are_all_listed(filled: Corpus) -> None:
    with pytest.raises(CorpusError) as caught:
        choose_documents(filled, ["raw-1", "nope", "missing,raw-1"])

    assert "'nope', 'missing'" in str(caught.value)


def test_an_id_holding_a_comma_is_taken_whole(tmp_path: Path, filled: Corpus) -> None:
    record = {**raw_record("a,b"), "text": "Un autre texte."}
    import_paths(filled, [write_jsonl(tmp_path / "comma.jsonl", [record])])

    assert choose_documents(filled, ["a,b"]) == ["a,b"]


@pytest.fixture
def many(tmp_path: Path, corpus: Corpus) -> Corpus:
    """60 raw documents, enough for samples and assignments to mean something."""
    records = [raw_record(f"doc-{n:02}") | {"text": f"Article {n}."} for n in range(60)]
    import_paths(corpus, [write_jsonl(tmp_path / "many.jsonl", records)])
    return corpus


def test_a_sample_is_the_same_for_the_same_seed_and_differs_for_another(many: Corpus) -> None:
    first = choose_documents(many, sample=10, seed=7)

    assert choose_documents(many, sample=10, seed=7) == first
    assert choose_documents(many, sample=10, seed=8) != first
    assert len(first) == 10
    assert first == [d for d in many.document_ids() if d in first]


@pytest.mark.parametrize("size", [0, 61])
def test_a_sample_larger_than_the_corpus_or_empty_is_refused(many: Corpus, size: int) -> None:
    with pytest.raises(AnnotatorError, match="between 1 and 60"):
        choose_documents(many, sample=size)


def test_docs_and_sample_together_are_refused(many: Corpus) -> None:
    with pytest.raises(AnnotatorError, match="not both"):
        choose_documents(many, ["doc-01"], sample=3)


# -- assigning documents -----------------------------------------------------------------

SIXTY = [f"doc-{n:02}" for n in range(60)]


def test_an_assignment_covers_every_document_with_the_overlap_asked() -> None:
    ids = SIXTY

    plan = plan_assignment(ids, ["alice", "bob", "carol"], overlap=0.25, seed=3)

    counts = Counter(d for docs in plan.documents.values() for d in docs)
    assert set(counts) == set(ids)
    assert {d for d, n in counts.items() if n >= 2} == plan.shared
    assert all(counts[d] == 3 for d in plan.shared)
    assert len(plan.shared) == 15 and plan.overlap == 0.25
    loads = [len(docs) for docs in plan.documents.values()]
    assert max(loads) - min(loads) <= 1
    assert all(list(docs) == [d for d in ids if d in docs] for docs in plan.documents.values())


def test_an_assignment_is_the_same_for_the_same_seed() -> None:
    ids = SIXTY
    names = ["alice", "bob", "carol"]

    first = plan_assignment(ids, names, overlap=0.2, seed=11)

    assert plan_assignment(ids, names, overlap=0.2, seed=11) == first
    assert plan_assignment(ids, names, overlap=0.2, seed=12) != first


@pytest.mark.parametrize(("overlap", "shared"), [(0.0, 0), (0.1, 6), (0.33, 20), (1.0, 60)])
def test_the_overlap_fraction_is_honoured_within_rounding(overlap: float, shared: int) -> None:
    plan = plan_assignment(SIXTY, ["a", "b"], overlap=overlap)

    assert len(plan.shared) == shared
    assert abs(plan.overlap - overlap) <= 0.5 / 60


def test_shared_documents_can_go_to_pairs_spread_evenly() -> None:
    names = ["a", "b", "c", "d"]

    plan = plan_assignment(SIXTY, names, overlap=0.5, shared_by=2)

    pairs = Counter(
        pair
        for doc in plan.shared
        for pair in combinations([n for n in names if doc in plan.documents[n]], 2)
    )
    assert sum(pairs.values()) == 30
    assert len(pairs) == 6 and max(pairs.values()) - min(pairs.values()) <= 2
    loads = [len(docs) for docs in plan.documents.values()]
    assert max(loads) - min(loads) <= 1


@pytest.mark.parametrize(
    ("names", "overlap", "shared_by", "message"),
    [
        (["alice", "alice"], 0.2, None, "repeated: alice"),
        (["alice"], 0.2, None, "at least two annotators"),
        (["alice", "bob"], 1.5, None, "between 0 and 1"),
        (["alice", "bob"], 0.2, 3, "between 2 and 2"),
        (["alice", "gold"], 0.2, None, "adjudicated layer"),
    ],
)
def test_impossible_assignments_are_refused(
    names: list[str], overlap: float, shared_by: int | None, message: str
) -> None:
    with pytest.raises(AnnotatorError, match=message):
        plan_assignment(SIXTY, names, overlap, shared_by=shared_by)


def test_an_annotator_left_without_documents_is_refused() -> None:
    with pytest.raises(AnnotatorError, match="carol would get none"):
        plan_assignment(["d1", "d2"], ["alice", "bob", "carol"], overlap=0.0, seed=0)


def test_write_assignment_writes_one_package_per_annotator(tmp_path: Path, many: Corpus) -> None:
    plan = plan_assignment(many.document_ids(), ["alice", "bob"], overlap=0.2)

    written = write_assignment(many, plan, tmp_path / "packages")

    assert [s.path.name for s in written] == ["corpus-alice.annotator", "corpus-bob.annotator"]
    for summary in written:
        with Corpus.open(summary.path) as package:
            assert tuple(package.document_ids()) == plan.documents[summary.annotator]
            info = package_info(package)
            assert info is not None and info.annotator == summary.annotator


def test_write_assignment_writes_nothing_when_a_package_exists(
    tmp_path: Path, many: Corpus
) -> None:
    folder = tmp_path / "packages"
    folder.mkdir()
    (folder / "corpus-bob.annotator").write_bytes(b"old")
    plan = plan_assignment(many.document_ids(), ["alice", "bob"], overlap=0.2)

    with pytest.raises(CorpusError, match=r"corpus-bob\.annotator"):
        write_assignment(many, plan, folder)

    assert [p.name for p in folder.iterdir()] == ["corpus-bob.annotator"]


# -- merging -----------------------------------------------------------------------------


def test_work_done_in_a_package_comes_back_with_its_guideline_version(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        package.apply_edit("unicode-1", "alice", entity("Arès", "LOC"))
        package.apply_edit("unicode-1", "alice", RemoveSpan("e6"))
        package.apply_edit("raw-1", "alice", entity("Deuxième", "MISC", RAW_TEXT))
        theirs = package.annotation_set("unicode-1", "alice")
    filled.add_guidelines("# v4, after the package was made", author="lead")

    merged = merge_package(filled, out)

    assert sorted(merged.changed) == ["raw-1", "unicode-1"]
    assert (merged.unchanged, merged.spans_added, merged.spans_removed) == (1, 2, 1)
    alice = spans_of(corpus_path, "unicode-1", "alice")
    assert alice["new-Arès"] == (*at("Arès"), "LOC") and "e6" not in alice
    assert "new-Deuxième" in spans_of(corpus_path, "raw-1", "alice")
    assert filled.annotation_set("unicode-1", "alice") == theirs  # relations, attrs, times
    assert theirs.guideline_version == 3
    assert len(spans_of(corpus_path, "unicode-1", "bob")) == 2  # bob's work untouched


def test_merging_the_same_package_again_changes_nothing(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        package.apply_edit("unicode-1", "alice", entity("Arès", "LOC"))
    merge_package(filled, out)
    before = corpus_state(corpus_path)

    again = merge_package(filled, out)

    assert (again.changed, again.unchanged, again.kept) == ([], 3, [])
    assert corpus_state(corpus_path) == before


def test_a_newer_package_updates_and_an_older_one_is_kept_out(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    first = package_for(filled, "alice", tmp_path / "first.annotator")
    with Corpus.open(first) as package:
        package.apply_edit("raw-1", "alice", entity("Deuxième", "MISC", RAW_TEXT))
    merge_package(filled, first)
    second = package_for(filled, "alice", tmp_path / "second.annotator")
    with Corpus.open(second) as package:
        package.apply_edit("raw-1", "alice", entity("ligne", "MISC", RAW_TEXT))

    newer = merge_package(filled, second)
    after_second = corpus_state(corpus_path)
    older = merge_package(filled, first)

    assert (newer.changed, newer.spans_added) == (["raw-1"], 1)
    assert set(spans_of(corpus_path, "raw-1", "alice")) == {"new-Deuxième", "new-ligne"}
    assert (older.changed, older.kept) == ([], ["raw-1"])
    assert corpus_state(corpus_path) == after_second


def test_a_package_whose_texts_differ_is_refused_whole_listing_them(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        package.apply_edit("unicode-1", "alice", entity("Arès", "LOC"))
    with sqlite3.connect(out) as raw:
        for doc_id in ("raw-1", "gold-1"):
            query = "SELECT text FROM documents WHERE doc_id = ?"
            (text,) = raw.execute(query, (doc_id,)).fetchone()
            raw.execute(
                "UPDATE documents SET text = ?, text_sha256 = ? WHERE doc_id = ?",
                (text + " (corrigé)", text_sha256(text + " (corrigé)"), doc_id),
            )
    raw.close()
    before = corpus_state(corpus_path)

    with pytest.raises(CorpusError) as caught:
        merge_package(filled, out)

    assert "the text of 2 documents differs" in str(caught.value)
    assert "'raw-1', 'gold-1'" in str(caught.value)
    assert corpus_state(corpus_path) == before


def test_a_package_of_another_corpus_with_the_same_documents_is_merged_saying_so(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    # The lead rebuilt the corpus from the same JSONL: new identity, same ids and texts.
    with init_corpus(tmp_path / "other.annotator") as other:
        import_paths(other, [write_jsonl(tmp_path / "same.jsonl", sample_records())])
        out = package_for(other, "alice", tmp_path / "alice.annotator")
        source = corpus_id(other)
    with Corpus.open(out) as package:
        package.apply_edit("raw-1", "alice", entity("Deuxième", "MISC", RAW_TEXT))

    merged = merge_package(filled, out)

    assert merged.changed == ["raw-1"]
    assert (merged.source_corpus, merged.corpus_identity) == (source, corpus_id(filled))
    assert f"made from another corpus (package's corpus {source}" in describe_merge(merged)[0]
    assert "new-Deuxième" in spans_of(corpus_path, "raw-1", "alice")


def test_a_package_of_another_corpus_with_other_texts_is_still_refused(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    records = sample_records()
    records[1] = {**records[1], "text": records[1]["text"] + " (corrigé)"}
    with init_corpus(tmp_path / "other.annotator") as other:
        import_paths(other, [write_jsonl(tmp_path / "changed.jsonl", records)])
        out = package_for(other, "alice", tmp_path / "alice.annotator")
    before = corpus_state(corpus_path)

    with pytest.raises(CorpusError, match="the text of 1 documents differs"):
        merge_package(filled, out)

    assert corpus_state(corpus_path) == before


def test_guideline_versions_written_in_a_package_come_back_with_it(
    tmp_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    # v1 is the default guidelines, v2 and v3 the lead's (the ``filled`` fixture).
    filled.add_guidelines("# v4 of the lead, meanwhile", author="lead")
    with Corpus.open(out) as package:
        package.add_guidelines("# v4 written in the package", author="alice")
        package.apply_edit("raw-1", "alice", entity("Deuxième", "MISC", RAW_TEXT))

    merged = merge_package(filled, out)

    texts = {v.version: v.text for v in guideline_versions(filled)}
    assert texts[4] == "# v4 of the lead, meanwhile"
    assert texts[5] == "# v4 written in the package" and merged.guidelines_added == [5]
    assert filled.annotation_set("raw-1", "alice").guideline_version == 5
    assert merge_package(filled, out).guidelines_added == []  # merging again adds nothing


def test_a_package_holding_other_annotators_sets_is_refused_unless_forced(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        package.apply_edit("unicode-1", "bob", entity("Arès", "LOC"))
    before = corpus_state(corpus_path)

    with pytest.raises(CorpusError) as caught:
        merge_package(filled, out)

    message = str(caught.value)
    assert "the package is 'alice''s but holds annotation sets by 'bob'" in message
    assert "'bob' on 1 documents (1 with work here: 'unicode-1')" in message
    assert "--force" in message
    assert corpus_state(corpus_path) == before

    merged = merge_package(filled, out, force=True)

    assert [(m.annotator, m.changed) for m in merged.also] == [("bob", ["unicode-1"])]
    assert "new-Arès" in spans_of(corpus_path, "unicode-1", "bob")
    assert merged.warnings() == []


def test_a_package_relabelled_to_another_annotator_is_refused_as_forged(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:  # alice's package made to pass for bob's
        info = package.setting(PACKAGE_KEY)
        package.set_setting(PACKAGE_KEY, {**info, "annotator": "bob"})
    with sqlite3.connect(out) as raw:
        raw.execute("UPDATE annotators SET name = 'bob' WHERE name = 'alice'")
    raw.close()
    before = corpus_state(corpus_path)

    with pytest.raises(CorpusError) as caught:
        merge_package(filled, out)

    assert "this corpus issued no package to 'bob'" in str(caught.value)
    assert "would replace the sets of 'bob' on 1 documents" in str(caught.value)
    assert corpus_state(corpus_path) == before


def test_a_package_with_documents_the_corpus_lacks_is_refused(
    tmp_path: Path, filled: Corpus
) -> None:
    # A restored backup keeps the corpus's identity but not the documents added since.
    backup = filled.backup(tmp_path / "restored.annotator")
    assert backup is not None
    extra = {**raw_record("late-1"), "text": "Arrivé après la sauvegarde."}
    import_paths(filled, [write_jsonl(tmp_path / "late.jsonl", [extra])])
    out = package_for(filled, "alice", tmp_path / "alice.annotator", [*ALL_IDS, "late-1"])

    with Corpus.open(backup) as restored, pytest.raises(CorpusError) as caught:
        merge_package(restored, out)

    assert "1 documents of the package are not in the corpus: 'late-1'" in str(caught.value)


def test_a_set_breaking_the_corpus_scheme_is_refused_naming_document_and_reason(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        raw = package.scheme.to_dict()
        raw["span_layers"][0]["labels"].append({"name": "CITY"})
        package.set_scheme(Scheme.from_dict(raw, source="test"))
        package.apply_edit("raw-1", "alice", entity("Deuxième", "CITY", RAW_TEXT))
    before = corpus_state(corpus_path)

    with pytest.raises(AnnotationError) as caught:
        merge_package(filled, out)

    assert "document 'raw-1'" in str(caught.value)
    assert "label 'CITY' is not in layer 'entity'" in str(caught.value)
    assert corpus_state(corpus_path) == before


def test_a_set_started_and_emptied_in_the_package_creates_nothing(
    tmp_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "dave", tmp_path / "dave.annotator")
    with Corpus.open(out) as package:
        package.apply_edit("raw-1", "dave", entity("Deuxième", "MISC", RAW_TEXT))
        package.apply_edit("raw-1", "dave", RemoveSpan("new-Deuxième"))

    merged = merge_package(filled, out)

    assert merged.changed == [] and "dave" not in filled.annotators()


def test_merging_several_packages_says_which_went_in_before_a_refusal(
    tmp_path: Path, filled: Corpus
) -> None:
    good = package_for(filled, "alice", tmp_path / "alice.annotator")
    not_a_package = tmp_path / "plain.annotator"
    init_corpus(not_a_package).close()

    with pytest.raises(CorpusError) as caught:
        merge_packages(filled, [good, not_a_package])

    assert "not a work package" in str(caught.value)
    assert f"merged before this error: {good}" in caught.value.__notes__[0]


def test_the_package_description_is_in_the_settings(tmp_path: Path, filled: Corpus) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator", ["raw-1"])

    with Corpus.open(out) as package:
        raw = package.setting(PACKAGE_KEY)

    assert set(raw) == {"annotator", "source_corpus", "created_at", "documents"}
    assert raw["documents"] == ["raw-1"]


def test_a_forced_merge_that_breaks_the_scheme_writes_nothing_at_all(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        package.add_guidelines("# written in the package", author="alice")
        package.apply_edit("raw-1", "alice", entity("Deuxième", "MISC", RAW_TEXT))  # valid
        package.apply_edit("unicode-1", "bob", entity("Arès", "LOC"))
    with sqlite3.connect(out) as raw:  # bob's span now has a label the corpus lacks
        raw.execute("UPDATE spans SET label = 'NOT_IN_SCHEME' WHERE span_id = 'new-Arès'")
    raw.close()
    before = corpus_state(corpus_path)

    with pytest.raises(AnnotationError, match="refused, nothing merged"):
        merge_package(filled, out, force=True)

    assert corpus_state(corpus_path) == before  # alice's valid set is not in either


# -- merging as rows (issue 20) ---------------------------------------------------------


def span_rows(location: Path, doc_id: str, annotator: str) -> dict[str, tuple[int, str]]:
    """``{span id: (row key, label)}`` of one set, read by SQLite itself."""
    with sqlite3.connect(location) as raw:
        rows = raw.execute(
            "SELECT s.span_id, s.pk, s.label FROM spans s"
            " JOIN annotation_sets a ON a.pk = s.set_pk"
            " JOIN annotators n ON n.pk = a.annotator_pk"
            " JOIN documents d ON d.pk = a.document_pk"
            " WHERE d.doc_id = ? AND n.name = ?",
            (doc_id, annotator),
        ).fetchall()
    raw.close()
    return {span_id: (pk, label) for span_id, pk, label in rows}


def test_a_merge_writes_only_what_changed_in_a_set(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    before = span_rows(corpus_path, "unicode-1", "alice")
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        spans = package.annotation_set("unicode-1", "alice").spans
        changed = next(span for span in spans if span.layer == "entity")
        kept, removed = sorted((s for s in spans if s != changed), key=lambda s: s.id)[:2]
        label = "ORG" if changed.label == "MISC" else "MISC"
        package.apply_edit("unicode-1", "alice", RemoveSpan(removed.id))
        package.apply_edit("unicode-1", "alice", entity("Arès", "LOC"))
        with sqlite3.connect(out) as raw:
            raw.execute("UPDATE spans SET label = ? WHERE span_id = ?", (label, changed.id))
        raw.close()
        theirs = package.annotation_set("unicode-1", "alice")

    merged = merge_package(filled, out)

    after = span_rows(corpus_path, "unicode-1", "alice")
    assert (merged.spans_added, merged.spans_removed, merged.spans_modified) == (1, 1, 1)
    assert after[kept.id] == before[kept.id]  # the same row, not written again
    assert after[changed.id] == (before[changed.id][0], label)  # changed in place
    assert removed.id not in after and after["new-Arès"][0] > max(pk for pk, _ in before.values())
    ours = filled.annotation_set("unicode-1", "alice")
    assert {s.id: s for s in ours.spans} == {s.id: s for s in theirs.spans}
    assert set(ours.relations) == set(theirs.relations)
    assert (ours.status, ours.updated_at, ours.doc_labels) == (
        theirs.status,
        theirs.updated_at,
        theirs.doc_labels,
    )


def test_sets_stored_otherwise_but_equal_are_unchanged(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    """Attributes written with their keys in another order, and spans stored in another
    order, are the same work: nothing to merge (the digests differ, the rows do not)."""
    with sqlite3.connect(corpus_path) as raw:
        raw.execute("""UPDATE spans SET attrs = '{"a": "1", "b": "2"}' WHERE span_id = 'e6'""")
    raw.close()
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with sqlite3.connect(out) as raw:
        raw.execute("""UPDATE spans SET attrs = '{"b": "2", "a": "1"}' WHERE span_id = 'e6'""")
        raw.execute("UPDATE spans SET pk = -pk")  # the reverse of the stored order
    raw.close()
    before = corpus_state(corpus_path)

    merged = merge_package(filled, out)

    assert (merged.changed, merged.unchanged, merged.kept) == ([], 3, [])
    assert corpus_state(corpus_path) == before


@pytest.mark.parametrize("separator", ["\x1f", "\x1e", ","])
def test_values_holding_a_digest_separator_are_compared_by_their_rows(
    tmp_path: Path, corpus_path: Path, filled: Corpus, separator: str
) -> None:
    odd = f"e{separator}6"
    with sqlite3.connect(corpus_path) as raw:
        raw.execute("UPDATE spans SET span_id = ? WHERE span_id = 'e6'", (odd,))
        raw.execute("UPDATE relations SET head = ? WHERE head = 'e6'", (odd,))
        raw.execute("UPDATE relations SET child = ? WHERE child = 'e6'", (odd,))
    raw.close()
    out = package_for(filled, "alice", tmp_path / "alice.annotator")

    assert merge_package(filled, out).unchanged == 3  # nothing changed
    with Corpus.open(out) as package:
        package.apply_edit("unicode-1", "alice", entity("Arès", "LOC"))
    merged = merge_package(filled, out)

    assert merged.changed == ["unicode-1"] and merged.spans_added == 1
    assert odd in spans_of(corpus_path, "unicode-1", "alice")


def test_a_digest_is_given_only_where_no_value_holds_a_separator(filled: Corpus) -> None:
    from annotator.store.engine import reading
    from annotator.store.set_rows import content_digests

    with sqlite3.connect(filled.path) as raw:  # type: ignore[arg-type]
        raw.execute("UPDATE spans SET span_id = 'e\x1f6' WHERE span_id = 'e6'")
        keys = [row[0] for row in raw.execute("SELECT pk FROM annotation_sets ORDER BY pk")]
        odd = raw.execute("SELECT set_pk FROM spans WHERE span_id = 'e\x1f6'").fetchone()[0]
    raw.close()
    with reading(filled.engine) as conn:
        digests = content_digests(conn, keys)

    assert odd not in digests and set(digests) == set(keys) - {odd}
    assert len({digests[key] for key in digests}) == len(digests)  # one text per content


def test_a_changed_set_is_read_whole_whatever_keys_the_package_gives_its_sets(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    """Whether a set is unchanged is decided per pair of sets: a package's set whose key
    happens to be the corpus's key of another, unchanged, set is still read and merged."""
    filled.apply_edit("raw-1", "alice", entity("Deuxième", "MISC", RAW_TEXT))
    out = package_for(filled, "alice", tmp_path / "alice.annotator")
    with Corpus.open(out) as package:
        package.apply_edit("unicode-1", "alice", entity("Arès", "LOC"))
        theirs = package.annotation_set("unicode-1", "alice")
    with sqlite3.connect(corpus_path) as raw:
        (unchanged_key,) = raw.execute(
            "SELECT a.pk FROM annotation_sets a JOIN documents d ON d.pk = a.document_pk"
            " JOIN annotators n ON n.pk = a.annotator_pk"
            " WHERE d.doc_id = 'raw-1' AND n.name = 'alice'"
        ).fetchone()
    raw.close()
    with sqlite3.connect(out) as raw:  # the changed set takes that key in the package
        (changed_key,) = raw.execute(
            "SELECT a.pk FROM annotation_sets a JOIN documents d ON d.pk = a.document_pk"
            " WHERE d.doc_id = 'unicode-1'"
        ).fetchone()
        for old, new in ((unchanged_key, -1), (changed_key, unchanged_key), (-1, changed_key)):
            raw.execute("UPDATE annotation_sets SET pk = ? WHERE pk = ?", (new, old))
            for table in ("spans", "relations", "doc_labels", "actor_links"):
                raw.execute(f"UPDATE {table} SET set_pk = ? WHERE set_pk = ?", (new, old))
    raw.close()

    merged = merge_package(filled, out)

    assert merged.changed == ["unicode-1"] and "raw-1" not in merged.kept
    assert (merged.spans_added, merged.spans_removed) == (1, 0)
    ours = filled.annotation_set("unicode-1", "alice")
    assert {s.id: s for s in ours.spans} == {s.id: s for s in theirs.spans}
