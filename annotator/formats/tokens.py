"""Token offsets for the formats that need tokens (Prodigy, CoNLL), without spaCy.

Exports must express every span, so tokens are cut at every span boundary as well as
where the tokenizer would cut: a span never starts or ends inside a token. Importing
spaCy costs a second and its tokens would still need this splitting, so a regular
expression does the job.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import NamedTuple

WORDS = re.compile(r"\w+|[^\w\s]")
"""Words and single punctuation marks ("Paris," -> "Paris", ","), as Prodigy shows them."""

NON_SPACE = re.compile(r"\S+")
"""Runs of non-whitespace ("U.N." stays one token), as CoNLL files hold them."""


class Token(NamedTuple):
    """``text[start:end]``, a token of a document (a tuple: documents have many)."""

    start: int
    end: int


def tokenize(text: str, pattern: re.Pattern[str], boundaries: Iterable[int] = ()) -> Tokens:
    """Tokens of ``text`` matched by ``pattern``, also cut at each offset in ``boundaries``.

    Args:
        text: the document text.
        pattern: what a token is (:data:`WORDS` or :data:`NON_SPACE`).
        boundaries: offsets where a token must end (span starts and ends).
    """
    cuts = sorted(set(boundaries))
    tokens: list[Token] = []
    for match in pattern.finditer(text):
        start, end = match.span()
        cut = bisect.bisect_right(cuts, start)
        while cut < len(cuts) and cuts[cut] < end:
            tokens.append(Token(start, cuts[cut]))
            start = cuts[cut]
            cut += 1
        tokens.append(Token(start, end))
    return Tokens(tokens)


class Tokens(list[Token]):
    """Tokens in text order, with a lookup of the tokens a span covers."""

    def __init__(self, tokens: Iterable[Token] = ()) -> None:
        super().__init__(tokens)
        self._starts = [token.start for token in self]

    def covered(self, start: int, end: int) -> tuple[int, int] | None:
        """The indexes of the first and last token inside ``text[start:end]``, or None.

        Whitespace at the edges of a span is in no token, so the tokens may cover a
        little less than the span.
        """
        first = bisect.bisect_left(self._starts, start)
        last = first
        while last < len(self) and self[last].end <= end:
            last += 1
        return (first, last - 1) if last > first else None
