"""The train/dev split: decided by each document's id, so it is stable and never splits one.

A document goes to dev when a SHA-256 of ``"{seed}:{id}"``, read as a number in [0, 1),
is below the dev fraction. The decision depends on nothing else, so re-exporting a corpus
that gained documents moves none of the old ones, and every annotation set of a document
(``--from all``) lands in the same file. Python's ``hash()`` is salted per process and
would not do.

A tiny corpus can draw no dev document at all (or only dev documents): when the fraction
is above 0 and there are at least two documents, the document with the lowest score
moves to dev (with its near-copies, unless they are all of train). Train is never left
empty while there is a document: the dev document with the highest score moves back to
train (with its near-copies), so a one-document corpus (or ``--dev-fraction 0``) trains
on everything. These exceptions apply only when one side would otherwise be empty; an
empty dev is then said plainly by the export, never blamed on the data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping

from annotator.core.errors import AnnotatorError


def check_fraction(fraction: float) -> None:
    if not 0.0 <= fraction < 1.0:
        raise AnnotatorError(
            f"--dev-fraction must be at least 0 and below 1 (got {fraction}); "
            "0.2 puts about a fifth of the documents in dev.spacy"
        )


def score(doc_id: str, seed: int) -> float:
    """The document's place in [0, 1) for this seed."""
    digest = hashlib.sha256(f"{seed}:{doc_id}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def goes_to_dev(doc_id: str, fraction: float, seed: int) -> bool:
    return score(doc_id, seed) < fraction


def rebalance(
    train: Collection[str],
    dev: Collection[str],
    fraction: float,
    seed: int,
    clusters: Mapping[str, str] | None = None,
) -> list[str]:
    """The documents to move so that neither side is empty; empty when none must move.

    Gives dev documents (to move to train) when train is empty, whatever the fraction and
    however few documents there are; train documents (to move to dev) when dev is empty,
    the fraction is above 0 and there are at least two documents. ``clusters`` maps a
    document to its cluster of near-copies: a cluster moves whole (its key's score decides,
    as it decided its side), and a move to dev never takes the last of train, so a corpus
    that is one cluster trains on everything and says dev is empty.
    """
    clusters = clusters or {}

    def key(doc_id: str) -> str:
        return clusters.get(doc_id, doc_id)

    def group(first: str, side: Collection[str]) -> list[str]:
        return [d for d in side if key(d) == key(first)]

    if not train and dev:
        return group(max(dev, key=lambda d: (score(key(d), seed), key(d))), dev)
    if not dev and fraction > 0.0 and len(train) >= 2:
        for first in sorted(train, key=lambda d: (score(key(d), seed), key(d))):
            moving = group(first, train)
            if len(moving) < len(train):
                return moving
    return []
