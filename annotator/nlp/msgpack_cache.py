"""Keep srsly's msgpack from rescanning installed packages on every call (DESIGN §12).

``srsly.msgpack_dumps`` and ``msgpack_loads`` look up their encoder and decoder plugins
through ``catalogue`` registries that read the installed packages' entry points on every
call (0.1-0.3 ms each). ``DocBin.add`` calls ``msgpack_dumps`` once per span group, once
for the groups and once for ``user_data``, so an export of many documents paid more for
that scan than for tokenizing. While :func:`entry_points_cached` is active, the registries
answer from one scan made on entry; they are restored when the last user leaves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_users = 0


def _registries() -> tuple[Any, ...]:
    import srsly.msgpack

    return (srsly.msgpack.msgpack_encoders, srsly.msgpack.msgpack_decoders)


@contextmanager
def entry_points_cached() -> Iterator[None]:
    """Within the block, srsly's msgpack plugins are looked up once, not on every call.

    Re-entrant and thread-safe: nested or concurrent blocks share one cache, removed
    when the last block ends. The answers are the same as without the cache (entry
    points do not change while a process runs an export).
    """
    global _users
    with _lock:
        if _users == 0:
            for registry in _registries():
                found = registry.get_all()
                # An instance attribute shadows catalogue.Registry.get_all.
                registry.get_all = lambda found=found: found
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                for registry in _registries():
                    del registry.get_all
