"""The ``redite`` command line: a thin layer over the library.

Each command calls one library function and turns its :class:`RediteError` into a
one-line CLI error with a non-zero exit; each command's docstring, with an example, is
its ``--help``.
"""

from __future__ import annotations

import logging
import sys
from importlib import metadata

import click

from detector.errors import RediteError
from service.check import check_files
from service.report import json_lines, text_report


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
def check(files: tuple[str, ...], as_json: bool, quiet: bool) -> None:
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

    With --json each line is {"id", "internal_repeats": {"fraction", "spans":
    [{"first", "repeat"}]}, "matches": [{"id", "kind", "score", "query_coverage",
    "match_coverage", "source", "published_at", "original", "passages":
    [{"query_span", "match_span", "similarity"}]}]}.

    Example:

    \b
        redite check story.txt page.html wire.jsonl
        redite check --json crawl.jsonl | jq 'select(.matches != [])'
    """
    progress = None if quiet or not sys.stderr.isatty() else _progress_line
    try:
        result = check_files(files, progress=progress)
    except RediteError as error:
        raise click.ClickException(str(error)) from None
    finally:
        if progress is not None:
            click.echo("\r\x1b[K", nl=False, err=True)
    lines = json_lines(result) if as_json else text_report(result)
    for line in lines:
        click.echo(line)


def _progress_line(step: str, done: int, total: int) -> None:
    """One status line on stderr, rewritten in place: 'verify 1,200/5,000'."""
    click.echo(f"\r\x1b[K{step} {done:,}/{total:,}", nl=False, err=True)


def main() -> None:
    """Entry point of the ``redite`` console script and ``python -m service``."""
    # trafilatura logs extraction trouble; the CLI reports it itself, in one line.
    logging.getLogger("trafilatura").addHandler(logging.NullHandler())
    logging.getLogger("trafilatura").propagate = False
    cli()
