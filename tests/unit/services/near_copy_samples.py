"""News-like articles with planted wire copies, for the near-copy tests.

Each article is ten paragraphs of words drawn from the seed articles' vocabulary (so
distinct articles share almost no five-word shingle); a copy is the same story lightly
edited as outlets do: a new headline, a byline added, a paragraph cut, a few words
changed.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
VOCABULARY = sorted(
    {w for p in SEEDS.glob("*.txt") for w in re.findall(r"\w+", p.read_text("utf-8").lower())}
)


def article(seed: int, paragraphs: int = 10, words: int = 60) -> list[str]:
    rng = random.Random(seed)
    headline = " ".join(rng.choice(VOCABULARY) for _ in range(8)).capitalize()
    body = [
        " ".join(rng.choice(VOCABULARY) for _ in range(words)).capitalize() + "."
        for _ in range(paragraphs)
    ]
    return [headline, *body]


def text_of(parts: list[str]) -> str:
    return "\n\n".join(parts)


def edited_headline(parts: list[str]) -> str:
    return text_of(["EXCLUSIF — " + parts[0].upper() + " selon l'agence", *parts[1:]])


def with_byline(parts: list[str]) -> str:
    return text_of([parts[0], "Par AFP, publié le 3 décembre 2026 à 10h12", *parts[1:]])


def cut_paragraph(parts: list[str], which: int = 5) -> str:
    return text_of(parts[:which] + parts[which + 1 :])


def words_changed(parts: list[str], every: int = 60) -> str:
    """One word in ``every`` replaced (a typo fixed, a name spelled out)."""
    words = text_of(parts).split(" ")
    return " ".join("modifié" if i % every == every // 2 else w for i, w in enumerate(words))
