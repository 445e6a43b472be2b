"""Token boundaries for snapping selections, from the corpus language's spaCy tokenizer.

spaCy is imported on first use, never at start-up.
"""

from __future__ import annotations

import bisect
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4)
def _tokenizer(language: str) -> Any:
    import spacy

    try:
        return spacy.blank(language).tokenizer
    except (ImportError, KeyError, ValueError):
        # A language spaCy has no defaults for: the multi-language tokenizer still splits
        # on spaces and punctuation.
        return spacy.blank("xx").tokenizer


class TokenBounds:
    """The tokens of one text, as sorted start and end offsets (code points)."""

    def __init__(self, text: str, language: str) -> None:
        doc = _tokenizer(language)(text)
        self.starts = [token.idx for token in doc if not token.is_space]
        self.ends = [token.idx + len(token.text) for token in doc if not token.is_space]

    def snap(self, start: int, end: int) -> tuple[int, int] | None:
        """The smallest run of whole tokens covering every token ``[start, end)`` touches.

        Returns None when the selection touches no token (only white space).
        """
        first = bisect.bisect_right(self.ends, start)  # first token ending after start
        last = bisect.bisect_left(self.starts, end) - 1  # last token starting before end
        if first >= len(self.starts) or last < first:
            return None
        return self.starts[first], self.ends[last]

    def token_at(self, offset: int) -> tuple[int, int] | None:
        """The token containing ``offset``, if any."""
        index = bisect.bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.ends[index]:
            return self.starts[index], self.ends[index]
        return None
