"""The scripted work of the SIGKILL soak (``test_soak.py``): a deterministic stream of
annotation edits and the files of the import runs.

The edit at step ``n`` depends only on the seed, ``n`` and the set as it is before it,
so the process being killed and the checker compute the same stream: the checker
replays it in memory and compares the corpus with the state after exactly as many
edits as the set's revision counts (each committed edit adds 1 to it).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from annotator.core.edits import (
    AddRelation,
    AddSpan,
    Compound,
    Edit,
    RemoveRelation,
    RemoveSpan,
    SetAttr,
    SetDocLabel,
    SetLabel,
    SetStatus,
)
from annotator.core.model import STATUSES, AnnotationSet, Relation, Span

DOC_ID = "soak"
ANNOTATOR = "alice"
SENTENCE = (
    "Le ministre Jean\u00a0Dupont a déclaré que la société Oracle, basée à Austin 🇺🇸, "
    "hébergera les données.\r\n"
)
TEXT = SENTENCE * 6
SLOT = 12
"""Entities sit in slots of this many characters, so that they never overlap."""
MAX_SPANS = 40
ENTITY_LABELS = ("PER", "ORG", "LOC", "MISC")
STANCES = ("FAVOR", "AGAINST", "NONE")


def next_edit(seed: int, step: int, aset: AnnotationSet) -> Edit:
    """The edit at ``step`` of the stream ``seed``, valid on ``aset`` (the state after
    ``step`` edits): spans added, removed, relabelled, linked; stances, answers, status."""
    rng = random.Random(seed * 1_000_003 + step)
    entities = [s for s in aset.spans if s.layer == "entity"]
    claims = [s for s in aset.spans if s.layer == "claim"]
    roll = rng.random()
    if len(aset.spans) >= MAX_SPANS or (roll < 0.15 and aset.spans):
        return RemoveSpan(rng.choice(aset.spans).id)
    if roll < 0.45:
        return _add(rng, step, aset, entities)
    if roll < 0.55 and entities:
        return SetLabel(rng.choice(entities).id, rng.choice(ENTITY_LABELS))
    if roll < 0.65 and claims:
        return SetAttr(rng.choice(claims).id, "stance", rng.choice([*STANCES, None]))
    if roll < 0.75 and claims and entities:
        link = Relation(rng.choice(claims).id, rng.choice(entities).id, "CLAIMANT")
        if link not in aset.relations:
            return AddRelation(link)
    if roll < 0.82 and aset.relations:
        return RemoveRelation(rng.choice(aset.relations))
    if roll < 0.92:
        return SetDocLabel("stance", rng.choice([*STANCES, None]))
    return SetStatus(rng.choice(STATUSES))


def _add(rng: random.Random, step: int, aset: AnnotationSet, entities: list[Span]) -> Edit:
    taken = {s.start // SLOT for s in entities}
    free = [k for k in range(len(TEXT) // SLOT) if k not in taken]
    kind = rng.random()
    if kind < 0.5 and free:
        start = rng.choice(free) * SLOT
        label = rng.choice(ENTITY_LABELS)
        return AddSpan(Span(f"e{step}", "entity", start, start + rng.randint(3, SLOT), label))
    start = rng.randrange(len(TEXT) - 30)
    end = start + rng.randint(5, 30)
    if kind < 0.75:
        return AddSpan(Span(f"u{step}", "cue", start, min(end, start + 9), "CUE", origin="manual"))
    claim = Span(f"c{step}", "claim", start, end, "CLAIM", {"stance": rng.choice(STANCES)})
    if not entities:
        return AddSpan(claim)
    # A claim with its claimant, in one transaction (as the window's "claim by" does).
    link = Relation(claim.id, rng.choice(entities).id, "CLAIMANT")
    return Compound((AddSpan(claim), AddRelation(link)))


def import_file(path: Path, prefix: str, documents: int, spans: int = 4) -> Path:
    """A JSONL file of ``documents`` short annotated articles with ids ``prefix-N``."""
    entities = [
        {"id": f"s{j}", "layer": "entity", "start": SLOT * j, "end": SLOT * j + 5,
         "label": ENTITY_LABELS[j % 4]}
        for j in range(spans)
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for n in range(documents):
            record = {
                "id": f"{prefix}-{n}",
                "text": f"{SENTENCE}{prefix} {n}",
                "annotations": [{"annotator": "importer", "status": "done", "spans": entities}],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
