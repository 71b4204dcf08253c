"""The ``redite`` command line: a thin layer over the library.

Each command calls one library function and turns its :class:`RediteError` into a
one-line CLI error with a non-zero exit; each command's docstring, with an example, is
its ``--help``.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from importlib import metadata

import click

from benchmarks import SUITES
from detector.config import PRESETS, DetectorConfig
from detector.errors import RediteError
from service.check import check_files, explain_files
from service.report import explain_json, explain_report, json_lines, text_report
from service.settings import Settings, parse_duration
from service.stores import DEFAULT_STORE, check_url

_PRESET_HELP = (
    "Parameters for the kind of text: "
    + "; ".join(f"{name}: {summary}" for name, (summary, _) in PRESETS.items())
    + ". docs/engine.md gives what each finds and costs."
)

preset_option = click.option(
    "--preset",
    type=click.Choice(list(PRESETS)),
    default=None,
    help=_PRESET_HELP + " [default: news]",
)


def _version() -> str:
    try:
        return metadata.version("redite")
    except metadata.PackageNotFoundError:  # running from a source tree, not installed
        return "0+unknown"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", "-V", prog_name="redite")
def cli() -> None:
    """redite finds republished and reused news text.

    It compares articles and reports which ones share text: how much of each side
    (coverage), which passages (character spans in both texts), and what kind of
    relation it is: duplicate (both sides covered at least 90%), republication (either
    side at least 50%) or partial reuse. It also finds text repeated inside one
    article, such as a body printed twice.

    Example: check a story, a saved web page and a file of wire copy against each
    other:

    \b
        redite check story.txt page.html wire.jsonl
        redite check --json wire.jsonl > reports.jsonl
        redite explain story.txt page.html   # why they match, or do not

    Serve an index over HTTP (redite serve), or dedupe a whole corpus overnight:

    \b
        redite serve --store redis://localhost:6379/0 --workers 4
        redite dedupe crawl.jsonl.zst --out dedupe/

    Run 'redite COMMAND --help' for the details of a command.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object per input article, one per line, in input order.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress line on stderr (it is shown only when stderr is a terminal).",
)
@click.option(
    "--store",
    metavar="URL",
    default=None,
    help="Also match every input against this index (sqlite:///FILE, redis://..., "
    "redis+cluster://...), without adding to it.",
)
@preset_option
def check(
    files: tuple[str, ...], as_json: bool, quiet: bool, store: str | None, preset: str | None
) -> None:
    """Check FILEs for text they share with each other and text they repeat.

    Every article read is checked for internal repetition and against every other
    article read, and gets a report: its repeated passages, and its matches with
    their kind, score, coverage of both sides and the shared passages quoted from
    both texts. The exit status is 0 whenever the check ran, matches or not, and 1
    with a one-line error naming the file (and line) for unreadable input.

    \b
    Inputs (UTF-8):
      .txt          one article; its id is the path as given
      .html, .htm   one article: the main text and reader comments that
                    trafilatura extracts; spans refer to that extracted text
      .jsonl        one article per line: {"id": ..., "text": ... (or "html"),
                    "source", "url", "published_at" (RFC 3339), "title",
                    "metadata"}, the last five optional
    An empty file is an article with no text. Article ids must be unique across
    all inputs. Spans [start:end] are character offsets into the text as read.

    check holds every article in memory and runs on one core: for a whole corpus
    (tens of thousands of articles and more) use redite dedupe, which finds the same
    pairs on every core with bounded memory.

    With --json each line is {"id", "internal_repeats": {"fraction", "spans":
    [{"first", "repeat"}]}, "matches": [{"id", "kind", "score", "query_coverage",
    "match_coverage", "source", "published_at", "original", "passages":
    [{"query_span", "match_span", "similarity"}]}]}.

    Example:

    \b
        redite check story.txt page.html wire.jsonl
        redite check --json crawl.jsonl | jq 'select(.matches != [])'
        redite check --store sqlite:///redite-index.db story.txt
        redite check --preset ocr gazette-1900-*.txt
    """
    progress = None if quiet or not sys.stderr.isatty() else _progress_line
    config = DetectorConfig.preset(preset or "news")
    try:
        result = check_files(files, config, progress=progress, store_url=store)
    except RediteError as error:
        raise click.ClickException(str(error)) from None
    finally:
        if progress is not None:
            click.echo("\r\x1b[K", nl=False, err=True)
    lines = json_lines(result) if as_json else text_report(result)
    for line in lines:
        click.echo(line)


