"""The ``annotator`` command line (DESIGN §7, a public contract).

Each command is a thin wrapper over a service. Exit codes: 0 success, 1 a user or data
error (message on stderr, no traceback), 2 bad usage.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from annotator.core.errors import AnnotatorError
from annotator.services.progress import Progress, no_progress

if TYPE_CHECKING:
    from annotator.services.packages import PackageSummary

app = typer.Typer(
    name="annotator",
    help="Build training corpora from news articles. Run 'annotator [CORPUS]' to open the app.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

CorpusArg = Annotated[str, typer.Argument(help="Corpus file, or a SQLAlchemy URL.")]


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def fail(message: str) -> NoReturn:
    """Print ``message`` (a URL's password masked, as anywhere a message goes) and exit 1."""
    masked = _PASSWORD_IN_URL.sub(r"\1***@", message)
    typer.echo(f"annotator: error: {masked}", err=True)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn user and data errors into a message and exit code 1."""
    try:
        yield
    except AnnotatorError as error:
        fail("\n".join([str(error), *getattr(error, "__notes__", ())]))
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        fail(f"{where}{error.strerror or error}")


def terminal_progress(label: str) -> Progress:
    """Progress on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return no_progress

    def show(done: int, total: int, what: str) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: {done}/{total} {what}{end}")
        sys.stderr.flush()

    return show


def _open(location: str, read_only: bool = False) -> Any:
    """The corpus at ``location``; ``read_only`` for a command that only reads it. A
    damaged corpus file is refused naming the backup to restore."""
    from annotator.core.errors import CorpusDamaged
    from annotator.services.backups import newest_backup
    from annotator.services.corpora import open_corpus
    from annotator.store.engine import is_url

    try:
        return open_corpus(location, read_only=read_only)
    except CorpusDamaged as error:
        if is_url(location):
            raise
        reason = str(error).split(": restore a backup", 1)[0]
        raise CorpusDamaged(f"{reason}: {newest_backup(location)}") from None


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
        str,
        typer.Option(
            "--format",
            help="auto (detect it, and say which), jsonl, prodigy, doccano, brat (a folder, "
            ".zip or .ann), conll, labelstudio, webanno (INCEpTION's WebAnno TSV 3.x, a .tsv "
            "or a folder of them), spacy (.spacy files) or text (a file or "
            "folder).",
        ),
    ] = "auto",
    annotator: Annotated[
        str | None,
        typer.Option("--annotator", help="Annotator for annotations the file does not attribute."),
    ] = None,
    extend_scheme: Annotated[
        bool, typer.Option("--extend-scheme", help="Add unknown labels to the scheme.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of the documents (en, fr...) where the file does not say it; "
            "default: the corpus language. Kept in each document's meta.lang.",
        ),
    ] = None,
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
            language=lang,
        )
        for item in report.files:
            present = f", {item.already_present} already present" if item.already_present else ""
            typer.echo(
                f"{item.path} ({item.format}{', detected' if format == 'auto' else ''}): "
                f"{item.documents} documents{present}, "
                f"{item.annotation_sets} annotation sets, {item.spans} spans, "
                f"{item.relations} relations"
            )
            for warning in item.warnings:
                typer.echo(f"warning: {warning}", err=True)
        for layer, labels in report.added_labels.items():
            typer.echo(f"scheme extended: layer {layer} gained {', '.join(labels)}")
        _compare_new(opened, corpus)


def _compare_new(opened: Any, corpus: str) -> None:
    """After an import: compare the new documents with the corpus (wire copies)."""
    from annotator.core.errors import AnnotatorError
    from annotator.services import near_copies

    try:
        found = near_copies.update(opened, terminal_progress("comparing"))
    except AnnotatorError as error:
        fail(
            f"the documents are imported, but comparing them for near-copies failed: {error}; "
            f"`annotator duplicates {corpus}` compares them in memory meanwhile, and the next "
            "import stores them"
        )
    if found.compared:
        typer.echo(found.sentence())


