"""Token boundaries for snapping selections, from the document language's spaCy tokenizer.

spaCy is imported on first use, never at start-up. The tokenizer of a language is the
export's (:func:`annotator.nlp.language.blank`), so a selection snaps to the tokens the
exported examples have.
"""

from __future__ import annotations

import bisect
import threading
from functools import lru_cache
from typing import Any

from annotator.nlp.language import blank

_LOADING = threading.Lock()


def tokenizer_for(language: str) -> Any:
    """The spaCy tokenizer of ``language`` (see :func:`_tokenizer_for`), loaded by one
    thread at a time: two documents opened while spaCy first loads wait for one load
    instead of importing and building it twice at once."""
    with _LOADING:
        return _tokenizer_for(language)


@lru_cache(maxsize=16)
def _tokenizer_for(language: str) -> Any:
    """The spaCy tokenizer of ``language`` (the ``xx`` one when spaCy has none for it).

    Cached per language: the first call for a language costs spaCy's import and the
    tokenizer's construction (about a second), later calls nothing, so the window can
    call it in the background when a document in a new language opens.
    """
    return blank(language).tokenizer


class TokenBounds:
    """The tokens of one text, as sorted start and end offsets (code points)."""

    def __init__(self, text: str, language: str) -> None:
        doc = tokenizer_for(language)(text)
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
