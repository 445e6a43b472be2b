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
# a long text. The text is scanned a chunk at a time, only as far as positions are asked
# for, so that showing the first screen of a long article does not wait for the rest.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CRLF = re.compile("\r\n")
_CHUNK = 1 << 16  # code points


class OffsetMap:
    """Code point offsets of one text <-> positions in a ``QTextDocument`` of that text."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._text = text
        # For each shift: the code point offset after which it applies, its Qt position,
        # and the running delta (qt - code point) from there on.
        self._cp: list[int] = []
        self._qt: list[int] = []
        self._delta: list[int] = []
        self._scanned = 0  # the shifts of code points [0, _scanned) are known
        self._scanned_delta = 0  # the delta at _scanned

    @property
    def qt_length(self) -> int:
        """The length of the text in Qt positions."""
        self._scan_to(self.length)
        return self.length + self._scanned_delta

    def to_qt(self, offset: int) -> int:
        """The Qt position of code point ``offset`` (0..len(text))."""
        if offset > self._scanned:
            self._scan_to(offset)
        index = bisect.bisect_right(self._cp, offset) - 1
        return offset if index < 0 else offset + self._delta[index]

    def from_qt(self, position: int) -> int:
        """The code point offset of Qt ``position`` (0..qt_length)."""
        # A shift not scanned yet lies at a Qt position past _scanned + _scanned_delta.
        while self._scanned < self.length and self._scanned + self._scanned_delta < position:
            self._scan_to(self._scanned + 1)
        index = bisect.bisect_right(self._qt, position) - 1
        offset = position if index < 0 else position - self._delta[index]
        return min(max(offset, 0), self.length)

    def _scan_to(self, offset: int) -> None:
        """Find the shifts before code point ``offset``, whole chunks at a time."""
        text = self._text
        delta = self._scanned_delta
        while self._scanned < min(offset, self.length):
            begin = self._scanned
            end = min(begin + _CHUNK, self.length)
            # A pair starting at end - 1 belongs to this chunk, one starting at end does not.
            crlf = [m.start() for m in _CRLF.finditer(text, begin, end + 1)]
            astral = [m.start() for m in _ASTRAL.finditer(text, begin, end)]
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
            self._scanned = end
            self._scanned_delta = delta