@app.command()
def duplicates(
    corpus: CorpusArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Set the corpus's similarity threshold (Jaccard on 5-word shingles, "
            "default 0.8) and compare every document anew.",
        ),
    ] = None,
) -> None:
    """List the clusters of near-copies (wire copies): documents whose texts share most of
    their 5-word shingles. Documents not compared yet (imported by an older version) are
    compared in memory; --threshold stores the new threshold and every comparison."""
    from annotator.services import near_copies

    with user_errors(), _open(corpus, read_only=threshold is None) as opened:
        if threshold is not None:
            near_copies.update(opened, terminal_progress("comparing"), threshold)
        limit = near_copies.threshold(opened)
        found = near_copies.clusters(opened)
        counts = near_copies.summary(found)
        total = opened.document_count()
    if as_json:
        _echo_json(
            {"threshold": limit, "shingle": near_copies.SHINGLE, "documents": total,
             "clustered": counts["clustered"], "copies": counts["copies"],
             "clusters": [c.to_dict() for c in found]}
        )  # fmt: skip
        return
    if not found:
        typer.echo(f"no near-copies among {total} documents (threshold {limit:g})")
        return
    typer.echo(
        f"{counts['clusters']} clusters of near-copies hold {counts['clustered']} of {total} "
        f"documents ({counts['copies']} copies beyond one per cluster; threshold {limit:g})"
    )
    for cluster in found:
        sims = (
            f"{cluster.lowest:.2f}"
            if cluster.lowest == cluster.highest
            else f"{cluster.lowest:.2f}-{cluster.highest:.2f}"
        )
        typer.echo(f"{cluster.id}: {len(cluster.documents)} documents, similarity {sims}")
        for doc in cluster.documents:
            typer.echo(f"  {doc}")


