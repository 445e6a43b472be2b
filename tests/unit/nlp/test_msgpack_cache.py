"""srsly's msgpack plugin lookup is done once inside the cache, and restored after."""

from __future__ import annotations

import time

import srsly
import srsly.msgpack

from annotator.nlp.msgpack_cache import entry_points_cached

PAYLOAD = {"set": {"spans": [{"id": "s1", "start": 0, "end": 5}] * 20}, "n": (1, 2)}


def per_call(calls: int = 300) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        srsly.msgpack_dumps(PAYLOAD)
    return (time.perf_counter() - started) / calls


def test_the_cache_gives_the_same_bytes_and_is_removed_afterwards() -> None:
    plain = srsly.msgpack_dumps(PAYLOAD)
    with entry_points_cached():
        assert srsly.msgpack_dumps(PAYLOAD) == plain
        assert srsly.msgpack_loads(plain) == srsly.msgpack_loads(plain)
        assert "get_all" in vars(srsly.msgpack.msgpack_encoders)
    assert "get_all" not in vars(srsly.msgpack.msgpack_encoders)
    assert "get_all" not in vars(srsly.msgpack.msgpack_decoders)


def test_nested_blocks_keep_the_cache_until_the_outer_one_ends() -> None:
    with entry_points_cached():
        with entry_points_cached():
            pass
        assert "get_all" in vars(srsly.msgpack.msgpack_encoders)
    assert "get_all" not in vars(srsly.msgpack.msgpack_encoders)


def test_the_cache_makes_msgpack_calls_several_times_faster() -> None:
    per_call(20)
    without = per_call()
    with entry_points_cached():
        cached = per_call()
    assert cached * 5 < without
