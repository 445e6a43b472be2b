"""The agreement tokens follow each document's language where the plain rule falls short."""

from __future__ import annotations

import random

import pytest

from annotator.agreement.collect import collect
from annotator.agreement.tokens import token_starts, token_starts_array
from annotator.core.model import Document
from annotator.services.corpora import default_scheme
from tests.unit.agreement.samples import aset, span


def test_english_cuts_nt_off_as_its_own_token() -> None:
    text = "They don't agree."
    words = [text[s] for s in token_starts(text, "en")]

    assert words == ["T", "d", "n", "'", "t", "a", "."]
    assert token_starts(text, "fr") == [0, 5, 8, 9, 11, 16]  # the plain rule: "don", "'", "t"


def test_a_language_without_spaces_has_one_token_per_character() -> None:
    text = "我们爱北京。 好"

    assert token_starts(text, "zh") == [0, 1, 2, 3, 4, 5, 7]
    assert token_starts(text, "fr") == [0, 5, 7]  # \\w+ would make the sentence one token


@pytest.mark.parametrize("language", ["", "fr", "en", "zh", "ja"])
def test_the_vectorised_tokens_are_the_definition(language: str) -> None:
    rng = random.Random(language)
    alphabet = "ab n't’ 我们 ,.\u00a0\n"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert token_starts_array(text, language).tolist() == token_starts(text, language)


def test_agreement_counts_each_document_in_its_own_language() -> None:
    english = "They don't agree."
    chinese = "我们爱北京。"
    documents = [
        Document(
            doc_id, text, {"lang": lang}, [aset("alice"), aset("bob", span(text[:2], text=text))]
        )
        for doc_id, text, lang in (
            ("en", english, "en"),
            ("zh", chinese, "zh"),
            ("fr", english, "fr"),
        )
    ]

    data = collect(documents, default_scheme())

    assert data.token_counts.tolist() == [
        len(token_starts(english, "en")),
        len(chinese),
        len(token_starts(english, "fr")),
    ]
    assert data.token_counts.tolist() == [7, 6, 6]