@app.command()
def export(
    corpus: CorpusArg,
    out: Annotated[
        Path, typer.Argument(help="Output file (or folder for spacy, brat and webanno).")
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="jsonl (lossless), prodigy, doccano, conll, labelstudio (one file), "
            "brat or webanno (a folder, or a .zip), spacy (a folder), or claims (a table "
            "of who claims what: CSV, or JSON Lines when OUT ends in .jsonl).",
        ),
    ] = "jsonl",
    source: Annotated[
        str | None,
        typer.Option("--from", help="gold, an annotator's name, or all (jsonl's default)."),
    ] = None,
    include_suggestions: Annotated[
        bool, typer.Option("--include-suggestions", help="Also write model suggestions.")
    ] = False,
    dev_fraction: Annotated[
        float | None, typer.Option("--dev-fraction", help="spacy: share of documents in dev (0.2).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="spacy: split seed (0).")] = None,
    alignment: Annotated[
        str | None, typer.Option("--alignment", help="spacy: strict (default), contract or expand.")
    ] = None,
    include_unfinished: Annotated[
        bool,
        typer.Option(
            "--include-unfinished",
            help="spacy: also train on sets not marked done, as they are (todo, in progress).",
        ),
    ] = False,
    keep_copies: Annotated[
        bool,
        typer.Option(
            "--keep-copies",
            help="spacy: export every near-copy (wire copy), each cluster on one side of "
            "the split (the default).",
        ),
    ] = False,
    one_per_cluster: Annotated[
        bool,
        typer.Option(
            "--one-per-cluster",
            help="spacy: export only the first document of each cluster of near-copies.",
        ),
    ] = False,
) -> None:
    """Export annotations to a file format."""
    from annotator.services.exporting import export as run_export

    if keep_copies and one_per_cluster:
        raise typer.BadParameter("--keep-copies and --one-per-cluster: choose one")
    if format == "spacy":
        _export_spacy(
            corpus, out, source, include_suggestions, dev_fraction, seed, alignment,
            include_unfinished, one_per_cluster,
        )  # fmt: skip
        return
    spacy_only = (dev_fraction, seed, alignment) != (None, None, None)
    if spacy_only or include_unfinished or keep_copies or one_per_cluster:
        raise typer.BadParameter(
            "--dev-fraction, --seed, --alignment, --include-unfinished, --keep-copies and "
            "--one-per-cluster are for --format spacy"
        )
    with user_errors(), _open(corpus, read_only=True) as opened:
        report = run_export(
            opened,
            out,
            format=format,
            source=source,
            include_suggestions=include_suggestions,
            progress=terminal_progress("exporting"),
        )
    what = "claims" if format == "claims" else "spans"
    typer.echo(f"wrote {out}: {report.documents} documents, {report.spans} {what}")
    if report.split:
        typer.echo(report.split_note(format), err=True)
    if report.left_out:
        details = "; ".join(f"{count} {what}" for what, count in report.left_out.items())
        total = sum(report.left_out.values())
        typer.echo(
            f"left out {total} items the {format} format cannot express: {details}", err=True
        )


def _export_spacy(
    corpus: str,
    out: Path,
    source: str | None,
    include_suggestions: bool,
    dev_fraction: float | None,
    seed: int | None,
    alignment: str | None,
    include_unfinished: bool,
    one_per_cluster: bool = False,
) -> None:
    """``export --format spacy``: a folder for ``spacy train``; exit 1 on strict misalignment."""
    from annotator.services.training import (
        ALIGNMENTS,
        export_training_data,
        strict_failure,
        summary,
    )

    if alignment is not None and alignment not in ALIGNMENTS:
        raise typer.BadParameter(f"--alignment must be one of {', '.join(ALIGNMENTS)}")
    with user_errors(), _open(corpus, read_only=True) as opened:
        report = export_training_data(
            opened,
            out,
            source=source,
            dev_fraction=0.2 if dev_fraction is None else dev_fraction,
            seed=seed or 0,
            alignment=alignment or "strict",
            include_suggestions=include_suggestions,
            include_unfinished=include_unfinished,
            one_per_cluster=one_per_cluster,
            progress=terminal_progress("exporting"),
        )
    typer.echo(summary(report, out))
    if report.failed_strict:
        fail(strict_failure(report, out))


@app.command()
def stats(
    corpus: CorpusArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show documents, annotators' progress and span counts."""
    from annotator.services.stats import format_statistics, statistics

    with user_errors(), _open(corpus, read_only=True) as opened:
        figures = statistics(opened)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_statistics(figures))


@app.command()
def backup(
    corpus: CorpusArg,
    keep: Annotated[
        int | None,
        typer.Option("--keep", help="Keep at most N backups of this corpus (remembered; 10)."),
    ] = None,
) -> None:
    """Back up a corpus file now, into backups/ beside it; the oldest backups go."""
    from annotator.services.backups import backup_now, corpus_file, set_kept

    with user_errors():
        corpus_file(corpus)  # a server URL is refused before connecting
        with _open(corpus, read_only=keep is None) as opened:
            if keep is not None:
                set_kept(opened, keep)
            made = backup_now(opened, "manual")
    typer.echo(f"wrote {made}")


@app.command()
def restore(
    corpus: CorpusArg,
    backup: Annotated[
        str | None,
        typer.Argument(help="A backup: its number in --list (1 is the newest) or a file."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the backups, newest first.")] = False,
) -> None:
    """Put a backup in place of the corpus; the corpus as it was is backed up first, so
    restoring that backup undoes the restore."""
    from annotator.services.backups import backup_folder, find_backup, list_backups
    from annotator.services.backups import restore as run_restore

    with user_errors():
        if list_ or backup is None:
            backups = list_backups(corpus)
            for number, item in enumerate(backups, start=1):
                when = item.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC")
                size = f"{item.size:,} B"
                typer.echo(f"{number:>3}  {when}  {item.reason:<15} {size:>14}  {item.path}")
            if not backups:
                typer.echo(f"no backups of {corpus} in {backup_folder(corpus)}")
            if backup is None:
                if not list_:
                    typer.echo("annotator: error: name the backup to restore", err=True)
                raise typer.Exit(0 if list_ else 2)
        report = run_restore(corpus, find_backup(corpus, backup))
    typer.echo(f"restored {corpus} from {report.restored}")
    if report.previous is not None:
        state = "its damaged file, as it was" if report.damaged else "the state before"
        typer.echo(f"{state}: {report.previous} (restore it to undo)")


def _echo_json(value: Any) -> None:
    """Print ``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` would, a
    piece at a time: the figures of 100k documents make 50 MB of JSON, whose pieces
    joined at once would take ten times that."""
    pieces = json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(value)
    while chunk := "".join(islice(pieces, 50_000)):
        sys.stdout.write(chunk)
    sys.stdout.write("\n")
    sys.stdout.flush()


@app.command()
def agreement(
    corpus: CorpusArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report.")
    ] = None,
) -> None:
    """Inter-annotator agreement: span layers, claims and questions (gold left out)."""
    from annotator.services import agreement as service

    with user_errors(), _open(corpus, read_only=True) as opened:
        report = service.compute_agreement(opened, progress=terminal_progress("reading"))
        if html is not None:
            service.write_html(report, html, title=service.report_title(opened))
    if as_json:
        _echo_json(report.figures)
    else:
        typer.echo(service.format_summary(report))
    if html is not None:
        typer.echo(f"wrote {html}", err=as_json)


@app.command()
def preannotate(
    corpus: CorpusArg,
    model: Annotated[
        list[str],
        typer.Option(
            "--model",
            help="Installed spaCy pipeline or a trained model folder; repeat it for one model "
            "per language (each document gets the model of its language).",
        ),
    ],
    annotator: Annotated[
        str, typer.Option("--annotator", help="Whose sets receive the suggestions.")
    ] = "model",
    docs: Annotated[
        list[str] | None, typer.Option("--docs", help="Only these document ids (repeatable).")
    ] = None,
    claims: Annotated[
        bool, typer.Option("--claims/--no-claims", help="Also suggest claims by rules.")
    ] = True,
    map_labels: Annotated[
        list[str] | None,
        typer.Option("--map", help="Map a model label onto a scheme label: PERSON=PER."),
    ] = None,
) -> None:
    """Add a spaCy pipeline's suggestions (and rule-based claims) for review."""
    from annotator.core.validation import check_own_name
    from annotator.services.preannotating import preannotate as run

    with user_errors():
        check_own_name(annotator)  # suggestions never go into the gold layer
    mapping = {}
    for item in map_labels or []:
        source, sep, target = item.partition("=")
        if not sep or not source or not target:
            typer.echo(
                f"annotator: error: --map takes MODEL_LABEL=SCHEME_LABEL, got {item!r}", err=True
            )
            raise typer.Exit(2)
        mapping[source] = target
    with user_errors(), _open(corpus) as opened:
        report = run(
            opened, model, annotator, docs, claims, mapping, terminal_progress("pre-annotating")
        )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.suggestions.items())) or "none"
    typer.echo(f"{report.documents} documents; suggestions for {annotator}: {counts}")
    skipped = report.skipped_message()
    if skipped:
        typer.echo(skipped, err=True)
    if report.unmapped:
        labels = ", ".join(f"{k} ({v})" for k, v in report.unmapped.most_common())
        typer.echo(
            f"not suggested, no scheme label for: {labels}; map them with --map LABEL=SCHEME_LABEL",
            err=True,
        )


