"""CoNLL-2003: IOB1, IOB2 and BILUO tags, both -DOCSTART- forms, the rebuilt text,
IOB2 export with what it leaves out, round trip and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import WriteOptions, conll
from annotator.services.corpora import default_scheme
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.corpus_samples import corpus_state
from tests.unit.formats.interchange_samples import (
    REAL,
    label_counts,
    read,
    sample_corpus_path,
    span_keys,
    totals,
)

IOB1_FILE = REAL / "conll2003" / "dkpro-core_conll2003_en-orig.conll"
IOB2_FILE = REAL / "conll2003" / "doccano-transformer_labeling_text_label.conll2003"
DOCCANO_TWIN = REAL / "doccano" / "doccano-transformer_labeling_text_label.jsonl"


def entities(doc: Document) -> list[tuple[str, str]]:
    return [(s.label, doc.text[s.start : s.end]) for s in doc.annotations[0].spans]


def test_original_conll_2003_in_iob1_gives_its_three_entities() -> None:
    (doc,), _ = read("conll", IOB1_FILE)

    assert doc.id == "dkpro-core_conll2003_en-orig"
    assert doc.text == "U.N. official Ekeus heads for Baghdad ."
    assert entities(doc) == [("ORG", "U.N."), ("PER", "Ekeus"), ("LOC", "Baghdad")]
    assert (doc.annotations[0].annotator, doc.annotations[0].status) == ("conll", "done")


def test_doccano_transformer_output_gives_two_documents_and_eleven_entities() -> None:
    docs, _ = read("conll", IOB2_FILE, scheme=default_scheme())

    assert totals(docs) == (2, 11, 0)
    assert [d.id for d in docs] == [
        "doccano-transformer_labeling_text_label-1",
        "doccano-transformer_labeling_text_label-2",
    ]
    assert label_counts(docs) == {"LOC": 6, "PER": 4, "ORG": 1}
    assert sum(d.text.count("\n") + 1 for d in docs) == 6  # sentences
    assert sum(len(d.text.split()) for d in docs) == 37  # tokens
    assert entities(docs[1])[:2] == [("ORG", "RUGBY UNION"), ("PER", "CUTTITTA")]


def test_the_rebuilt_text_is_the_doccano_text_it_was_written_from() -> None:
    tagged, _ = read("conll", IOB2_FILE)
    source, _ = read("doccano", DOCCANO_TWIN)

    for rebuilt, original in zip(tagged, source, strict=True):
        assert rebuilt.text == original.text
        assert span_keys(rebuilt.annotations[0]) == span_keys(original.annotations[0])


TAGGINGS = {
    "IOB1": ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "O", "I-ORG"],
    "IOB2": ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "O", "B-ORG"],
    "BILUO": ["B-PER", "L-PER", "U-PER", "O", "U-LOC", "O", "U-ORG"],
    "BIOES": ["B-PER", "E-PER", "S-PER", "O", "S-LOC", "O", "S-ORG"],
}


@pytest.mark.parametrize("scheme", list(TAGGINGS))
@pytest.mark.parametrize("docstart", ["-DOCSTART- -X- O O", "-DOCSTART- -X- -X- O"])
def test_every_tagging_scheme_and_docstart_form_gives_the_same_entities(
    tmp_path: Path, scheme: str, docstart: str
) -> None:
    tokens = ["Jean", "Dupont", "Marie", "à", "Paris", "chez", "Renault"]
    rows = [f"{token} NNP I-NP {tag}" for token, tag in zip(tokens, TAGGINGS[scheme], strict=True)]
    path = tmp_path / "tags.conll"
    path.write_text(f"{docstart}\n\n" + "\n".join(rows[:3]) + "\n\n" + "\n".join(rows[3:]) + "\n")

    (doc,), _ = read("conll", path)

    assert doc.id == "tags-1" and doc.text == "Jean Dupont Marie\nà Paris chez Renault"
    assert entities(doc) == [
        ("PER", "Jean Dupont"),
        ("PER", "Marie"),
        ("LOC", "Paris"),
        ("ORG", "Renault"),
    ]


def test_an_entity_ends_with_its_sentence(tmp_path: Path) -> None:
    path = tmp_path / "s.conll"
    path.write_text("Paris I-LOC\n\nLyon I-LOC\n", "utf-8")

    (doc,), _ = read("conll", path)

    assert entities(doc) == [("LOC", "Paris"), ("LOC", "Lyon")]


def test_export_writes_iob2_in_four_columns_after_a_docstart_line(tmp_path: Path) -> None:
    text = "Jean Dupont vit à Paris.\nIl aime Lyon"
    spans = [Span("a", "entity", 0, 11, "PER"), Span("b", "entity", 18, 23, "LOC")]
    spans.append(Span("c", "entity", 33, 37, "LOC"))
    doc = Document("d", text, {}, [AnnotationSet("x", spans=spans)])

    report = conll.write([doc], tmp_path / "out.conll", WriteOptions())

    assert (tmp_path / "out.conll").read_text("utf-8") == (
        "-DOCSTART- -X- -X- O\n\n"
        "Jean _ _ B-PER\nDupont _ _ I-PER\nvit _ _ O\nà _ _ O\nParis _ _ B-LOC\n. _ _ O\n\n"
        "Il _ _ O\naime _ _ O\nLyon _ _ B-LOC\n\n"
    )
    assert report.spans == 3
    assert report.left_out == {"documents' original spacing (CoNLL keeps tokens, not spaces)": 1}


def test_export_says_what_conll_cannot_hold(tmp_path: Path) -> None:
    text = "Le ministre Jean Dupont\na parlé."
    spans = [
        Span("p", "entity", 12, 23, "PER"),
        Span("m", "entity", 3, 16, "MISC"),  # overlaps p
        Span("c", "claim", 0, 32, "CLAIM", {"stance": "FAVOR"}),  # across the line break
        Span("s", "entity", 0, 2, "MISC", state="suggested"),
    ]
    aset = AnnotationSet("x", spans=spans, relations=[Relation("c", "p", "CLAIMANT")])
    aset.doc_labels["stance"] = "FAVOR"
    doc = Document("d", text, {"source": "AFP"}, [aset, AnnotationSet("y")])

    report = conll.write([doc], tmp_path / "out.conll", WriteOptions())

    assert report.spans == 1
    assert report.left_out == {
        "documents' metadata": 1,
        "annotation sets of other annotators (choose one with --from)": 1,
        "relations (CoNLL has none)": 1,
        "document labels (CoNLL has none)": 1,
        "suggested spans (export them with --include-suggestions)": 1,
        "spans' attributes (CoNLL has none)": 1,
        "overlapping spans (CoNLL tags each token once)": 1,
        "spans across a line break (a CoNLL sentence is one line)": 1,
    }


def test_round_trip_of_tokenized_text_is_exact(tmp_path: Path) -> None:
    (doc,), _ = read("conll", IOB2_FILE.parent / IOB1_FILE.name)
    docs, _ = read("conll", IOB2_FILE)

    report = conll.write([doc, *docs], tmp_path / "out.conll", WriteOptions())
    again, _ = read("conll", tmp_path / "out.conll")

    assert report.left_out == {"documents' metadata": 3}
    for before, after in zip([doc, *docs], again, strict=True):
        assert after.text == before.text
        assert span_keys(after.annotations[0]) == span_keys(before.annotations[0])


BAD_LINES: dict[str, tuple[bytes, int, str]] = {
    "one column": (b"Paris B-LOC\nLyon\n", 2, "expected a token and a tag"),
    "unknown tag": (b"Paris B-LOC\nLyon X-LOC\n", 2, "got 'Lyon X-LOC'"),
    "tag without label": (b"Paris B-LOC\nLyon B-\n", 2, "expected a token and a tag"),
    "invalid UTF-8": (b"Paris B-LOC\nLy\xf4n O\n", 2, "invalid UTF-8"),
    "only a docstart": (b"-DOCSTART- -X- -X- O\n\n", 0, "no tokens in this file"),
    "unknown label": (b"Paris B-LOC\nLyon B-CITY\n", 0, "label 'CITY' is not in layer"),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_bad_input_is_refused_naming_file_and_line_and_the_corpus_is_unchanged(
    tmp_path: Path, case: str
) -> None:
    content, line, reason = BAD_LINES[case]
    bad = tmp_path / "bad.conll"
    bad.write_bytes(content)
    location = sample_corpus_path(tmp_path)
    before = corpus_state(location)

    with Corpus.open(location) as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [bad])

    where = f"{bad}, line {line}: " if line else f"{bad}"
    assert str(caught.value).startswith(where)
    assert reason in str(caught.value)
    assert corpus_state(location) == before
