"""The claims table (``annotator export C OUT --format claims``): one row per claim.

Who claims what, for a lead's analysis: a CSV file (RFC 4180, UTF-8, a header row), or
JSON Lines when ``OUT`` ends in ``.jsonl``, with the same fields. Columns, in order:

``document``, ``annotator``, ``claim_id``, ``claim_start``, ``claim_end``,
``claim_text``, ``claimant_id``, ``claimant_start``, ``claimant_end``,
``claimant_text``, ``unattributed``, ``actor_id``, ``actor_name``, ``actor_kind``,
``kb_id``, ``cue_text``, ``stance``.

Offsets are code points, end exclusive, as everywhere; the text of a span in pieces is
its pieces joined by " … " (its offsets are its first start and last end). A claim
without a claimant, actor, cue or stance has empty cells (``null`` in JSON Lines);
``unattributed`` is ``true``/``false``. The actor is the claimant's link, followed
through merges to the actor kept. The table is written, never read back (use ``jsonl`` for that).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError
from annotator.core.model import Document
from annotator.core.who_claims import ClaimRecord, claim_layer_of, claim_records
from annotator.formats import WriteOptions, WriteReport
from annotator.formats.atomic import atomic_text_writer

SUFFIXES = (".csv", ".jsonl")
COLUMNS = (
    "document", "annotator", "claim_id", "claim_start", "claim_end", "claim_text",
    "claimant_id", "claimant_start", "claimant_end", "claimant_text", "unattributed",
    "actor_id", "actor_name", "actor_kind", "kb_id", "cue_text", "stance",
)  # fmt: skip


def row(record: ClaimRecord) -> dict[str, Any]:
    """A claim as one row of the table (None where there is nothing)."""
    claimant, actor = record.claimant, record.actor
    return {
        "document": record.document,
        "annotator": record.annotator,
        "claim_id": record.claim.id,
        "claim_start": record.claim.start,
        "claim_end": record.claim.end,
        "claim_text": record.claim_text,
        "claimant_id": claimant.id if claimant else None,
        "claimant_start": claimant.start if claimant else None,
        "claimant_end": claimant.end if claimant else None,
        "claimant_text": record.claimant_text,
        "unattributed": record.unattributed,
        "actor_id": actor.id if actor else None,
        "actor_name": actor.name if actor else None,
        "actor_kind": actor.kind if actor else None,
        "kb_id": actor.kb_id if actor else None,
        "cue_text": record.cue_text,
        "stance": record.stance,
    }


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    if options.scheme is None:
        raise AnnotatorError("the claims table needs the corpus scheme")
    layer = claim_layer_of(options.scheme)
    if layer is None:
        raise AnnotatorError("the scheme has no claims (no CLAIMANT relation, no claim layer)")
    report = WriteReport(files=[str(out)])
    as_json = Path(out).suffix.lower() == ".jsonl"
    with atomic_text_writer(Path(out)) as handle:
        table = None if as_json else csv.DictWriter(handle, COLUMNS)
        if table is not None:
            table.writeheader()
        for doc in documents:
            report.documents += 1
            for aset in doc.annotations:
                for record in claim_records(doc, aset, layer, options.actors):
                    report.spans += 1
                    values = row(record)
                    if table is None:
                        text = json.dumps(values, ensure_ascii=False)
                        handle.write(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
                        handle.write("\n")
                    else:
                        table.writerow(
                            {
                                k: ("true" if v else "false") if isinstance(v, bool) else v
                                for k, v in values.items()
                            }
                        )
    return report