from annotator.cli_model import train as _train  # noqa: E402 (its own module)

app.command("train")(_train)


@app.command()
def package(
    corpus: CorpusArg,
    annotator: Annotated[str, typer.Option("--annotator", help="Whose package this is.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The package file (must not exist).")],
    docs: Annotated[
        list[str] | None,
        typer.Option("--docs", help="Document ids (repeatable, or comma-separated)."),
    ] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="A seeded sample of N documents.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of --sample (0).")] = None,
) -> None:
    """Write a work package: a corpus file with the chosen documents (all by default),
    the scheme, the guidelines and only this annotator's own annotations."""
    from annotator.core.validation import check_own_name
    from annotator.services.packages import choose_documents, make_package

    if seed is not None and sample is None:
        raise typer.BadParameter("--seed is for --sample")
    with user_errors():
        check_own_name(annotator)
    with user_errors(), _open(corpus) as opened:
        chosen = choose_documents(opened, docs, sample, seed or 0)
        made = make_package(opened, annotator, out, chosen, terminal_progress("packaging"))
    typer.echo(_package_line(made))


@app.command()
def assign(
    corpus: CorpusArg,
    annotators: Annotated[
        list[str], typer.Option("--annotators", help="Annotators, comma-separated (or repeated).")
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder for the packages.")],
    overlap: Annotated[
        float,
        typer.Option("--overlap", help="Share of documents given to several annotators (0-1)."),
    ] = 0.2,
    shared_by: Annotated[
        int | None,
        typer.Option("--shared-by", help="Annotators per shared document (default: all)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the assignment.")] = 0,
    one_per_cluster: Annotated[
        bool,
        typer.Option(
            "--one-per-cluster",
            help="Of each cluster of near-copies (annotator duplicates), assign only the "
            "first document; by default all copies go to the same annotators.",
        ),
    ] = False,
) -> None:
    """Assign every document to annotators, a share of them to several for agreement,
    and write one package per annotator into a folder (CORPUS-ANNOTATOR.annotator); the
    same seed gives the same assignment. Near-copies (wire copies) of one cluster go to
    the same annotators."""
    from annotator.core.validation import check_own_name
    from annotator.services import near_copies
    from annotator.services.packages import plan_assignment, write_assignment

    names = [name.strip() for value in annotators for name in value.split(",") if name.strip()]
    with user_errors():
        for name in names:
            check_own_name(name)
    with user_errors(), _open(corpus) as opened:
        groups = [c.documents for c in near_copies.clusters(opened)]
        plan = plan_assignment(
            opened.document_ids(), names, overlap, seed, shared_by, groups, one_per_cluster
        )
        made = write_assignment(opened, plan, out, terminal_progress("packaging"))
    typer.echo(
        f"assigned {plan.total} documents to {len(names)} annotators; {len(plan.shared)} "
        f"shared ({plan.overlap:.0%}), each by {plan.shared_by}"
    )
    if plan.left_copies:
        typer.echo(
            f"near-copies: one document of each of {plan.clusters} clusters assigned, "
            f"{plan.left_copies} copies to nobody (--one-per-cluster)"
        )
    elif plan.clusters:
        typer.echo(
            f"near-copies: each of {plan.clusters} clusters went whole to the same annotators"
        )
    for summary in made:
        typer.echo(_package_line(summary))


def _package_line(made: PackageSummary) -> str:
    version = made.guideline_version
    guidelines = f"guidelines v{version}" if version is not None else "no guidelines"
    return (
        f"wrote {made.path}: {made.annotator}, {made.documents} documents "
        f"({made.started} already started), {guidelines}"
    )


@app.command()
def merge(
    corpus: CorpusArg,
    packages: Annotated[list[Path], typer.Argument(help="Package files to merge back.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Merge a package that may be forged or mislabelled (it holds other "
            "annotators' sets, or this corpus never issued it); each set is merged as its "
            "annotator's.",
        ),
    ] = False,
) -> None:
    """Bring annotators' work back from their packages; merging twice changes nothing."""
    from annotator.services.merging import describe_merge, merge_packages

    with user_errors(), _open(corpus) as opened:
        report = merge_packages(opened, packages, terminal_progress("merging"), force=force)
    for merged in report.packages:
        for line in describe_merge(merged):
            typer.echo(line)
        for warning in merged.warnings():
            typer.echo(f"warning: {warning}", err=True)
    if len(report.packages) > 1:
        typer.echo(f"total: {report.changed} changed in {len(report.packages)} packages")


@app.command()
def adjudicate(
    corpus: CorpusArg,
    auto: Annotated[
        bool,
        typer.Option("--auto", help="Copy into gold what all annotators of a document agree on."),
    ] = False,
) -> None:
    """Build the gold layer: --auto copies the agreed items; review the rest in the app."""
    from annotator.services.adjudicating import auto_adjudicate

    if not auto:
        typer.echo(
            "annotator: error: say --auto to copy agreed annotations into gold; "
            "disagreements are reviewed in the app (Review menu)",
            err=True,
        )
        raise typer.Exit(2)
    with user_errors(), _open(corpus) as opened:
        report = auto_adjudicate(opened, progress=terminal_progress("adjudicating"))
    typer.echo(
        f"{report.documents} documents with two or more annotators: {report.items} agreed items "
        f"copied into gold ({report.spans} spans, {report.links} links, "
        f"{report.attributes} attributes, {report.actors} actors, {report.answers} answers); "
        f"{report.left} disagreements left to review"
    )


server_app = typer.Typer(
    help="A corpus on a PostgreSQL server shared by a team: roles and row-level security.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(server_app, name="server")


@server_app.command("setup")
def server_setup(
    url: Annotated[
        str, typer.Argument(help="The corpus database, as its administrator (a SQLAlchemy URL).")
    ],
    lead_role: Annotated[
        str, typer.Option("--lead-role", help="The lead's database role (made if missing).")
    ] = "annotator_lead",
    scheme: Annotated[
        Path | None, typer.Option("--scheme", help="Scheme file, if the corpus is created now.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Corpus language, if the corpus is created now.")
    ] = None,
) -> None:
    """Create (or upgrade) a corpus on a PostgreSQL server with a lead role and row-level
    security; run it again after upgrading Annotator."""
    from annotator.services.corpora import init_corpus, open_corpus
    from annotator.store.server import holds_corpus, setup_server

    with user_errors():
        created = not holds_corpus(url)
        if not created and (scheme or lang):
            fail("--scheme and --lang are for a new corpus; this database already holds one")
        with init_corpus(url, scheme, lang) if created else open_corpus(url) as opened:
            account = setup_server(opened, lead_role)
            shown = opened.engine.url.render_as_string(hide_password=True)
    typer.echo(f"{'created' if created else 'set up'} {shown}: row-level security on")
    _account_lines(f"lead role {account.role}", account.url, account.password)


@server_app.command("add-annotator")
def server_add_annotator(
    name: Annotated[str, typer.Argument(help="The annotator's name in the corpus.")],
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            envvar="ANNOTATOR_SERVER_URL",
            help="The corpus database, as its administrator (default: $ANNOTATOR_SERVER_URL).",
        ),
    ] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="The database role (default: annotator_NAME).")
    ] = None,
) -> None:
    """Give an annotator a database role that reads the corpus and writes only their own
    annotations (an existing role is reused with its password)."""
    from annotator.core.validation import check_own_name
    from annotator.services.corpora import open_corpus
    from annotator.store.server import add_annotator

    if url is None:
        raise typer.BadParameter("give the corpus with --url URL or ANNOTATOR_SERVER_URL")
    with user_errors():
        check_own_name(name)  # before connecting
    with user_errors(), open_corpus(url) as opened:
        account = add_annotator(opened, name, role)
    _account_lines(f"annotator {name}: role {account.role}", account.url, account.password)


def _account_lines(who: str, url: str, password: str | None) -> None:
    if password is None:
        typer.echo(f"{who} (it existed: password unchanged), connects with {url}")
        return
    typer.echo(f"{who}, connects with {url}")
    typer.echo(f"password: {password}")
    typer.echo("(shown once: keep it in ~/.pgpass, or give it through PGPASSWORD)")


def _commands() -> set[str]:
    names = {info.name for info in app.registered_groups if info.name}
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        names.add(name.replace("_", "-").rstrip("-"))
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: a subcommand, or ``annotator [CORPUS]`` to open the window."""
    args = list(sys.argv[1:] if argv is None else argv)
    opens_window = not args or (
        args[0] not in _commands()
        and (not args[0].startswith("-") or args[0].split("=")[0] == "--annotator")
    )
    if opens_window:
        # Before Qt loads: without a display, or without the libraries of Qt's platform
        # plugin, Qt aborts the process with a misleading message.
        from annotator.ui.platform_check import report_display_problem

        if report_display_problem():
            return 1
        from annotator.ui.app import main as open_window

        return open_window(args)
    try:
        app(args, prog_name="annotator", standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