@cli.command()
@click.option(
    "--store",
    metavar="URL",
    default=None,
    help=f"Index store [default: {DEFAULT_STORE}, a file in the working directory]. "
    "sqlite:///FILE, redis://HOST:PORT/DB, rediss://... (TLS), "
    "redis+cluster://HOST:PORT[,HOST:PORT...].",
)
@click.option("--host", default=None, help="Interface to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to listen on [default: 8080].")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes serving the same port [default: 1].",
)
@click.option(
    "--retention",
    metavar="DURATION",
    default=None,
    help="Forget articles older than this (90d, 12h, 2w): they stop matching and are "
    "removed. Counted from published_at, else from when they were indexed.",
)
@click.option(
    "--namespace", default=None, help="Prefix of the index's keys and tables [default: redite]."
)
@preset_option
def serve(  # noqa: PLR0917  # one parameter per option
    store: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    retention: str | None,
    namespace: str | None,
    preset: str | None,
) -> None:
    """Run the HTTP service over an index.

    POST an article to /v1/articles to index it and get its matches among the
    articles indexed before; /v1/match matches without indexing. The API is
    described at /openapi.json; / is a page to paste an article into.

    Settings come from REDITE_* environment variables (REDITE_STORE, REDITE_PORT,
    REDITE_TOKEN, REDITE_RETENTION, REDITE_PRESET, REDITE_MAX_BODY_BYTES,
    REDITE_MAX_TEXT_CHARS, REDITE_MAX_PARAGRAPHS, REDITE_MAX_ID_CHARS, ...); flags
    win. Set REDITE_TOKEN to require 'Authorization: Bearer TOKEN' on writes and
    deletes. Each preset keeps its own index in the store: an article indexed under
    one is not found under the other.

    Example:

    \b
        redite serve
        curl -s localhost:8080/v1/articles -H 'Content-Type: application/json' \\
             -d '{"id": "a1", "text": "Le Conseil fédéral a décidé mardi ..."}'
        redite serve --store redis://localhost:6379/0 --workers 4 --retention 90d
        REDITE_PRESET=ocr redite serve --store sqlite:///archive-index.db
    """
    try:
        settings = Settings.from_env(
            os.environ,
            store=store,
            host=host,
            port=port,
            workers=workers,
            retention=None if retention is None else parse_duration(retention, "--retention"),
            namespace=namespace,
            preset=preset,
        )
        check_url(settings.store)  # a bad URL fails here, not in a worker
    except RediteError as error:
        raise click.ClickException(str(error)) from None
    from service.server import serve  # noqa: PLC0415  # aiohttp: a quarter second, for serve only

    serve(settings)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--out",
    "-o",
    required=True,
    metavar="DIR",
    help="Where the results go (created if needed); DIR/.work holds the job's work.",
)
@click.option("--id-field", default="id", show_default=True, help="Input field holding the id.")
@click.option(
    "--text-field", default="text", show_default=True, help="Input field holding the text."
)
@click.option(
    "--html-field",
    default="html",
    show_default=True,
    help="Input field holding HTML, used when the text field is absent.",
)
@click.option(
    "--date-field",
    default="published_at",
    show_default=True,
    help="Input field holding the publication time (RFC 3339, or a Parquet timestamp).",
)
@click.option(
    "--source-field", default="source", show_default=True, help="Input field naming the outlet."
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Count and skip records that are not valid JSON or lack their id or text, "
    "instead of stopping at the first one.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 512),
    default=None,
    help="Worker processes (or LocalCluster workers) [default: every core].",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Run the steps in local processes, or as a Dask graph.",
)
@click.option(
    "--scheduler",
    metavar="ADDR",
    default=None,
    help="With --engine dask: the dask.distributed scheduler (tcp://host:8786); "
    "without it, a LocalCluster on this machine.",
)
@click.option(
    "--partition-size",
    type=click.IntRange(1, 10_000_000),
    default=2_000,
    show_default=True,
    help="Articles per partition: the unit of work, of memory and of --resume.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the job that stopped in DIR, keeping the partitions it finished.",
)
@click.option(
    "--against",
    metavar="STORE",
    default=None,
    help="Also match every article against this index (sqlite:///FILE, redis://..., "
    "redis+cluster://...): the archive of what was seen before.",
)
@click.option(
    "--index",
    "add_to_index",
    is_flag=True,
    help="With --against: add the corpus to that index once it has been matched.",
)
@preset_option
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress on stderr (the summary still prints). Progress is a bar per step on "
    "a terminal, and a line a minute and one per step ended in a log file.",
)
def dedupe(  # noqa: PLR0917  # one parameter per option
    inputs: tuple[str, ...],
    out: str,
    id_field: str,
    text_field: str,
    html_field: str,
    date_field: str,
    source_field: str,
    skip_invalid: bool,
    jobs: int | None,
    engine: str,
    scheduler: str | None,
    partition_size: int,
    resume: bool,
    against: str | None,
    add_to_index: bool,
    preset: str | None,
    quiet: bool,
) -> None:
    """Dedupe a whole corpus: find every pair of articles that share text, group
    copies into clusters, and write the corpus without its copies.

    \b
    INPUT is any mix of:
      *.jsonl, *.ndjson   one article per line (as for redite check), also
                          compressed: *.jsonl.gz, *.jsonl.zst
      *.parquet           one article per row
      a folder            every .txt / .html / .htm file below it
    Map other schemas with --id-field, --text-field, --date-field and
    --source-field. An integer id is read as its decimal string. A later article
    with an id already seen is skipped and reported.

    \b
    DIR receives:
      pairs.jsonl     {"a", "b", "kind", "score", "a_coverage", "b_coverage",
                      "passages": [{"a_span", "b_span", "similarity"}]}
      clusters.jsonl  {"cluster", "original", "members"}: articles joined by
                      duplicate or republication; the original is the earliest
                      published_at, else the first seen
      repeats.jsonl   {"id", "fraction", "spans"}: text repeated inside an article
      deduped.jsonl   every cluster's original and every unrelated article
      report.html     summary, plots, and who republishes whom
    The same inputs and options give byte-identical files.

    The nightly job: with --against STORE every article is also matched against
    an existing index (the one `redite serve` keeps), its matches go to
    pairs.jsonl with "against": true, an article that copies an indexed one is
    left out of deduped.jsonl, and --index then adds the corpus to that index.

    Example:

    \b
        redite dedupe crawl-2026-11-21.jsonl.zst --out dedupe/
        redite dedupe archive.parquet --id-field url --text-field body --out out/
        redite dedupe big.jsonl.gz --out out/ --resume          # after a stop
        redite dedupe tonight.jsonl --out out/ --against redis://db:6379/0 --index
        redite dedupe big.jsonl.gz --out out/ --engine dask --scheduler tcp://sched:8786
        redite dedupe scans-1900.jsonl.gz --out out/ --preset ocr
    """
    # Imported here: they load numpy and the engine, and `redite --help` stays fast.
    from service.batch.cli import run_dedupe  # noqa: PLC0415
    from service.batch.inputs import Fields  # noqa: PLC0415
    from service.batch.job import JobOptions  # noqa: PLC0415

    try:
        fields = Fields(
            id=id_field,
            text=text_field,
            html=html_field,
            published_at=date_field,
            source=source_field,
        )
        options = JobOptions(
            inputs=list(inputs),
            out=out,
            fields=fields,
            skip_invalid=skip_invalid,
            partition_size=partition_size,
            against=against,
            index=add_to_index,
            config=DetectorConfig.preset(preset or "news"),
        )
        run_dedupe(
            options, jobs=jobs, engine=engine, scheduler=scheduler, resume=resume, quiet=quiet
        )
    except RediteError as error:
        raise click.ClickException(str(error)) from None


