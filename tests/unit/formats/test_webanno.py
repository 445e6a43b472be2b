"""WebAnno TSV 3.3 (INCEpTION): INCEpTION's own files, UTF-16 offsets, stacked and
multi-token spans, relations with disambiguation ids, round trip and bad input."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import ReadOptions, WriteOptions, detect, webanno
from annotator.services.corpora import default_scheme
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.corpus_samples import corpus_state
from tests.unit.formats.interchange_samples import (
    REAL,
    accepted,
    open_corpus,
    read,
    relation_keys,
    sample_corpus,
    sample_corpus_path,
    span_keys,
)

TSV = REAL / "webanno-tsv"
EXAMPLE = TSV / "inception_tsv3_example2.tsv"
EMOJI = TSV / "inception_testSentenceWithEmoji.tsv"
STACKED = TSV / "inception_testSingleStackedNonTokenOverlappingRelation.tsv"


def test_inception_files_are_detected() -> None:
    assert {detect(path) for path in (EXAMPLE, EMOJI, STACKED)} == {"webanno"}
    assert detect(TSV) == "webanno"


def test_named_entities_pos_and_dependencies_come_in_as_inception_shows_them() -> None:
    (doc,), warnings = read("webanno", EXAMPLE)

    (aset,) = doc.annotations
    entities = [(s.label, doc.text[s.start : s.end]) for s in aset.spans if s.layer == "entity"]
    assert entities == [
        ("PER", "Ms. Haag"),  # PER[2] on two tokens
        ("OTH", "Elianti"),
        ("ORG", "Rolls-Royce Motor"),
        ("LOC", "U.S."),
        ("LOC", "U.S."),
        ("ORG", "BELL INDUSTRIES Inc."),
        ("PER", "BELL"),  # stacked on ORG[7]
        ("ORG", "Bell"),
        ("LOC", "Los Angeles"),
    ]
    pos = [s for s in aset.spans if s.layer == "POS"]
    assert len(pos) == 86 and {s.label for s in pos} == {"POS"}
    assert Counter(s.attrs["PosValue"] for s in pos)["NNP"] == 15
    assert doc.text.startswith("Ms. Haag plays Elianti . Rolls-Royce Motor Cars Inc. said")
    # 86 arcs, of which 7 roots (a token governing itself) cannot be relations.
    assert len(aset.relations) == 79
    assert any("7 arcs from a span to itself (roots)" in w for w in warnings)
    plays = next(s for s in pos if doc.text[s.start : s.end] == "plays")
    haag = next(s for s in pos if doc.text[s.start : s.end] == "Haag")
    assert Relation(plays.id, haag.id, "SBJ") in aset.relations


def test_offsets_are_utf16_code_units() -> None:
    (doc,), _ = read("webanno", EMOJI)

    (span,) = doc.annotations[0].spans
    assert doc.text == "I like it 😊 ."
    assert (span.start, span.end, doc.text[span.start : span.end]) == (10, 11, "😊")
    assert span.label == "Span"  # no feature value: the layer's name


def test_stacked_spans_and_a_relation_between_disambiguated_spans() -> None:
    (doc,), _ = read("webanno", STACKED)

    (aset,) = doc.annotations
    assert sorted((s.start, s.end) for s in aset.spans) == [(0, 16), (0, 16), (15, 16), (15, 16)]
    (relation,) = aset.relations
    head, child = aset.span(relation.head), aset.span(relation.child)
    assert head is not None and child is not None
    assert ((head.start, head.end), (child.start, child.end)) == ((0, 16), (15, 16))


def test_the_folder_imports_into_a_corpus_with_extend_scheme(tmp_path: Path) -> None:
    with open_corpus(tmp_path / "c.annotator") as corpus:
        (item,) = import_paths(corpus, [TSV], extend_scheme=True).files

        assert (item.format, item.documents, item.spans, item.relations) == (
            "webanno", 3, 100, 80
        )  # fmt: skip
        assert corpus.scheme.layer("POS") is not None


def test_round_trip_gives_the_same_texts_spans_attributes_and_relations(tmp_path: Path) -> None:
    with sample_corpus(tmp_path) as corpus:
        out = tmp_path / "tsv"
        report = export(corpus, out, format="webanno", source="alice")
        original = corpus.document("unicode-1")

    assert sorted(p.name for p in out.iterdir()) == ["unicode-1.tsv"]
    assert "relations to suggested spans" in report.left_out
    with Corpus.create(tmp_path / "back.annotator", default_scheme()) as back:
        import_paths(back, [out], annotator="alice")
        doc = back.document("unicode-1")
    assert doc.text == original.text
    before = accepted(original.annotations[0])
    (after,) = doc.annotations
    assert span_keys(after) == span_keys(before)
    same_layer = AnnotationSet(
        "alice",
        spans=before.spans,
        relations=[
            r
            for r in before.relations
            if before.span(r.head).layer == before.span(r.child).layer  # type: ignore[union-attr]
        ],
    )
    assert relation_keys(after) == relation_keys(same_layer)


def test_the_writer_keeps_stacked_multi_token_spans_and_their_relations(tmp_path: Path) -> None:
    text = "Le 😊 « Crédit | Agricole » prête.\n\nSecond paragraphe\tici.\n"
    spans = [
        Span("a", "entity", 7, 24, "ORG"),
        Span("b", "entity", 7, 13, "MISC"),
        Span("c", "claim", 0, 33, "CLAIM", {"stance": "FAVOR"}),
        Span("d", "claim", 28, 33, "CLAIM"),
        Span("e", "entity", 35, 41, "LOC"),
    ]
    relations = [Relation("a", "b", "PART"), Relation("c", "d", "SUPPORT")]
    doc = Document("d1", text, {}, [AnnotationSet("ana", "done", spans, relations)])
    out = tmp_path / "out"

    report = webanno.write([doc], out, WriteOptions(scheme=default_scheme()))
    (back,), _ = read("webanno", out)

    assert back.text == text
    (aset,) = back.annotations
    assert span_keys(aset) == span_keys(doc.annotations[0])
    assert relation_keys(aset) == relation_keys(doc.annotations[0])
    assert report.left_out == {}


def test_relations_between_layers_are_left_out_and_counted(tmp_path: Path) -> None:
    spans = [Span("c", "claim", 0, 4, "CLAIM"), Span("e", "entity", 5, 9, "PER")]
    doc = Document("d1", "Vrai Paul", {}, [
        AnnotationSet("ana", "done", spans, [Relation("c", "e", "CLAIMANT")])
    ])  # fmt: skip

    report = webanno.write([doc], tmp_path / "out", WriteOptions(scheme=default_scheme()))

    assert report.left_out == {
        "relations between spans of different layers (a WebAnno relation layer joins one)": 1
    }


BAD = {
    "no format line": ("#T_SP=x.Y|value\n\n\n#Text=a\n1-1\t0-1\ta\t*\t\n", 1, "not WebAnno TSV 3"),
    "missing columns": (
        "#FORMAT=WebAnno TSV 3.3\n#T_SP=x.Y|value\n\n\n#Text=a b\n1-1\t0-1\ta\n",
        6,
        "expected a row",
    ),
    "relation to no span": (
        "#FORMAT=WebAnno TSV 3.3\n#T_SP=x.Y|value\n#T_RL=x.R|value|BT_x.Y\n\n\n"
        "#Text=a b\n1-1\t0-1\ta\tA\t_\t_\t\n1-2\t2-3\tb\t_\tR\t1-1\t\n",
        8,
        "a relation names one span of x.Y at 1-2, which holds 0",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_naming_file_and_line_and_the_corpus_is_unchanged(
    tmp_path: Path, case: str
) -> None:
    content, line, reason = BAD[case]
    bad = tmp_path / "bad.tsv"
    bad.write_text(content, "utf-8")
    location = sample_corpus_path(tmp_path)
    before = corpus_state(location)

    with Corpus.open(location) as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [bad], format="webanno", extend_scheme=True)

    assert str(caught.value).startswith(f"{bad}, line {line}: ")
    assert reason in str(caught.value)
    assert corpus_state(location) == before


def test_a_coreference_chain_gives_its_mentions_and_links(tmp_path: Path) -> None:
    # The chain example of INCEpTION's user guide (WebAnno TSV 3.3, "Chain Annotations").
    path = tmp_path / "coref.tsv"
    path.write_text(
        "#FORMAT=WebAnno TSV 3.3\n"
        "#T_CH=de.tudarmstadt.ukp.dkpro.core.api.coref.type.CoreferenceLink"
        "|referenceType|referenceRelation\n\n\n"
        "#Text=He shot himself with his revolver .\n"
        "1-1\t0-2\tHe\tpr[1]\tcoref->1-1\n"
        "1-2\t3-7\tshot\t_\t_\n"
        "1-3\t8-15\thimself\tpr[1]\tcoref->1-2\n"
        "1-4\t16-20\twith\t_\t_\n"
        "1-5\t21-24\this\tpr[1]\t*->1-3\n"
        "1-6\t25-33\trevolver\t_\t_\n"
        "1-7\t33-34\t.\t_\t_\n",
        "utf-8",
    )

    (doc,), warnings = read("webanno", path)

    (aset,) = doc.annotations
    assert [(s.layer, s.label, doc.text[s.start : s.end]) for s in aset.spans] == [
        ("CoreferenceLink", "pr", "He"),
        ("CoreferenceLink", "pr", "himself"),
        ("CoreferenceLink", "pr", "his"),
    ]
    assert relation_keys(aset) == sorted(
        [
            (("CoreferenceLink", "pr", 0, 2), ("CoreferenceLink", "pr", 8, 15), "coref"),
            (("CoreferenceLink", "pr", 8, 15), ("CoreferenceLink", "pr", 21, 24), "coref"),
        ]
    )
    assert warnings == []


def test_a_folder_import_skips_files_linked_from_outside_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.tsv"
    shutil.copyfile(TSV / "inception_testSentenceWithEmoji.tsv", secret)
    folder = tmp_path / "tsv"
    folder.mkdir()
    shutil.copyfile(TSV / "inception_testSentenceWithEmoji.tsv", folder / "own.tsv")
    (folder / "link.tsv").symlink_to(secret)
    options = ReadOptions()

    ids = [record.document.id for record in webanno.read(folder, options)]

    assert ids == ["own"]
    assert any("outside the folder skipped" in w and "link.tsv" in w for w in options.warnings)


def test_an_offset_beyond_anything_the_file_could_hold_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "big.tsv"
    path.write_text(
        "#FORMAT=WebAnno TSV 3.3\n"
        "#T_SP=de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity|identifier|value\n\n\n"
        "#Text=Hi\n1-1\t2000000000-2000000002\tHi\t_\t_\t\n",
        "utf-8",
    )

    with pytest.raises(InputError, match="more than the whole file holds"):
        list(webanno.read(path, ReadOptions()))


def test_a_zip_the_export_writes_is_detected_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "sample.tsv"
    shutil.copyfile(TSV / "inception_testSentenceWithEmoji.tsv", path)
    (doc,) = [record.document for record in webanno.read(path, ReadOptions())]
    archive = tmp_path / "out.zip"
    webanno.write([doc], archive, WriteOptions(scheme=None))

    assert detect(archive) == "webanno"
    (back,) = [record.document for record in webanno.read(archive, ReadOptions())]
    assert back.text == doc.text
    assert [(s.start, s.end) for s in back.annotations[0].spans] == [
        (s.start, s.end) for s in doc.annotations[0].spans
    ]
