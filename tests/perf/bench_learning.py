"""Benchmark (issue 21): the model in the loop, with a simulated annotator and an oracle.

Texts: paragraphs of the French manual pages of Debian's ``manpages-fr`` package (real
French prose, about 300 of them, at most two per page, 150 to 900 characters, with at
least one entity). Get them with ``apt-get install manpages-fr``; the benchmark says so
and stops when ``/usr/share/man/fr`` has none.

Oracle: ``fr_core_news_md``'s entities (``pip install -e '.[perf]'`` brings it). The
learner never sees that model: it is trained from scratch (``--base blank``) by the
app's own training (:mod:`annotator.nlp.learning`: the export's efficiency config,
``ner`` and the entity span categorizer that scores it) on the oracle's annotations of
the documents "annotated" so far.

For each order, **random** and **uncertainty** (the pool's most uncertain documents first,
as Go › Next most uncertain document picks them, :mod:`annotator.nlp.scoring`):

- the learner is trained after 10, 25, 50 and 100 documents; its dev F1 (entities,
  exact, on 60 held-out documents) is printed;
- the next documents are annotated from its suggestions: the corrections a document
  needs are the spans to add, remove or relabel to turn the suggestions into the
  oracle's; annotating from nothing needs one addition per oracle entity. The figure
  that matters: corrections per document with the model trained on 50 documents (on the
  documents 51 to 100), as a ratio to annotating from nothing.

Run: ``nice python3 tests/perf/bench_learning.py [MAX_STEPS]`` (default 800 steps per
training: about 8 CPU-minutes and 0.8 GB, 35 minutes of wall time on two cores shared with
other work; 250 steps take a third of that) or ``pytest tests/perf/bench_learning.py -m
perf -s``. The learner is trained from scratch at each checkpoint (as a retraining in the
window does), on the documents annotated so far, evaluated once at the end of its steps.
"""

from __future__ import annotations

import gzip
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.perf.results import print_result

MAN = Path("/usr/share/man/fr")
CHECKPOINTS = (10, 25, 50, 100)
DEV = 60
POOL = 260
SEED = 21
MAX_STEPS = 800
_FONT = re.compile(r"\\f(\[[^\]]*\]|\(..|.)")
_NAMED = {r"\(em": "—", r"\(en": "–", r"\(aq": "'", r"\(lq": "«", r"\(rq": "»", r"\-": "-"}


def man_paragraphs(limit: int) -> list[str]:
    """Prose paragraphs of the French man pages, in a fixed order."""
    pages = sorted(MAN.glob("man[1-8]/*.gz"))
    found: list[str] = []
    for page in pages:
        try:
            source = gzip.decompress(page.read_bytes()).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        taken = 0
        for paragraph in _paragraphs(source):
            if 150 <= len(paragraph) <= 900 and paragraph.count(" ") > 20:
                found.append(paragraph)
                taken += 1
                if taken == 2:
                    break
        if len(found) >= limit:
            break
    return found


def _paragraphs(source: str) -> list[str]:
    paragraphs, lines = [], []
    for raw in source.splitlines():
        if raw.startswith((".", "'")):
            macro, _, rest = raw.partition(" ")
            if macro in (".B", ".I", ".BR", ".IR", ".RB", ".RI", ".BI", ".IB") and rest:
                lines.append(rest.replace('"', ""))
                continue
            if lines:
                paragraphs.append(" ".join(lines))
            lines = []
            continue
        lines.append(raw)
    if lines:
        paragraphs.append(" ".join(lines))
    cleaned = []
    for text in paragraphs:
        for escape, char in _NAMED.items():
            text = text.replace(escape, char)
        text = _FONT.sub("", text)
        text = re.sub(r"\\\(..|\\\*.|\\.", "", text)
        cleaned.append(re.sub(r"\s+", " ", text).strip())
    return cleaned


def corrections(suggested: set[tuple[int, int, str]], oracle: set[tuple[int, int, str]]) -> int:
    """Spans to add, remove or relabel to turn ``suggested`` into ``oracle``."""
    relabel = {(s, e) for s, e, _ in suggested - oracle} & {
        (s, e) for s, e, _ in oracle - suggested
    }
    removed = {x for x in suggested - oracle if (x[0], x[1]) not in relabel}
    added = {x for x in oracle - suggested if (x[0], x[1]) not in relabel}
    return len(relabel) + len(removed) + len(added)


