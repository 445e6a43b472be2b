r"""The tokens that token-level agreement (Krippendorff's α over labels) is computed on.

A token is a maximal run of word characters or one character that is neither a word
character nor whitespace: the regular expression ``\w+|[^\w\s]`` with Python's Unicode
``\w`` (``str.isalnum()`` or ``_``) and ``\s`` (``str.isspace()``). "l’Oracle," gives
"l", "’", "Oracle", ",". It needs no spaCy (which costs a second to import and whose
tokens differ by language), is the same for every corpus, and cuts at least wherever
annotators' token-snapped selections can start or end in practice.

A token takes the label of the span that covers its first character (see
:func:`annotator.agreement.alpha.token_labels`).

:func:`token_starts` is the definition; :func:`token_starts_array` computes the same
offsets for a long text with numpy, which is what the agreement of 10,000 documents needs.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from numpy.typing import NDArray

TOKEN = re.compile(r"\w+|[^\w\s]")

_SPACE, _WORD, _OTHER = 0, 1, 2
_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane, classified once per process


def token_starts(text: str) -> list[int]:
    """Offsets of the first character of each token of ``text`` (the definition)."""
    return [match.start() for match in TOKEN.finditer(text)]


def _kind(char: str) -> int:
    if char.isalnum() or char == "_":
        return _WORD
    return _SPACE if char.isspace() else _OTHER


@cache
def _bmp_kinds() -> NDArray[np.uint8]:
    return np.array([_kind(chr(code)) for code in range(_TABLE_SIZE)], dtype=np.uint8)


def token_starts_array(text: str) -> NDArray[np.int64]:
    """:func:`token_starts` of ``text``, vectorised (a few ms per million characters)."""
    return np.flatnonzero(token_start_mask(text)).astype(np.int64)


def token_start_mask(text: str) -> NDArray[np.bool_]:
    """Per character of ``text``: whether a token starts there."""
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
    word = kinds == _WORD
    starts: NDArray[np.bool_] = kinds == _OTHER
    starts[0:1] |= word[0:1]
    starts[1:] |= word[1:] & ~word[:-1]
    return starts
