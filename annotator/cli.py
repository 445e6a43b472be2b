"""The ``annotator`` command line (DESIGN §7, a public contract).

Each command is a thin wrapper over a service. Exit codes: 0 success, 1 a user or data
error (message on stderr, no traceback), 2 bad usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from annotator.core.errors import AnnotatorError

app = typer.Typer(
    name="annotator",
    help="Build training corpora from news articles. Run 'annotator [CORPUS]' to open the app.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

CorpusArg = Annotated[str, typer.Argument(help="Corpus file, or a SQLAlchemy URL.")]


def fail(message: str) -> NoReturn:
    typer.echo(f"annotator: error: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn user and data errors into a message and exit code 1."""
    try:
        yield
    except AnnotatorError as error:
        fail(str(error))
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        fail(f"{where}{error.strerror or error}")


def terminal_progress(label: str) -> Callable[[int, int, str], None]:
    """Progress on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda done, total, what: None

    def show(done: int, total: int, what: str) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: {done}/{total} {what}{end}")
        sys.stderr.flush()

    return show


def _open(location: str) -> Any:
    from annotator.services.corpora import open_corpus

    return open_corpus(location)


@app.command()
def init(
    corpus: CorpusArg,
    scheme: Annotated[
        Path | None, typer.Option("--scheme", help="Scheme file (JSON); default scheme if absent.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Corpus language, e.g. fr or en.")
    ] = None,
) -> None:
    """Create an empty corpus with a scheme."""
    from annotator.services.corpora import init_corpus

    with user_errors(), init_corpus(corpus, scheme, lang) as created:
        layers = ", ".join(layer.name for layer in created.scheme.span_layers)
        typer.echo(f"created {corpus} (language {created.scheme.language}; layers: {layers})")


@app.command("import")
def import_(
    corpus: CorpusArg,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import.")],
    format: Annotated[
        str, typer.Option("--format", help="auto, jsonl or text.")
    ] = "auto",
    annotator: Annotated[
        str | None,
        typer.Option("--annotator", help="Annotator for annotations the file does not attribute."),
    ] = None,
    extend_scheme: Annotated[
        bool, typer.Option("--extend-scheme", help="Add unknown labels to the scheme.")
    ] = False,
) -> None:
    """Import documents (and their annotations); each file whole or not at all."""
    from annotator.services.importing import import_paths

    with user_errors(), _open(corpus) as opened:
        report = import_paths(
            opened,
            paths,
            format=format,
            annotator=annotator,
            extend_scheme=extend_scheme,
            progress=terminal_progress("importing"),
        )
        for item in report.files:
            present = f", {item.already_present} already present" if item.already_present else ""
            typer.echo(
                f"{item.path} ({item.format}): {item.documents} documents{present}, "
                f"{item.annotation_sets} annotation sets, {item.spans} spans, "
                f"{item.relations} relations"
            )
        for layer, labels in report.added_labels.items():
            typer.echo(f"scheme extended: layer {layer} gained {', '.join(labels)}")


@app.command()
def export(
    corpus: CorpusArg,
    out: Annotated[Path, typer.Argument(help="Output file (or folder for spacy and brat).")],
    format: Annotated[str, typer.Option("--format", help="jsonl.")] = "jsonl",
    source: Annotated[
        str | None,
        typer.Option("--from", help="gold, an annotator's name, or all (jsonl's default)."),
    ] = None,
    include_suggestions: Annotated[
        bool, typer.Option("--include-suggestions", help="Also write model suggestions.")
    ] = False,
) -> None:
    """Export annotations to a file format."""
    from annotator.services.exporting import export as run_export

    with user_errors(), _open(corpus) as opened:
        report = run_export(
            opened,
            out,
            format=format,
            source=source,
            include_suggestions=include_suggestions,
            progress=terminal_progress("exporting"),
        )
    typer.echo(f"wrote {out}: {report.documents} documents, {report.spans} spans")
    if report.left_out:
        details = ", ".join(f"{count} {what}" for what, count in report.left_out.items())
        typer.echo(f"left out (the {format} format cannot express them): {details}", err=True)


@app.command()
def stats(
    corpus: CorpusArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show documents, annotators' progress and span counts."""
    from annotator.services.stats import format_statistics, statistics

    with user_errors(), _open(corpus) as opened:
        figures = statistics(opened)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_statistics(figures))


def _commands() -> set[str]:
    names = set()
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        names.add(name.replace("_", "-").rstrip("-"))
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: a subcommand, or ``annotator [CORPUS]`` to open the window."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] not in _commands() and not args[0].startswith("-")):
        from annotator.ui.app import main as open_window

        return open_window(args)
    try:
        app(args, prog_name="annotator", standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
