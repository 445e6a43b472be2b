"""The RESULT line every benchmark prints per figure (the convention of ``run_all.py``)."""

from __future__ import annotations

import json


def print_result(
    work: str, figure: str, baseline: str | None, ratio: float | None, target: str, met: bool
) -> dict[str, object]:
    """Print ``RESULT {json}`` for one measured figure, and return the record."""
    result: dict[str, object] = {
        "work": work,
        "figure": figure,
        "baseline": baseline,
        "ratio": None if ratio is None else round(ratio, 3),
        "target": target,
        "met": bool(met),
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return result
