"""Screenshots of the window on the seed article, for the README.

Run: QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [OUT_DIR]
(default OUT_DIR: docs/screenshots). It builds a throw-away default corpus, annotates
the seed article through the same session the window uses (with a claim nested in
another, to show the stacked underlines, and every link drawn), and grabs the window
in the light and the dark theme at 1400×860 (window-light/dark.png) and at 1024×640,
1280×800 and 1920×1080 (window-WIDTH-THEME.png), then review mode (review.png) on a
boundary disagreement.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ENTITIES = [
    ("San\xa0Francisco", "LOC"),
    ("TikTok", "ORG"),
    ("Bytedance", "ORG"),
    ("Oracle", "ORG"),
    ("Buzzfeed", "ORG"),
    ("AFP", "ORG"),
    ("Donald Trump", "PER"),
    ("Pékin", "LOC"),
    ("Roland Cloutier", "PER"),
    ("Asie-Pacifique", "LOC"),
    ("Chine", "LOC"),
    ("Europe", "LOC"),
]
CLAIMS = [
    "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois",
    "n’avoir jamais reçu de telle requête",
]
CUES = ["a expliqué", "indique"]
NESTED = "pas le gouvernement chinois"  # a claim inside CLAIMS[0]: drawn one level deeper
SIZES = [(1024, 640), (1280, 800), (1920, 1080)]


def main(out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from annotator.ui.app import build_window

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        os.environ["ANNOTATOR_HOME"] = home
        window = build_window(None, "alice")
        window.resize(1400, 860)
        window.show()
        text = window.session.document.text  # type: ignore[union-attr]
        window.character_action.trigger()
        for layer, label, needles in [
            ("entity", None, ENTITIES),
            ("claim", "CLAIM", [(c, "CLAIM") for c in [*CLAIMS, NESTED]]),
            ("cue", "CUE", [(c, "CUE") for c in CUES]),
        ]:
            for needle, name in needles:
                start = text.index(needle)
                window.view.select_range(start, start + len(needle))
                window.label_selection(layer, label or name)
        # Link each claim to its claimant and cue, and give it a stance.
        links = [
            (CLAIMS[0], "TikTok", "ORG", "a expliqué", 0),
            (CLAIMS[1], "TikTok", "ORG", "indique", 1),
        ]
        for claim_text, claimant, _label, cue, stance in links:
            claim = next(
                s for s in window.session.aset.spans if text[s.start : s.end] == claim_text
            )
            before = text.index(claim_text)
            who = text.rindex(claimant, 0, before)
            verb = text.index(cue)
            for relation, layer, label, (start, end) in (
                ("CLAIMANT", "entity", _label, (who, who + len(claimant))),
                ("CUE", "cue", "CUE", (verb, verb + len(cue))),
            ):
                edit = window.session.create_and_link_edit(
                    relation, claim.id, start, end, layer, label
                )
                window.do(edit, "link")
            window._select(claim.id)
            window.set_attribute(stance)
        nested = next(s for s in window.session.aset.spans if text[s.start : s.end] == NESTED)
        window._select(nested.id)
        window.mark_unattributed()
        window.set_attribute(1)
        window.links_action.setChecked(True)
        window.toggle_all_links()
        window.answer("stance", "NONE")
        window.view.clear_selection()
        window._select(
            next(s.id for s in window.session.aset.spans if text[s.start : s.end] == CLAIMS[0])
        )
        window.view.verticalScrollBar().setValue(0)
        for theme in ("light", "dark"):
            window.dark_action.setChecked(theme == "dark")
            window.toggle_theme()
            for _ in range(5):
                QApplication.processEvents()
            window.grab().save(str(out / f"window-{theme}.png"))
            for width, height in SIZES:
                window.resize(width, height)
                window._size_side_docks(width)
                for _ in range(5):
                    QApplication.processEvents()
                window.grab().save(str(out / f"window-{width}-{theme}.png"))
            window.resize(1400, 860)
            window._size_side_docks(1400)
        window.dark_action.setChecked(False)
        window.toggle_theme()
        review_screenshot(window, text, out)
        window.close()
        window.corpus.close()
    print(f"wrote {out}/window-light.png, window-dark.png and review.png")


def review_screenshot(window: object, text: str, out: Path) -> None:
    """Bob annotates the seed article differently from alice; the lead reviews both."""
    from PySide6.QtWidgets import QApplication

    from annotator.core.edits import AddSpan, Compound, SetStatus
    from annotator.core.model import Span, new_span_id
    from annotator.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    doc_id = window.session.document.id  # type: ignore[union-attr]
    bob = [
        ("San\xa0Francisco", "LOC"), ("TikTok", "ORG"), ("Bytedance", "ORG"),
        ("Oracle", "ORG"), ("Buzzfeed", "MISC"), ("Donald Trump", "PER"),
        ("président Donald Trump", None), ("Pékin", "LOC"), ("Roland Cloutier", "PER"),
        ("Asie-Pacifique", "LOC"), ("Europe", "LOC"), ("Virginie", "LOC"),
    ]  # fmt: skip
    edits = []
    for needle, label in bob:
        if label is None:
            continue
        start = text.index(needle)
        edits.append(
            AddSpan(
                Span(new_span_id(), "entity", start, start + len(needle), label, origin="manual")
            )
        )
    start = text.index(CLAIMS[0])
    end = start + len(CLAIMS[0]) - len(", pas le gouvernement chinois")  # a shorter claim
    edits.append(
        AddSpan(Span(new_span_id(), "claim", start, end, "CLAIM",
                     {"stance": "NONE"}, origin="manual"))
    )  # fmt: skip
    edits.append(SetStatus("done"))
    window.corpus.apply_edit(doc_id, "bob", Compound(tuple(edits)))
    window.switch_to("lead", remember=False)
    window.review_action.setChecked(True)
    window.toggle_review()
    boundary = next(
        (i for i, item in enumerate(window.review_items) if item.what() == "boundary"), 2
    )
    window.review.select_row(boundary)
    for _ in range(5):
        QApplication.processEvents()
    window.grab().save(str(out / "review.png"))
    window.review_action.setChecked(False)
    window.toggle_review()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