def _progress_line(step: str, done: int, total: int) -> None:
    """One status line on stderr, rewritten in place: 'verify 1,200/5,000'."""
    click.echo(f"\r\x1b[K{step} {done:,}/{total:,}", nl=False, err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--pair",
    nargs=2,
    metavar="ID ID",
    default=None,
    help="The ids of the two articles to explain, when FILEs hold more than two.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@preset_option
def explain(
    files: tuple[str, ...], pair: tuple[str, str] | None, as_json: bool, preset: str | None
) -> None:
    """Say why two articles are, or are not, reported as sharing text.

    Runs each step of the engine on the pair and says what it found and what it
    needs: body text on both sides, shared LSH buckets (candidates), unit pairs with
    enough shingles in common, an alignment of them, and passages long enough to
    count. When the pair is reported, the kind, coverages and passages follow, as in
    redite check. FILEs are read as redite check reads them and must hold two
    articles, or name two with --pair. The exit status is 0 either way.

    With --json: {"a", "b", "reported", "lost_at", "shared_shingles", "steps":
    [{"name", "passed", "found"}], "match"}.

    Example:

    \b
        redite explain wire.txt page.html
        redite explain --pair afp-0412 lemonde-7731 crawl.jsonl
        redite explain --preset ocr --json gazette-a.txt gazette-b.txt
    """
    config = DetectorConfig.preset(preset or "news")
    try:
        result = explain_files(files, config, pair)
    except RediteError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(explain_json(result))
        return
    for line in explain_report(result, config):
        click.echo(line)


_WIDEST = max(map(len, SUITES))
_BENCH_LIST = "\n".join(f"      {name:<{_WIDEST}}  {summary}" for name, summary in SUITES.items())


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    help=f"""Run one of the benchmarks (from a clone of the project).

    NAME is one of:

    \b
{_BENCH_LIST}

    ARGS go to the benchmark: 'redite bench NAME --help' gives its own options.
    Results are JSON files under benchmarks/results/ (each benchmark's --out), and
    'redite bench render' turns them into BENCHMARKS.md. The benchmarks need the
    bench extras (pip install -e '.[bench]'), and the source tree they write into.

    Example:

    \b
        redite bench accuracy --out benchmarks/results/accuracy.json
        redite bench dedupe --quick
        redite bench render
    """,
)
@click.argument("name", required=False, metavar="NAME")
@click.argument("args", nargs=-1, type=click.UNPROCESSED, metavar="[ARGS]...")
@click.pass_context
def bench(ctx: click.Context, name: str | None, args: tuple[str, ...]) -> None:
    if name is None:
        click.echo(ctx.get_help())
        return
    if name not in SUITES:
        raise click.UsageError(f"no benchmark {name!r}; choose from {', '.join(SUITES)}")
    from benchmarks.data import REPO_ROOT  # noqa: PLC0415

    if not (REPO_ROOT / "pyproject.toml").is_file():
        raise click.ClickException(
            "the benchmarks run from a clone of the project (they write into its "
            "benchmarks/results/): git clone the project, then pip install -e '.[bench]'"
        )
    # The clone's tests/ start the redis-servers the Redis benchmarks use.
    if str(REPO_ROOT) not in sys.path:
        sys.path.append(str(REPO_ROOT))
    try:
        suite = importlib.import_module(f"benchmarks.{name}")
    except ImportError as error:
        raise click.ClickException(
            f"benchmark {name!r} cannot be loaded ({error}); install the bench extras "
            "in a clone: pip install -e '.[bench]'"
        ) from None
    ctx.exit(suite.main(list(args)))


def main() -> None:
    """Entry point of the ``redite`` console script and ``python -m service``."""
    # trafilatura logs extraction trouble; the CLI reports it itself, in one line.
    logging.getLogger("trafilatura").addHandler(logging.NullHandler())
    logging.getLogger("trafilatura").propagate = False
    cli()
