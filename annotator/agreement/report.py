"""The agreement figures of DESIGN §8 (``annotator agreement --json``), and what a lead
looks at next: label confusion matrices and the documents ranked by disagreement.

Inter-annotator figures leave the gold layer out and cover the documents that two or
more non-gold annotators annotated; each annotator's agreement with gold is reported
apart, under ``"gold"``, so that the contract keys mean what DESIGN §8 says.

The figures (``null``: undefined for these data)::

    {"annotators": [...], "documents": N,
     "layers": {layer: {"f1_exact", "f1_overlap", "alpha_tokens",
                        "labels": {label: {"f1_exact", "support"}},
                        "pairs": {"alice|bob": {"f1_exact", "f1_overlap"}}}},
     "questions": {question: {"items", "percent_agreement", "cohen_kappa",
                              "fleiss_kappa", "krippendorff_alpha"}},
     "claims": {"layer", "matched", "claimant_items", "claimant_agreement",
                "stance_items", "stance_agreement", "stance_kappa",
                "cue_items", "cue_agreement", "frame_items", "frame_agreement",
                "pairs": {"alice|bob": {"claims", "matched", "claimant_agreement",
                                        "stance_agreement", "cue_agreement",
                                        "frame_agreement"}}}        (null without claims),
     "documents_by_disagreement": [see annotator.agreement.ranking],
     "gold": {annotator: {"documents", "layers": {layer: {"f1_exact", "f1_overlap",
              "labels": {label: f1}}}, "questions": {question: {"items",
              "percent_agreement", "cohen_kappa"}}, "claims": {"matched",
              "claimant_agreement", "stance_agreement", "cue_agreement",
              "frame_agreement"}}}     ({} without gold)}

The cue and frame keys (the cue of matched claims, and the share of matched claims whose
claimant, cue and stance all agree: :mod:`annotator.agreement.claims`) came after the
others, which keep their meaning.

Layer F1 and per-label F1 are means over the pairs where they are defined; ``support``
counts the annotators' spans with the label on the documents covered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.agreement.alpha import alpha_from_tables
from annotator.agreement.claims import ClaimPair
from annotator.agreement.data import OUTSIDE, AgreementData, BoolArray, IntArray
from annotator.agreement.questions import (
    answer_table,
    answered_items,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    mean_cohen_kappa,
    percent_agreement,
)
from annotator.agreement.ranking import rank_documents
from annotator.agreement.tally import Tally, Totals
from annotator.core.model import GOLD


def pair_key(first: str, second: str) -> str:
    """``"alice|bob"``: the two names in order ('|' is not allowed in a name)."""
    return "|".join(sorted((first, second)))


@dataclass(frozen=True, slots=True)
class Confusion:
    """Token-level label confusion of two annotators on one layer, for a heatmap.

    ``counts[i][j]`` is the number of tokens ``first`` labelled ``labels[i]`` and
    ``second`` labelled ``labels[j]`` (``labels[0]`` is "O", outside any span), over the
    documents both annotated.
    """

    layer: str
    first: str
    second: str
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(slots=True)
class AgreementReport:
    """Everything ``annotator agreement`` shows; :attr:`figures` is the JSON contract."""

    figures: dict[str, Any]
    confusions: dict[str, dict[str, Confusion]] = field(default_factory=dict)
    """Per layer, per pair key: the label confusion (inter-annotator pairs only)."""

    def confusion(self, layer: str, first: str, second: str) -> Confusion | None:
        """The confusion of ``first`` (rows) against ``second`` (columns), or None."""
        found = self.confusions.get(layer, {}).get(pair_key(first, second))
        if found is None or found.first == first:
            return found
        swapped = tuple(zip(*found.counts, strict=True))
        return Confusion(layer, first, second, found.labels, swapped)


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def build_report(data: AgreementData, gold: str = GOLD) -> AgreementReport:
    """The figures of DESIGN §8 for the annotators of ``data`` other than ``gold``."""
    tally = Tally(gold)
    tally.add(data)
    return report_from(tally.totals(), gold)


def report_from(totals: Totals, gold: str = GOLD) -> AgreementReport:
    """The figures of DESIGN §8 from a corpus's :class:`Tally` (batch after batch)."""
    data, scope, annotators = totals.documents, totals.scope, totals.annotators
    report = AgreementReport({"annotators": annotators, "documents": int(scope.sum())})
    layers: dict[str, Any] = {}
    for layer, labels in data.labels.items():
        counts = totals.span_counts[layer]
        support = totals.support[layer]
        tables = totals.tables[layer]
        layers[layer] = {
            "f1_exact": _mean([c.f1_exact() for c in counts]),
            "f1_overlap": _mean([c.f1_overlap() for c in counts]),
            "alpha_tokens": alpha_from_tables(list(tables.values())),
            "labels": {
                label: {
                    "f1_exact": _mean([c.f1_exact(code) for c in counts]),
                    "support": int(support[code]),
                }
                for code, label in enumerate(labels, start=1)
            },
            "pairs": {
                pair_key(c.first, c.second): {
                    "f1_exact": c.f1_exact(),
                    "f1_overlap": c.f1_overlap(),
                }
                for c in counts
            },
        }
        report.confusions[layer] = {
            pair_key(a, b): Confusion(
                layer,
                a,
                b,
                (OUTSIDE, *labels),
                tuple(tuple(int(v) for v in row) for row in table.sum(axis=0)),
            )
            for (a, b), table in tables.items()
        }
    report.figures["layers"] = layers
    report.figures["questions"] = {
        question: _question_figures(data, question, annotators, scope)
        for question in data.questions
    }
    claims = totals.claims
    report.figures["claims"] = _claim_figures(data, claims) if data.claim_layer else None
    report.figures["documents_by_disagreement"] = rank_documents(
        data, annotators, scope, totals.span_counts, claims
    )
    report.figures["gold"] = _gold_figures(totals, gold)
    return report


