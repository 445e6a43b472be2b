"""The agreement report as one self-contained HTML page a lead can mail.

Inline CSS, no script, no external asset: it opens the same in any browser or mail
client. Every text from the corpus (names, labels, ids, answers) is escaped. Cells are
coloured by value: F1, κ and α from red (0) to green (1); confusion counts in blue by
their share of the row, so the off-diagonal cells show who labels what differently.
"""

from __future__ import annotations

import colorsys
from collections.abc import Iterable
from html import escape
from typing import Any

from annotator.agreement.report import AgreementReport, Confusion, pair_key

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { margin-top: 1.5em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f3f3f3; } th.row, td.text { text-align: left; }
td.na { color: #888; background: #f7f7f7; }
.heatmaps { display: flex; flex-wrap: wrap; gap: 1.5em; }
.note { color: #555; }
"""


def score_cell(value: float | None) -> str:
    """A table cell for a 0–1 score, coloured red to green (negative values are red)."""
    if value is None:
        return '<td class="na">n/a</td>'
    hue = 120 * min(max(value, 0.0), 1.0)
    return f'<td style="background: {colour(hue, 0.65, 0.82)}">{value:.3f}</td>'


def colour(hue: float, saturation: float, lightness: float) -> str:
    """``#rrggbb`` for an HSL colour: mail clients do not all understand ``hsl()``."""
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _name(text: str) -> str:
    return f'<th class="row">{escape(text)}</th>'


def _text(text: str) -> str:
    return f'<td class="text">{escape(text)}</td>'


def render(report: AgreementReport, title: str, top: int = 50) -> str:
    """The whole page; ``top`` documents with the most disagreement are listed."""
    figures = report.figures
    annotators = figures["annotators"]
    parts = [
        f"<h1>Agreement — {escape(title)}</h1>",
        f"<p>{figures['documents']} documents annotated by two or more of "
        f"{len(annotators)} annotators ({escape(', '.join(annotators)) or 'none'}). "
        'Gold is left out of these figures. "n/a": undefined for these data.</p>',
        _layers_summary(figures),
    ]
    for layer, entry in figures["layers"].items():
        if any(item["support"] for item in entry["labels"].values()):  # else nothing to show
            parts.append(_layer_section(report, layer, entry, annotators))
    parts.append(_questions_section(figures["questions"]))
    if figures.get("claims"):
        parts.append(_claims_section(figures["claims"]))
    if figures.get("gold"):
        parts.append(_gold_section(figures["gold"]))
    parts.append(_documents_section(figures["documents_by_disagreement"], top))
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Agreement — {escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def _layers_summary(figures: dict[str, Any]) -> str:
    rows = [
        [
            _name(layer),
            score_cell(entry["f1_exact"]),
            score_cell(entry["f1_overlap"]),
            score_cell(entry["alpha_tokens"]),
        ]
        for layer, entry in figures["layers"].items()
    ]
    table = _table(["layer", "F1 exact", "F1 overlap", "α tokens"], rows)
    return f"<h2>Span layers</h2>{table}"


def _layer_section(
    report: AgreementReport, layer: str, entry: dict[str, Any], annotators: list[str]
) -> str:
    labels = _table(
        ["label", "F1 exact", "support"],
        [
            [_name(label), score_cell(item["f1_exact"]), f"<td>{item['support']}</td>"]
            for label, item in entry["labels"].items()
        ],
    )
    parts = [f"<h3>Layer {escape(layer)}</h3>", labels]
    for metric, caption in (("f1_exact", "F1 exact"), ("f1_overlap", "F1 overlap")):
        parts.append(f"<p>{caption} per pair</p>{_pair_matrix(entry['pairs'], annotators, metric)}")
    heatmaps = [_heatmap(c) for c in report.confusions.get(layer, {}).values()]
    if heatmaps:
        parts.append(
            "<p>Label confusion over tokens (rows: first annotator, columns: second; "
            "shaded by share of the row)</p>"
            f'<div class="heatmaps">{"".join(heatmaps)}</div>'
        )
    return "\n".join(parts)


def _pair_matrix(pairs: dict[str, dict[str, Any]], annotators: list[str], metric: str) -> str:
    rows = []
    for first in annotators:
        cells = [_name(first)]
        for second in annotators:
            if first == second:
                cells.append('<td class="na">—</td>')
                continue
            figures = pairs.get(pair_key(first, second), {})
            cells.append(score_cell(figures.get(metric)))
        rows.append(cells)
    return _table(["", *annotators], rows)


def _heatmap(confusion: Confusion) -> str:
    rows = []
    for label, counts in zip(confusion.labels, confusion.counts, strict=True):
        total = sum(counts) or 1
        cells = [_name(label)]
        for count in counts:
            share = count / total
            ink = "; color: #fff" if share > 0.6 else ""
            background = colour(210, 0.7, 0.97 - 0.5 * share)
            cells.append(f'<td style="background: {background}{ink}">{count}</td>')
        rows.append(cells)
    caption = f"{escape(confusion.first)} ↓ / {escape(confusion.second)} →"
    return f"<div><p>{caption}</p>{_table(['', *confusion.labels], rows)}</div>"


def _questions_section(questions: dict[str, Any]) -> str:
    if not questions:
        return ""
    rows = [
        [
            _name(name),
            f"<td>{q['items']}</td>",
            score_cell(q["percent_agreement"]),
            score_cell(q["cohen_kappa"]),
            score_cell(q["fleiss_kappa"]),
            score_cell(q["krippendorff_alpha"]),
        ]
        for name, q in questions.items()
    ]
    header = ["question", "items", "agreement", "Cohen's κ", "Fleiss' κ", "Krippendorff's α"]
    return f"<h2>Document questions</h2>{_table(header, rows)}"


def _claims_section(claims: dict[str, Any]) -> str:
    summary = _table(
        ["matched claims", "claimant agreement", "claimant items", "cue agreement",
         "cue items", "stance agreement", "stance items", "stance κ", "whole frame",
         "actor agreement", "actor items"],
        [[
            f"<td>{claims['matched']}</td>", score_cell(claims["claimant_agreement"]),
            f"<td>{claims['claimant_items']}</td>", score_cell(claims.get("cue_agreement")),
            f"<td>{claims.get('cue_items', 0)}</td>", score_cell(claims["stance_agreement"]),
            f"<td>{claims['stance_items']}</td>", score_cell(claims["stance_kappa"]),
            score_cell(claims.get("frame_agreement")),
            score_cell(claims.get("actor_agreement")), f"<td>{claims.get('actor_items', 0)}</td>",
        ]],
    )  # fmt: skip
    pairs = _table(
        ["pair", "claims", "matched", "claimant agreement", "cue agreement", "stance agreement",
         "whole frame", "actor agreement"],
        [
            [
                _name(key.replace("|", " · ")),
                f"<td>{p['claims']}</td>",
                f"<td>{p['matched']}</td>",
                score_cell(p["claimant_agreement"]),
                score_cell(p.get("cue_agreement")),
                score_cell(p["stance_agreement"]),
                score_cell(p.get("frame_agreement")),
                score_cell(p.get("actor_agreement")),
            ]
            for key, p in claims["pairs"].items()
        ],
    )  # fmt: skip
    layer = escape(str(claims["layer"]))
    note = (
        "<p>Whole frame: the share of matched claims whose claimant, cue and stance all "
        "agree (a missing cue or stance on both sides agrees). Actor: the share of "
        "matched claims, with a claimant span on both sides and an actor linked on at "
        "least one, whose claimants are linked to the same actor.</p>"
    )
    return f"<h2>Claims (layer {layer}, matched by overlap)</h2>{summary}{pairs}{note}"


def _gold_section(gold: dict[str, Any]) -> str:
    layers = sorted({layer for entry in gold.values() for layer in entry["layers"]})
    questions = sorted({q for entry in gold.values() for q in entry["questions"]})
    header = ["annotator", "documents"]
    header += [f"{layer} F1" for layer in layers] + [f"{q} agreement" for q in questions]
    rows = []
    for name, entry in gold.items():
        cells = [_name(name), f"<td>{entry['documents']}</td>"]
        cells += [score_cell(entry["layers"][layer]["f1_exact"]) for layer in layers]
        cells += [score_cell(entry["questions"][q]["percent_agreement"]) for q in questions]
        rows.append(cells)
    return f"<h2>Agreement with gold</h2>{_table(header, rows)}"


def _documents_section(documents: list[dict[str, Any]], top: int) -> str:
    disagreeing = [d for d in documents if d["disagreement"] > 0]
    if not disagreeing:
        return "<h2>Documents with most disagreement</h2><p>No disagreement.</p>"
    rows = []
    for doc in disagreeing[:top]:
        answers = "; ".join(
            f"{question}: " + ", ".join(f"{n} {a}" for n, a in given.items())
            for question, given in doc["questions"].items()
        )
        cluster = doc.get("cluster")
        copy_of = f" (near-copy: cluster {cluster})" if cluster else ""
        rows.append(
            [
                _text(doc["id"] + copy_of),
                _text(", ".join(doc["annotators"])),
                f"<td>{doc['disagreement']:.3f}</td>",
                score_cell(doc["f1_exact"]),
                f"<td>{sum(v['unmatched_spans'] for v in doc['layers'].values())}</td>",
                f"<td>{doc['claim_disagreements']}</td>",
                _text(answers),
            ]
        )
    header = ["document", "annotators", "disagreement", "F1 exact", "unmatched spans",
              "claim disagreements", "differing answers"]  # fmt: skip
    note = (
        f"<p class='note'>{len(disagreeing)} of {len(documents)} documents show some "
        f"disagreement; {'the first ' + str(top) if len(disagreeing) > top else 'all'} "
        "listed, most first.</p>"
    )
    return f"<h2>Documents with most disagreement</h2>{note}{_table(header, rows)}"
