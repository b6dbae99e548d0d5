"""The `labwatch` command: a thin layer over the library. Domain errors become one line.

The commands live in ``labwatch.flows.commands``, one module per group; this module builds the
parser from them in the order `labwatch --help` lists them. Importing it loads no heavy library:
each command imports what it needs when it runs.
"""

from __future__ import annotations

import typer

from labwatch.flows.commands import diff, evaluation, exchange, ingestion, readouts, review, watching
from labwatch.flows.output import fail, out

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    help="labwatch: track what frontier AI labs commit to about safety.",
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"labwatch {version('labwatch')}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """labwatch: track what frontier AI labs commit to about safety."""


# The order here is the order of `labwatch --help`.
app.command()(ingestion.run)
app.command()(ingestion.ingest)
app.command()(readouts.status)
app.command()(readouts.score)
app.command()(readouts.changes)
app.command()(diff.diff)
app.command("eval-changes")(evaluation.eval_changes)
app.command("eval")(evaluation.eval_)
app.command()(readouts.sql)
app.command()(watching.notify)
app.command()(watching.crawl)
app.command()(watching.schedule)
app.command()(exchange.dashboard)
app.command("export")(exchange.export_)
app.command("import")(exchange.import_)
app.command()(evaluation.bench)
app.add_typer(review.review_app, name="review")
app.add_typer(watching.sources_app, name="sources")


def main() -> None:
    from labwatch.errors import LabwatchError
    from labwatch.flows.prefect_env import configure_prefect_env
    from labwatch.flows.shutdown import leave

    configure_prefect_env()
    try:
        app()
    except LabwatchError as exc:  # an error raised outside a command body (a callback, a typer hook)
        fail(str(exc))
    except SystemExit as exc:  # how every command ends: skip the teardown when nothing needs it
        if exc.code is None or isinstance(exc.code, int):
            leave(exc.code or 0)
        raise


if __name__ == "__main__":
    main()
