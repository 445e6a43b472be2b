"""Importing .spacy files: ours come back identical, others with their ents, spans and cats."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.tokens import Span as TokenSpan
from spacy.vocab import Vocab

from annotator.core.errors import AnnotatorError, InputError
from annotator.formats import ReadOptions, WriteOptions, detect
from annotator.formats import spacy as spacy_format
from annotator.services.corpora import init_corpus
from annotator.services.importing import import_paths
from annotator.services.training import export_training_data
from annotator.store.corpus import Corpus
from tests.conftest import FORMATS_REAL
from tests.unit.nlp.spacy_samples import SEEDS, annotate, annotated_seeds

REAL = FORMATS_REAL / "spacy-docbin" / "explosion-projects_ner_tweets_demo.spacy"


def doc_state(doc: Any) -> dict[str, Any]:
    """Everything a DocBin keeps of a Doc that the export writes."""
    return {
        "text": doc.text,
        "tokens": [(t.text, t.whitespace_) for t in doc],
        "ents": [(e.start, e.end, e.label_) for e in doc.ents],
        "iob": [t.ent_iob_ for t in doc],
        "spans": {k: [(s.start, s.end, s.label_) for s in g] for k, g in doc.spans.items()},
        "cats": doc.cats,
        "user_data": doc.user_data,
    }


def docbin_state(path: Path) -> list[dict[str, Any]]:
    return [doc_state(d) for d in DocBin().from_disk(path).get_docs(Vocab())]


def write_docbin(path: Path, docs: list[Any]) -> Path:
    DocBin(docs=docs).to_disk(path)
    return path


def test_docbin_to_corpus_to_docbin_is_identical(corpus: Corpus, tmp_path: Path) -> None:
    documents = annotated_seeds("fr")
    documents[0].annotations.append(annotate(documents[0], SEEDS[documents[0].id], "bob"))
    corpus.add_documents(documents)
    first = tmp_path / "first"
    export_training_data(corpus, first, source="all", dev_fraction=0.3)

    with init_corpus(tmp_path / "again.annotator") as again:
        import_paths(again, [first / "train.spacy", first / "dev.spacy"])
        second = tmp_path / "second"
        export_training_data(again, second, source="all", dev_fraction=0.3)

    for name in ("train.spacy", "dev.spacy"):
        assert docbin_state(second / name) == docbin_state(first / name)
    assert (second / "config.cfg").read_text() == (first / "config.cfg").read_text()


def test_our_docbin_brings_back_every_set_status_relation_and_answer(
    corpus: Corpus, tmp_path: Path
) -> None:
    documents = annotated_seeds("fr")
    corpus.add_documents(documents)
    export_training_data(corpus, tmp_path / "out")

    with init_corpus(tmp_path / "again.annotator") as again:
        import_paths(again, [tmp_path / "out"])  # the folder: both files
        for original in corpus.documents():
            back = again.document(original.id)
            assert back.text == original.text and back.meta == original.meta
            [mine], [theirs] = original.annotations, back.annotations
            assert (theirs.spans, theirs.relations, theirs.doc_labels) == (
                mine.spans,
                mine.relations,
                mine.doc_labels,
            )
            assert (theirs.status, theirs.created_at) == (mine.status, mine.created_at)


def test_a_payload_for_another_text_is_refused(corpus: Corpus, tmp_path: Path) -> None:
    corpus.add_documents(annotated_seeds()[:2])
    export_training_data(corpus, tmp_path / "out", dev_fraction=0.5)
    [doc] = DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(Vocab())
    changed = spacy.blank("fr").make_doc(doc.text + " Ajout.")
    changed.user_data = doc.user_data
    DocBin(store_user_data=True, docs=[changed]).to_disk(tmp_path / "changed.spacy")

    with pytest.raises(InputError, match="text_sha256 mismatch"):
        list(spacy_format.read(tmp_path / "changed.spacy", ReadOptions()))


def test_the_real_docbin_comes_back_with_its_entity(corpus: Corpus) -> None:
    assert detect(REAL) == "spacy"

    report = import_paths(corpus, [REAL], annotator="tweets", extend_scheme=True)

    [document] = corpus.documents()
    assert document.text.startswith("I'm seeing Ed Sheeran on Wednesday in Miami")
    [aset] = document.annotations
    assert [(s.layer, s.label, document.text[s.start : s.end]) for s in aset.spans] == [
        ("entity", "PERSON", "Ed Sheeran")
    ]
    assert report.added_labels == {"entity": ["PERSON"]}
    assert document.id == f"doc-{document.text_sha256[:16]}"


def test_an_unknown_label_follows_the_extend_scheme_rule(corpus: Corpus) -> None:
    with pytest.raises(AnnotatorError, match=r"PERSON.*--extend-scheme"):
        import_paths(corpus, [REAL], annotator="tweets")
    assert corpus.document_count() == 0


def test_a_foreign_docbin_gets_the_default_annotator_and_the_corpus_language(
    corpus: Corpus,
) -> None:
    import_paths(corpus, [REAL], extend_scheme=True)

    [document] = corpus.documents()
    assert [a.annotator for a in document.annotations] == ["spacy"]
    assert document.meta["lang"] == corpus.scheme.language


def test_lang_on_import_is_kept_as_the_documents_language(corpus: Corpus) -> None:
    import_paths(corpus, [REAL], extend_scheme=True, language="en")

    [document] = corpus.documents()
    assert document.meta["lang"] == "en"


def test_an_error_in_a_docbin_names_the_doc_not_a_line(corpus: Corpus, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    docs = [nlp.make_doc("Fine."), nlp.make_doc("Acme fell.")]
    docs[1].ents = [TokenSpan(docs[1], 0, 1, "PRODUCT")]
    path = write_docbin(tmp_path / "bad.spacy", docs)

    with pytest.raises(InputError) as caught:
        import_paths(corpus, [path])

    assert str(caught.value).startswith(f"{path}, doc 2: ")
    assert corpus.document_count() == 0


def edited_export(corpus: Corpus, tmp_path: Path, edit: Any) -> Path:
    """An export of ``corpus`` whose first Doc ``edit`` changed, as a DocBin file."""
    export_training_data(corpus, tmp_path / "out", dev_fraction=0.0)
    docs = list(DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(Vocab()))
    edit(docs[0])
    return write_docbin_with_user_data(tmp_path / "edited.spacy", docs)


def write_docbin_with_user_data(path: Path, docs: list[Any]) -> Path:
    DocBin(store_user_data=True, docs=docs).to_disk(path)
    return path


def test_a_docbin_edited_after_export_imports_as_edited(corpus: Corpus, tmp_path: Path) -> None:
    corpus.add_documents(annotated_seeds()[:1])
    [original] = corpus.documents()
    [stored] = original.annotations
    entities = sorted((s for s in stored.spans if s.layer == "entity"), key=lambda s: s.start)
    removed = entities[0]

    def edit(doc: Any) -> None:
        kept = [e for e in doc.ents if e.start_char != removed.start]
        doc.ents = [*kept, doc.char_span(0, 1, label="MISC", alignment_mode="expand")]
        doc.spans["entity"] = list(doc.ents)

    path = edited_export(corpus, tmp_path, edit)
    with init_corpus(tmp_path / "again.annotator") as again:
        report = import_paths(again, [path])
        [back] = again.document(original.id).annotations

    assert removed.id not in {s.id for s in back.spans}
    added = [s for s in back.spans if s.id not in {t.id for t in stored.spans}]
    assert [(s.layer, s.label, s.start) for s in added] == [("entity", "MISC", 0)]
    unchanged = [s for s in stored.spans if s.id != removed.id]
    assert all(back.span(s.id) == s for s in unchanged)  # ids, attributes kept
    assert {r for r in stored.relations if removed.id not in (r.head, r.child)} == set(
        back.relations
    )
    assert any("1 docs differ from the annotations stored" in w for w in report.files[0].warnings)


def test_an_unedited_docbin_says_nothing_differed(corpus: Corpus, tmp_path: Path) -> None:
    corpus.add_documents(annotated_seeds()[:1])
    path = edited_export(corpus, tmp_path, lambda doc: None)

    with init_corpus(tmp_path / "again.annotator") as again:
        report = import_paths(again, [path])

    assert report.files[0].warnings == []


def test_edited_cats_change_the_answer(corpus: Corpus, tmp_path: Path) -> None:
    corpus.add_documents(annotated_seeds()[:1])
    [original] = corpus.documents()

    def edit(doc: Any) -> None:
        doc.cats = {k: (1.0 if k == "stance:AGAINST" else 0.0) for k in doc.cats}

    path = edited_export(corpus, tmp_path, edit)
    with init_corpus(tmp_path / "again.annotator") as again:
        import_paths(again, [path])
        [back] = again.document(original.id).annotations

    assert back.doc_labels["stance"] == "AGAINST"


def test_a_docbin_bomb_is_refused_quickly(tmp_path: Path) -> None:
    import time

    bomb = zlib.compressobj(1)
    path = tmp_path / "bomb.spacy"
    with path.open("wb") as out:  # 1 GB of zeros in about 4 MB
        block = b"\0" * (64 * 1024**2)
        for _ in range(16):
            out.write(bomb.compress(block))
        out.write(bomb.flush())
    started = time.perf_counter()

    with pytest.raises(InputError, match="decompression bomb"):
        list(spacy_format.read(path, ReadOptions()))

    assert time.perf_counter() - started < 10


def test_foreign_span_groups_become_layers_and_cats_become_answers(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    doc = nlp.make_doc("Acme says prices will fall. Acme again.")
    doc.ents = [TokenSpan(doc, 0, 1, "ORG")]
    doc.spans["claim"] = [TokenSpan(doc, 2, 5, "CLAIM")]
    doc.spans["entity"] = [TokenSpan(doc, 0, 1, "ORG")]  # the same as the entity
    doc.cats = {"stance:FAVOR": 1.0, "stance:AGAINST": 0.0, "NONE": 0.0, "POSITIVE": 1.0}
    path = write_docbin(tmp_path / "foreign.spacy", [doc, nlp.make_doc("Acme says nothing.")])
    scheme = init_corpus(tmp_path / "c.annotator").scheme

    [first, second] = [r.document for r in spacy_format.read(path, ReadOptions("ext", scheme))]

    [aset] = first.annotations
    assert [(s.layer, s.label, s.start, s.end) for s in aset.spans] == [
        ("entity", "ORG", 0, 4),
        ("claim", "CLAIM", 10, 26),
    ]
    assert aset.doc_labels == {"stance": "FAVOR", "cats": ["POSITIVE"]}
    assert (aset.annotator, aset.status) == ("ext", "done")
    assert second.annotations == []  # a plain text needs no annotator


def test_a_bare_cat_answers_the_scheme_question_that_has_it(tmp_path: Path) -> None:
    doc = spacy.blank("fr").make_doc("Un texte.")
    doc.cats = {"FAVOR": 0.0, "AGAINST": 1.0, "NONE": 0.0}
    path = write_docbin(tmp_path / "cats.spacy", [doc])
    scheme = init_corpus(tmp_path / "c.annotator").scheme

    [record] = spacy_format.read(path, ReadOptions("ext", scheme))

    assert record.document.annotations[0].doc_labels == {"stance": "AGAINST"}


def test_repeated_foreign_texts_get_distinct_ids(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    path = write_docbin(tmp_path / "twice.spacy", [nlp.make_doc("Same."), nlp.make_doc("Same.")])

    ids = [r.document.id for r in spacy_format.read(path, ReadOptions())]

    assert ids[1] == ids[0] + "-2"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a docbin at all", "not a spaCy DocBin"),
        (zlib.compress(b"\x93garbage"), "not a readable spaCy DocBin"),
        (zlib.compress(b"x" * 100)[:20], "not a readable spaCy DocBin"),
    ],
)
def test_a_damaged_file_is_an_error_naming_it(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.spacy"
    path.write_bytes(content)

    with pytest.raises(InputError, match=f"{path}: {reason}"):
        list(spacy_format.read(path, ReadOptions()))


def test_the_format_writer_exports_a_folder_with_default_options(
    corpus: Corpus, tmp_path: Path
) -> None:
    corpus.add_documents(annotated_seeds("fr"))

    report = spacy_format.write(
        corpus.documents(), tmp_path / "out", WriteOptions(scheme=corpus.scheme)
    )

    assert report.documents == 4 and report.left_out == {}
    assert [Path(f).name for f in report.files] == [
        "train.spacy",
        "dev.spacy",
        "config.cfg",
        "report.json",
    ]


@pytest.mark.parametrize("alignment", ["strict", "contract", "expand"])
def test_an_unedited_docbin_gives_back_spans_the_export_had_to_snap_or_leave_out(
    corpus: Corpus, tmp_path: Path, alignment: str
) -> None:
    from annotator.core.model import AnnotationSet, Document, Span

    text = "Alice  met Bob at Oracle."
    spans = [
        Span("s1", "entity", 0, 7, "PER"),  # "Alice  ": ends on the whitespace token
        Span("s2", "entity", 11, 14, "PER"),
        Span("s3", "entity", 18, 22, "ORG"),  # "Orac": inside a token
    ]
    corpus.add_documents([Document("d", text, {}, [AnnotationSet("alice", "done", spans)])])
    export_training_data(corpus, tmp_path / "out", dev_fraction=0.0, alignment=alignment)

    with init_corpus(tmp_path / "again.annotator") as again:
        report = import_paths(again, [tmp_path / "out" / "train.spacy"])
        [back] = again.document("d").annotations

    assert sorted((s.id, s.start, s.end, s.label) for s in back.spans) == [
        ("s1", 0, 7, "PER"),
        ("s2", 11, 14, "PER"),
        ("s3", 18, 22, "ORG"),
    ]
    assert not any("differ" in w for w in report.files[0].warnings)


def test_an_empty_answer_to_a_multi_valued_question_survives_the_docbin() -> None:
    from annotator.nlp.docbin_edits import _answers

    cats = {"topics:tech": 0.0, "topics:law": 0.0, "stance:NONE": 1.0}

    assert _answers(cats, {"topics": [], "stance": "NONE"}, None) == {
        "topics": [],
        "stance": "NONE",
    }


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda p: p["set"].update(actor_links={"nowhere": "act-x"}), "names span 'nowhere'"),
        (lambda p: p.update(actors=[{"id": "bad id!", "name": "X"}]), "is not an id"),
        (lambda p: p.update(actors=[{"id": "act-x", "name": "X", "kind": "fish"}]), "kind 'fish'"),
    ],
)
def test_damaged_actor_links_in_a_payload_name_the_doc(
    corpus: Corpus, tmp_path: Path, spoil: Any, message: str
) -> None:
    corpus.add_documents(annotated_seeds("fr")[:1])

    def edit(doc: Any) -> None:
        spoil(doc.user_data["annotator"])

    path = edited_export(corpus, tmp_path, edit)
    fresh = init_corpus(tmp_path / "fresh.annotator")
    with pytest.raises(InputError, match=message) as caught:
        import_paths(fresh, [path])
    assert str(caught.value).startswith(f"{path}, doc 1: ")
    assert fresh.document_count() == 0
    fresh.close()
