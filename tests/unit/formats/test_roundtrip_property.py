"""Round trips of generated documents (random Unicode text, spans, relations, attributes,
answers) through every interchange format: what a format can express comes back
exactly, and what it cannot is counted in the export's report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import WriteOptions, writer
from annotator.services.corpora import default_scheme
from tests.unit.formats.interchange_samples import read, relation_keys, span_keys

SCHEME = default_scheme()
KINDS = [("entity", "PER"), ("entity", "ORG"), ("claim", "CLAIM"), ("cue", "CUE")]
STANCES = ["FAVOR", "AGAINST", "NONE"]

#: Format -> (attributes, document labels, metadata) it can express. All express spans
#: and relations.
CAN = {
    "prodigy": (False, True, True),
    "doccano": (False, True, True),
    "brat": (True, False, False),
    "labelstudio": (True, True, True),
}

# Any code point but lone surrogates (not UTF-8) and NUL (refused); no BOM first, as a
# .txt file (brat) starting with one is refused.
CHARACTERS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
TEXTS = st.text(CHARACTERS, min_size=1, max_size=80).filter(lambda t: not t.startswith("\ufeff"))


@st.composite
def documents(draw: st.DrawFn) -> Document:
    text = draw(TEXTS)
    spans: dict[tuple[str, str, int, int], Span] = {}
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        layer, label = draw(st.sampled_from(KINDS))
        attrs = {"stance": draw(st.sampled_from(STANCES))} if layer == "claim" else {}
        key = (layer, label, start, end)
        spans.setdefault(key, Span(f"s{len(spans) + 1}", layer, start, end, label, attrs))
    ids = [s.id for s in spans.values()]
    relations: list[Relation] = []
    if len(ids) > 1:
        for _ in range(draw(st.integers(0, 4))):
            head, child = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
            relation = Relation(head, child, draw(st.sampled_from(["CLAIMANT", "CUE"])))
            if relation not in relations:
                relations.append(relation)
    labels: dict[str, str | list[str]] = {}
    if draw(st.booleans()):
        labels["stance"] = draw(st.sampled_from(STANCES))
    aset = AnnotationSet("alice", "done", list(spans.values()), relations, labels)
    # Documents record their language (an import gives them the corpus's).
    meta = {"source": draw(st.text(CHARACTERS, max_size=10)), "lang": "fr"}
    return Document("doc-1", text, meta, [aset])


def round_trip(format: str, doc: Document) -> tuple[Document, dict[str, int]]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / ("out" if format in ("brat", "webanno") else "out.data")
        report = writer(format)([doc], out, WriteOptions(scheme=SCHEME))
        (back,), _ = read(format, out, scheme=SCHEME, annotator="alice")
    return back, report.left_out


@pytest.mark.parametrize("format", list(CAN))
@settings(max_examples=40, deadline=None)
@given(doc=documents())
def test_what_a_format_can_express_comes_back_and_the_rest_is_counted(
    format: str, doc: Document
) -> None:
    attributes, answers, metadata = CAN[format]
    back, left_out = round_trip(format, doc)

    (before,) = doc.annotations
    # doccano and brat files list every document: one without annotations has no set.
    (after,) = back.annotations or [AnnotationSet("alice")]
    assert back.text == doc.text and back.id == doc.id
    assert after.annotator == "alice"
    assert span_keys(after, attributes) == span_keys(before, attributes)
    assert relation_keys(after) == relation_keys(before)
    assert after.doc_labels == (before.doc_labels if answers else {})
    if metadata:
        assert back.meta == doc.meta
    with_attrs = sum(1 for s in before.spans if s.attrs)
    lost = {
        "attributes": 0 if attributes else with_attrs,
        "answers": 0 if answers else len(before.doc_labels),
        "metadata": 0 if metadata else 1,
    }
    assert sum(left_out.values()) == sum(lost.values())


# CoNLL needs text whose tokens are separated by whitespace: single spaces within a
# line, "\n" between lines, no empty line; spans are whole tokens within one line.
TOKENS = st.text(
    st.characters(
        exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"],
        exclude_characters="\x1c\x1d\x1e\x1f\x85",
    ),
    min_size=1,
    max_size=6,
).filter(lambda t: not t.isspace() and t.split() == [t] and t != "-DOCSTART-")


@st.composite
def tokenized_documents(draw: st.DrawFn) -> Document:
    lines = draw(st.lists(st.lists(TOKENS, min_size=1, max_size=6), min_size=1, max_size=4))
    text = "\n".join(" ".join(line) for line in lines)
    spans: list[Span] = []
    offset = 0
    for line in lines:
        starts = []
        for token in line:
            starts.append((offset, offset + len(token)))
            offset += len(token) + 1
        position = 0
        while position < len(line):
            length = draw(st.integers(0, len(line) - position))
            if length and draw(st.booleans()):
                start, end = starts[position][0], starts[position + length - 1][1]
                label = draw(st.sampled_from(["PER", "ORG", "LOC", "MISC"]))
                spans.append(Span(f"s{len(spans) + 1}", "entity", start, end, label))
            position += max(length, 1)
    return Document("doc-1", text, {}, [AnnotationSet("alice", "done", spans)])


@settings(max_examples=40, deadline=None)
@given(doc=tokenized_documents())
def test_conll_gives_back_tokenized_text_and_its_spans(doc: Document) -> None:
    back, left_out = round_trip("conll", doc)

    assert back.text == doc.text
    assert span_keys(back.annotations[0]) == span_keys(doc.annotations[0])
    assert left_out == {}


@settings(max_examples=40, deadline=None)
@given(doc=documents())
def test_webanno_gives_back_the_text_spans_attributes_and_same_layer_relations(
    doc: Document,
) -> None:
    # WebAnno TSV addresses tokens: a span must start and end on a non-space character,
    # and the text before the first token can only be spaces; relations join one layer.
    (aset,) = doc.annotations
    text = doc.text
    aset.spans = [
        s for s in aset.spans if not text[s.start].isspace() and not text[s.end - 1].isspace()
    ]
    kept = {s.id: s.layer for s in aset.spans}
    aset.relations = [r for r in aset.relations if r.head in kept and r.child in kept]
    if text.strip() == "" or text[: len(text) - len(text.lstrip())].strip(" "):
        return  # nothing to tokenize, or leading whitespace the format cannot hold
    back, left_out = round_trip("webanno", doc)

    same = [r for r in aset.relations if kept[r.head] == kept[r.child]]
    assert back.text == doc.text
    (after,) = back.annotations or [AnnotationSet("alice")]
    assert span_keys(after) == span_keys(aset)
    expected = AnnotationSet("alice", spans=aset.spans, relations=same)
    assert relation_keys(after) == relation_keys(expected)
    cross = len(aset.relations) - len(same)
    assert (
        left_out.get(
            "relations between spans of different layers (a WebAnno relation layer joins one)", 0
        )
        == cross
    )