class Simulation:
    def __init__(self, max_steps: int, work: Path) -> None:
        import spacy
        from spacy.util import load_config

        from annotator.nlp.config import training_config

        self.max_steps = max_steps
        self.work = work
        oracle = spacy.load("fr_core_news_md")
        self.blank = spacy.blank("fr")
        texts = [t for t in man_paragraphs(2 * (POOL + DEV)) if t]
        docs = []
        for text in texts:
            gold = self.blank.make_doc(text)
            spans = [
                gold.char_span(e.start_char, e.end_char, e.label_, alignment_mode="expand")
                for e in oracle(text).ents
            ]
            kept = spacy.util.filter_spans([s for s in spans if s is not None])
            if kept:
                gold.ents = kept
                gold.spans["entity"] = list(kept)
                docs.append(gold)
        random.Random(SEED).shuffle(docs)
        if len(docs) < POOL + DEV:
            raise SystemExit(f"only {len(docs)} texts with entities; need {POOL + DEV}")
        self.dev, self.pool = docs[:DEV], docs[DEV : DEV + POOL]
        self.dev_path = self._docbin("dev", self.dev)
        config, _ = training_config("fr", True, {}, None)
        self.base_config = load_config_from(config, load_config)

    def _docbin(self, name: str, docs: list[Any]) -> Path:
        from spacy.tokens import DocBin

        path = self.work / f"{name}.spacy"
        DocBin(docs=docs).to_disk(path)
        return path

    def train(self, docs: list[Any], tag: str) -> tuple[Any, float, float]:
        from annotator.nlp.learning import learner_config, train

        longest = max(len(e) for d in docs for e in d.ents)
        config = learner_config(
            self.base_config,
            train_path=self._docbin(f"train-{tag}", docs),
            dev_path=self.dev_path,
            max_steps=self.max_steps,
            eval_frequency=self.max_steps,
            entity_key="entity",
            entity_tokens=min(longest, 8),
            seed=SEED,
        )
        began = time.perf_counter()
        result = train(config, self.work / tag)
        import spacy

        return spacy.load(result.model_last), result.scores["ner"]["f"], time.perf_counter() - began

    def run(self, order: str) -> dict[str, Any]:
        from annotator.nlp.scoring import predict

        rng = random.Random(SEED)
        left = list(range(len(self.pool)))
        rng.shuffle(left)
        done = [left.pop() for _ in range(CHECKPOINTS[0])]
        curve, per_doc, seconds = {}, {}, 0.0
        for number, checkpoint in enumerate(CHECKPOINTS):
            nlp, f1, spent = self.train([self.pool[i] for i in done], f"{order}-{checkpoint}")
            seconds += spent
            curve[checkpoint] = f1
            print(
                f"  {order}: trained on {checkpoint} docs in {spent:.0f} s, dev F1 {f1:.3f}",
                flush=True,
            )
            if number + 1 == len(CHECKPOINTS):
                break
            wanted = CHECKPOINTS[number + 1] - checkpoint
            texts = [self.pool[i].text for i in left]
            found = list(predict(nlp, texts, "entity"))
            if order == "uncertainty":
                ranked = sorted(range(len(left)), key=lambda k: -found[k].uncertainty)
            else:
                ranked = list(range(len(left)))
            chosen = ranked[:wanted]
            fixes = nothing = 0
            for k in chosen:
                gold = {(e.start_char, e.end_char, e.label_) for e in self.pool[left[k]].ents}
                suggested = {(e.start, e.end, e.label) for e in found[k].entities}
                fixes += corrections(suggested, gold)
                nothing += len(gold)
            per_doc[checkpoint] = (fixes / wanted, nothing / wanted)
            picked = {left[k] for k in chosen}
            done += [i for i in left if i in picked]
            left = [i for i in left if i not in picked]
        return {"curve": curve, "corrections": per_doc, "seconds": seconds}


def load_config_from(config: Any, load_config: Any) -> Any:
    """The filled config as the export writes it to ``config.cfg`` and reads it back."""
    path = Path(tempfile.mkdtemp()) / "config.cfg"
    path.write_text(config.to_str(), encoding="utf-8")
    return load_config(path)


def main(max_steps: int = MAX_STEPS) -> list[dict[str, object]]:
    if not any(MAN.glob("man[1-8]/*.gz")):
        raise SystemExit(
            f"no French manual pages in {MAN}: install them with "
            "'apt-get install manpages-fr' (Debian, Ubuntu), then run this again"
        )
    try:
        import fr_core_news_md  # noqa: F401
    except ImportError:
        raise SystemExit(
            "the oracle fr_core_news_md is not installed: pip install -e '.[perf]'"
        ) from None
    began = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        simulation = Simulation(max_steps, Path(folder))
        print(
            f"{len(simulation.pool)} pool and {len(simulation.dev)} dev paragraphs of "
            f"manpages-fr; {max_steps} steps per training",
            flush=True,
        )
        runs = {order: simulation.run(order) for order in ("random", "uncertainty")}
    for order, run in runs.items():
        curve = ", ".join(f"{n}: {f:.3f}" for n, f in run["curve"].items())
        print(f"{order}: dev F1 after {curve} (training {run['seconds']:.0f} s)")
        for n, (fixes, nothing) in run["corrections"].items():
            print(
                f"  {order}, model of {n} docs: {fixes:.2f} corrections per document, "
                f"{nothing:.2f} from nothing ({fixes / nothing:.2f}×)"
            )
        fixes, nothing = run["corrections"][50]
        results.append(
            print_result(
                f"model in the loop, {order} order: corrections per document after 50 docs",
                f"{fixes:.2f} (dev F1 {run['curve'][50]:.3f} at 50, {run['curve'][100]:.3f} "
                "at 100)",
                f"{nothing:.2f} from nothing",
                fixes / nothing,
                "< 1 (fewer corrections than annotating from nothing)",
                fixes < nothing,
            )
        )
    print(f"benchmark took {time.perf_counter() - began:.0f} s", flush=True)
    return results


@pytest.mark.perf
def test_learning_in_the_loop() -> None:
    if not any(MAN.glob("man[1-8]/*.gz")):
        pytest.skip("apt-get install manpages-fr for the texts of this benchmark")
    pytest.importorskip("fr_core_news_md")
    for result in main():
        assert result["met"], result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else MAX_STEPS)
