r"""The tokens that token-level agreement (Krippendorff's α over labels) is computed on.

A token is a maximal run of word characters or one character that is neither a word
character nor whitespace: the regular expression ``\w+|[^\w\s]`` with Python's Unicode
``\w`` (``str.isalnum()`` or ``_``) and ``\s`` (``str.isspace()``). "l’Oracle," gives
"l", "’", "Oracle", ",". It needs no spaCy (which costs a second to import and whose
tokens differ by language), is the same for every corpus, and cuts at least wherever
annotators' token-snapped selections can start or end in practice.

The document's language (``meta.lang``, else the corpus language) refines the rule where
the regular expression would join what annotators can tell apart:

- in languages written without spaces between words (Chinese, Japanese, Thai, Lao,
  Khmer, Burmese, Tibetan), every character that is not whitespace is a token: ``\w+``
  would make a whole sentence one token;
- in English, "n't" is a token of its own ("do", "n't", as spaCy's English tokenizer
  has it), so that a span on "do" in "don't" does not label the whole word.

A token takes the label of the span that covers its first character (see
:func:`annotator.agreement.alpha.token_labels`).

:func:`token_starts` is the definition; :func:`token_starts_array` computes the same
offsets for a long text with numpy, which is what the agreement of 10,000 documents needs.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

TOKEN = re.compile(r"\w+|[^\w\s]")

UNSPACED: Final = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})
"""Languages written without spaces between words: one token per character."""

#: Per language, where tokens start besides the starts of :data:`TOKEN`.
EXTRA_STARTS: Final = {"en": re.compile(r"(?<=\w)n(?=['’]t(?!\w))")}

_SPACE, _WORD, _OTHER = 0, 1, 2
_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane, classified once per process


def token_starts(text: str, language: str = "") -> list[int]:
    """Offsets of the first character of each token of ``text`` in ``language`` (the
    definition)."""
    if language in UNSPACED:
        return [offset for offset, char in enumerate(text) if not char.isspace()]
    starts = {match.start() for match in TOKEN.finditer(text)}
    extra = EXTRA_STARTS.get(language)
    if extra is not None:
        starts.update(match.start() for match in extra.finditer(text))
    return sorted(starts)


def has_own_rules(language: str) -> bool:
    """Whether ``language`` cuts tokens otherwise than the plain regular expression."""
    return language in UNSPACED or language in EXTRA_STARTS


def refine_mask(mask: NDArray[np.bool_], text: str, language: str) -> None:
    """Turn the plain :func:`token_start_mask` of ``text`` into ``language``'s, in place."""
    if language in UNSPACED:
        mask[:] = _kinds(text) != _SPACE
        return
    extra = EXTRA_STARTS.get(language)
    if extra is not None:
        for match in extra.finditer(text):
            mask[match.start()] = True


def _kind(char: str) -> int:
    if char.isalnum() or char == "_":
        return _WORD
    return _SPACE if char.isspace() else _OTHER


@cache
def _bmp_kinds() -> NDArray[np.uint8]:
    return np.array([_kind(chr(code)) for code in range(_TABLE_SIZE)], dtype=np.uint8)


def token_starts_array(text: str, language: str = "") -> NDArray[np.int64]:
    """:func:`token_starts` of ``text``, vectorised (a few ms per million characters)."""
    mask = token_start_mask(text)
    if has_own_rules(language):
        refine_mask(mask, text, language)
    return np.flatnonzero(mask).astype(np.int64)


def token_start_mask(text: str) -> NDArray[np.bool_]:
    """Per character of ``text``: whether a token starts there (the plain rule, of every
    language without rules of its own)."""
    kinds = _kinds(text)
    word = kinds == _WORD
    starts: NDArray[np.bool_] = kinds == _OTHER
    starts[0:1] |= word[0:1]
    starts[1:] |= word[1:] & ~word[:-1]
    return starts


def _kinds(text: str) -> NDArray[np.uint8]:
    """Per character of ``text``: space, word or other."""
    table = _bmp_kinds()
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    if not ((units >= 0xD800) & (units < 0xE000)).any():
        kinds = table[units]  # one code unit per character: the common, fast case
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        kinds = table[np.minimum(codes, _TABLE_SIZE - 1)]
        astral = np.flatnonzero(codes >= _TABLE_SIZE)
        found, where = np.unique(codes[astral], return_inverse=True)
        kinds[astral] = np.array([_kind(chr(int(code))) for code in found], np.uint8)[where]
    result: NDArray[np.uint8] = kinds
    return result
