"""``read_ahead``: a corpus read by a thread, one batch ahead of the caller (issue 20)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from annotator.store.row_reads import read_ahead


class Source:
    """Numbered items, with where they were made and whether the source was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.threads: set[str] = set()
        self.made = 0
        self.closed = threading.Event()

    def __call__(self) -> Iterator[int]:
        try:
            for number in range(self.count):
                self.threads.add(threading.current_thread().name)
                if number == self.fail_at:
                    raise OSError(f"disk error at {number}")
                self.made += 1
                yield number
        finally:
            self.threads.add(threading.current_thread().name)
            self.closed.set()


def test_every_item_comes_in_order_made_in_another_thread() -> None:
    source = Source(50)

    assert list(read_ahead(source)) == list(range(50))
    assert source.threads == {"annotator-read-ahead"}
    assert source.closed.is_set()


def test_an_error_of_the_source_reaches_the_caller_after_the_items_before_it() -> None:
    source = Source(10, fail_at=4)
    seen = []

    with pytest.raises(OSError, match="disk error at 4"):
        for item in read_ahead(source):
            seen.append(item)

    assert seen == [0, 1, 2, 3]


def test_a_caller_that_stops_early_closes_the_source_in_its_thread() -> None:
    source = Source(1_000)
    items = read_ahead(source)

    assert next(items) == 0
    items.close()

    assert source.closed.is_set()
    assert source.made < 10  # at most a batch or two ahead, not the whole source
    assert source.threads == {"annotator-read-ahead"}
    assert not any(t.name == "annotator-read-ahead" for t in threading.enumerate())