def _answers(data: AgreementData, question: str, names: list[str]) -> list[IntArray]:
    missing = np.full(len(data.doc_ids), -1, dtype=np.int64)
    return [data.answers[question].get(name, missing) for name in names]


def _question_figures(
    data: AgreementData, question: str, annotators: list[str], scope: BoolArray
) -> dict[str, Any]:
    table = answer_table([column[scope] for column in _answers(data, question, annotators)])
    values = len(data.questions[question])
    return {
        "items": answered_items(table),
        "percent_agreement": percent_agreement(table, values),
        "cohen_kappa": mean_cohen_kappa(table) if table.size else None,
        "fleiss_kappa": fleiss_kappa(table, values) if table.size else None,
        "krippendorff_alpha": krippendorff_alpha(table) if table.size else None,
    }


def _claim_figures(data: AgreementData, pairs: list[ClaimPair]) -> dict[str, Any]:
    claimant = np.concatenate([p.claimant_agreeing for p in pairs] or [np.zeros(0, np.bool_)])
    stance_a = np.concatenate([p.stance_first for p in pairs] or [np.zeros(0, np.int64)])
    stance_b = np.concatenate([p.stance_second for p in pairs] or [np.zeros(0, np.int64)])
    cue = np.concatenate([p.cue_agreeing for p in pairs] or [np.zeros(0, np.bool_)])
    frame = np.concatenate([p.frame_agreeing for p in pairs] or [np.zeros(0, np.bool_)])
    return {
        "layer": data.claim_layer,
        "matched": sum(p.matched for p in pairs),
        "claimant_items": len(claimant),
        "claimant_agreement": float(claimant.mean()) if len(claimant) else None,
        "stance_items": len(stance_a),
        "stance_agreement": float((stance_a == stance_b).mean()) if len(stance_a) else None,
        "stance_kappa": _mean([cohen_kappa(p.stance_first, p.stance_second) for p in pairs]),
        "cue_items": len(cue),
        "cue_agreement": float(cue.mean()) if len(cue) else None,
        "frame_items": len(frame),
        "frame_agreement": float(frame.mean()) if len(frame) else None,
        "pairs": {
            pair_key(p.first, p.second): {
                "claims": p.claims,
                "matched": p.matched,
                "claimant_agreement": p.claimant_agreement,
                "stance_agreement": p.stance_agreement,
                "cue_agreement": p.cue_agreement,
                "frame_agreement": p.frame_agreement,
            }
            for p in pairs
        },
    }


def _gold_figures(totals: Totals, gold: str) -> dict[str, Any]:
    """Each annotator against gold, on the documents both annotated."""
    data = totals.documents
    if gold not in data.has_set:
        return {}
    figures: dict[str, Any] = {}
    for name in data.annotators:
        shared = data.shared(name, gold) if name != gold else None
        if shared is None or not shared.any():
            continue
        layers = {}
        for layer, labels in data.labels.items():
            counts = totals.gold_counts[(name, layer)]
            layers[layer] = {
                "f1_exact": counts.f1_exact(),
                "f1_overlap": counts.f1_overlap(),
                "labels": {
                    label: counts.f1_exact(code) for code, label in enumerate(labels, start=1)
                },
            }
        questions = {}
        for question in data.questions:
            table = answer_table(_answers(data, question, [name, gold]))
            questions[question] = {
                "items": answered_items(table),
                "percent_agreement": percent_agreement(table, len(data.questions[question])),
                "cohen_kappa": cohen_kappa(table[:, 0], table[:, 1]),
            }
        entry: dict[str, Any] = {"documents": int(shared.sum()), "layers": layers}
        entry["questions"] = questions
        if data.claim_layer:
            pair = totals.gold_claims[name]
            entry["claims"] = {
                "matched": pair.matched,
                "claimant_agreement": pair.claimant_agreement,
                "stance_agreement": pair.stance_agreement,
                "cue_agreement": pair.cue_agreement,
                "frame_agreement": pair.frame_agreement,
            }
        figures[name] = entry
    return figures
