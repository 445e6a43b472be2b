"""Krippendorff's α: equal to the ``krippendorff`` package, over tokens as documented."""

from __future__ import annotations

import random
import re

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.agreement.alpha import nominal_alpha, token_labels
from annotator.agreement.tokens import TOKEN, token_starts, token_starts_array
from annotator.core.model import Document, Span
from annotator.core.scheme import Scheme
from tests.unit.agreement.samples import aset, data_of, document, figures_of, span


@pytest.mark.parametrize("seed", range(12))
def test_nominal_alpha_equals_the_krippendorff_package_with_missing_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    coders, units, values = rng.integers(2, 7), rng.integers(3, 200), rng.integers(2, 7)
    codes = rng.integers(-1, values, size=(coders, units))
    codes[:, 0] = 0  # at least one unit every coder coded, with the same value
    codes[:2, 1] = [0, 1]

    expected = krippendorff.alpha(
        reliability_data=np.where(codes >= 0, codes, np.nan), level_of_measurement="nominal"
    )

    assert nominal_alpha(list(codes), int(values)) == pytest.approx(expected, abs=1e-12)


def test_nominal_alpha_is_undefined_with_one_value_or_nothing_coded_twice() -> None:
    one_value = [np.array([2, 2, 2, -1]), np.array([2, 2, -1, 2])]
    never_twice = [np.array([0, -1, 1]), np.array([-1, 1, -1])]

    assert nominal_alpha(one_value, 3) is None
    assert nominal_alpha(never_twice, 3) is None
    assert nominal_alpha([np.array([0, 1])], 2) is None


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60))
def test_vectorised_tokens_are_the_regular_expression_tokens(text: str) -> None:
    assert token_starts_array(text).tolist() == token_starts(text)


def test_tokens_of_french_text_with_astral_characters_and_a_lone_surrogate() -> None:
    text = "l’Oracle, a dit\u00a0: «ok» 𝔘n 👩\u200d💻 x_y 3,5 \ud800é"

    assert token_starts_array(text).tolist() == [m.start() for m in TOKEN.finditer(text)]
    assert [text[s] for s in token_starts(text)][:5] == ["l", "’", "O", ",", "a"]


def test_a_token_takes_the_label_of_the_span_covering_its_first_character() -> None:
    text = "Jean-Pierre Dupont arrive."
    # alice's span starts inside "Pierre": only the tokens starting within it are labelled.
    alice = aset("alice", span("ierre Dupont", text=text))
    bob = aset("bob", span("Jean-Pierre Dupont", text=text))
    data = data_of(document("d1", alice, bob, text=text))

    # Tokens: Jean, -, Pierre, Dupont, arrive, .
    assert token_labels(data, "entity", "alice").tolist() == [0, 0, 0, 1, 0, 0]
    assert token_labels(data, "entity", "bob").tolist() == [1, 1, 1, 1, 0, 0]


def test_the_innermost_span_labels_tokens_in_a_layer_that_allows_overlaps() -> None:
    scheme = Scheme.from_dict(
        {"span_layers": [{"name": "topic", "overlap": True, "labels": ["WIDE", "NARROW"]}]}
    )
    text = "un deux trois quatre"
    alice = aset(
        "alice",
        span("un deux trois", "WIDE", "topic", text=text),
        span("deux", "NARROW", "topic", text=text),
    )
    bob = aset("bob", span("quatre", "WIDE", "topic", text=text))
    data = data_of(document("d1", alice, bob, text=text), scheme=scheme)

    assert token_labels(data, "topic", "alice").tolist() == [1, 2, 1, 0]
    assert token_labels(data, "topic", "bob").tolist() == [0, 0, 0, 1]


def test_tokens_of_a_document_without_the_annotators_set_are_missing() -> None:
    d1 = document("d1", aset("alice", span("Paris", "LOC")), aset("bob"))
    d2 = document(
        "d2", aset("bob", span("Paris", "LOC", text="à Paris")), aset("carol"), text="à Paris"
    )
    data = data_of(d1, d2)

    labels = token_labels(data, "entity", "alice")
    token_doc = data.per_token(np.arange(2))

    assert set(labels[token_doc == 1].tolist()) == {-1}
    assert labels[token_doc == 0].max() == 3  # LOC is the entity layer's third label


def _random_documents(seed: int) -> list[Document]:
    rng = random.Random(seed)
    words = ["Paris", "Lyon", "Marie", "Curie", "l’", "ONU", ",", "a", "dit", "«", "oui", "»"]
    documents = []
    for number in range(8):
        text = " ".join(rng.choice(words) for _ in range(rng.randrange(5, 25)))
        tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        sets = []
        for name in ("alice", "bob", "carol"):
            if rng.random() < 0.25:
                continue
            spans: list[Span] = []
            position = 0
            while position < len(tokens):
                length = rng.randrange(1, 4)
                if rng.random() < 0.4 and position + length <= len(tokens):
                    start, end = tokens[position][0], tokens[position + length - 1][1]
                    label = rng.choice(["PER", "ORG", "LOC"])
                    spans.append(Span(f"s{len(spans)}", "entity", start, end, label))
                position += length
            sets.append(aset(name, *spans))
        documents.append(document(f"d{number}", *sets, text=text))
    return documents


@pytest.mark.parametrize("seed", range(5))
def test_alpha_over_tokens_equals_the_package_on_independently_labelled_tokens(
    seed: int,
) -> None:
    documents = _random_documents(seed)
    rows: dict[str, list[float]] = {"alice": [], "bob": [], "carol": []}
    codes = {"O": 0, "PER": 1, "ORG": 2, "LOC": 3}
    for doc in documents:
        if len(doc.annotations) < 2:
            continue
        for match in re.finditer(r"\w+|[^\w\s]", doc.text):
            for name, row in rows.items():
                given_set = doc.annotation_set(name)
                if given_set is None:
                    row.append(np.nan)
                    continue
                covering = [s for s in given_set.spans if s.start <= match.start() < s.end]
                row.append(codes[covering[0].label] if covering else 0)
    expected = krippendorff.alpha(
        reliability_data=np.array(list(rows.values())), level_of_measurement="nominal"
    )

    alpha = figures_of(*documents)["layers"]["entity"]["alpha_tokens"]

    assert alpha == pytest.approx(expected, abs=1e-12)
