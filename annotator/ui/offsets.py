"""Converting between stored offsets and Qt document positions: the one place it is done.

Stored offsets count Python code points. A ``QTextDocument`` holding the same text counts
UTF-16 code units (a character outside the BMP, such as most emoji, takes two) and turns
each ``\\r\\n`` pair into a single block separator (a lone ``\\r``, ``\\n`` or U+2029 is one
separator, as is one code point). U+2028 and NBSP stay single characters. Everything else
maps one to one, so only those two cases shift positions; they are kept as sorted event
lists and looked up by bisection. Text is never re-read from the widget
(``toPlainText`` rewrites NBSP and line breaks).
"""

from __future__ import annotations

import bisect
import re

# Two scans with a single pattern each: a regex alternation is several times slower on
# a long text, and opening a document waits for this.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CRLF = re.compile("\r\n")


class OffsetMap:
    """Code point offsets of one text <-> positions in a ``QTextDocument`` of that text."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        # For each shift: the code point offset after which it applies, and the running
        # delta (qt - code point) from there on.
        self._cp: list[int] = []
        self._qt: list[int] = []
        self._delta: list[int] = []
        delta = 0
        crlf = [m.start() for m in _CRLF.finditer(text)]
        astral = [m.start() for m in _ASTRAL.finditer(text)]
        crlf_at = set(crlf)
        for start in sorted(crlf + astral):
            after = start + 1  # the code point offset from which the shift applies
            if start in crlf_at:
                # "\r" and "\n" share one Qt position, which maps back to the "\r" so
                # that a selection ending at a line end does not take the "\r" in.
                delta -= 1
                self._qt.append(after + delta + 1)
            else:
                # A surrogate pair: a Qt position inside it maps to the character's end.
                delta += 1
                self._qt.append(after + delta)
            self._cp.append(after)
            self._delta.append(delta)
        self.qt_length = self.length + delta

    def to_qt(self, offset: int) -> int:
        """The Qt position of code point ``offset`` (0..len(text))."""
        index = bisect.bisect_right(self._cp, offset) - 1
        return offset if index < 0 else offset + self._delta[index]

    def from_qt(self, position: int) -> int:
        """The code point offset of Qt ``position`` (0..qt_length)."""
        index = bisect.bisect_right(self._qt, position) - 1
        offset = position if index < 0 else position - self._delta[index]
        return min(max(offset, 0), self.length)
