"""``annotator train``: a spaCy pipeline trained from the corpus, in-process.

A command of its own module (registered by :mod:`annotator.cli`), a thin wrapper over
:func:`annotator.services.learning.train_model`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

COMPONENTS_HELP = "Comma-separated: ner (with its entity scorer), spancat, textcat."


def train(
    corpus: Annotated[str, typer.Argument(help="Corpus file, or a SQLAlchemy URL.")],
    out: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for model-best and model-last.")
    ],
    source: Annotated[
        str | None,
        typer.Option("--from", help="gold, or an annotator (default as for export)."),
    ] = None,
    base: Annotated[
        str,
        typer.Option(
            "--base", help="blank (from scratch) or a pipeline to fine-tune (fr_core_news_sm)."
        ),
    ] = "blank",
    max_steps: Annotated[int, typer.Option("--max-steps", help="Training steps.")] = 2000,
    components: Annotated[
        str, typer.Option("--components", help=COMPONENTS_HELP)
    ] = "ner,spancat,textcat",
    name: Annotated[
        str | None,
        typer.Option("--name", help="The model's name in its suggestions' origin (default: -o)."),
    ] = None,
) -> None:
    """Train a spaCy pipeline from the corpus's finished sets and record it in the corpus."""
    from annotator.cli import _open, terminal_progress, user_errors
    from annotator.services.learning import train_model

    kinds = tuple(part.strip() for part in components.split(",") if part.strip())
    with user_errors(), _open(corpus) as opened:
        run = train_model(
            opened,
            out,
            source=source,
            base=base,
            max_steps=max_steps,
            components=kinds,
            name=name,
            on_step=_terminal_steps() if sys.stderr.isatty() else None,
            progress=terminal_progress("exporting"),
        )
    details = run.details
    typer.echo(
        f"trained {run.origin} in {details['seconds']:.0f} s: {details['steps']} steps on "
        f"{details['train_documents']} documents, evaluated on {details['evaluated_on']} "
        f"({details['dev_documents']} documents)"
    )
    for component, scores in run.scores.items():
        labels = ", ".join(f"{label} {f:.2f}" for label, f in sorted(scores["labels"].items()))
        typer.echo(f"  {component}: F {scores['f']:.3f}" + (f" ({labels})" if labels else ""))
    typer.echo(f"wrote {Path(out) / 'model-best'} and {Path(out) / 'model-last'}")


def _terminal_steps() -> Any:
    """Steps on one rewritten line; a line of its own for each evaluation."""

    def show(step: Any) -> None:
        losses = " ".join(f"{name} {loss:.1f}" for name, loss in step.losses.items())
        line = f"\rstep {step.step}/{step.max_steps} (epoch {step.epoch})  loss {losses}"
        if step.scores is not None:
            scores = " ".join(f"{name} {s['f']:.3f}" for name, s in step.scores.items())
            line += f"  dev {scores}\n"
        sys.stderr.write(line)
        sys.stderr.flush()

    return show
