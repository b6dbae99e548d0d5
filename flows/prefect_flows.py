"""Prefect flows: thin decorations over the plain pipeline functions. Only flows/ imports Prefect."""

from __future__ import annotations

from pathlib import Path

from labwatch.flows.prefect_env import configure_prefect_env

configure_prefect_env()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from labwatch.flows import models  # noqa: E402
from labwatch.flows.run import deriver_for, plan_batches, run_corpus  # noqa: E402
from labwatch.warehouse.db import Warehouse  # noqa: E402
from labwatch.warehouse.lakeurl import LakeAddressError, has_secret, redact  # noqa: E402


class Address(SecretStr):
    """A warehouse address as a flow parameter: the flow gets it whole, while Prefect's API
    database and UI get it with its password redacted (Prefect stores a flow run's parameters
    and shows a pydantic secret by its ``str``)."""

    def _display(self) -> str:
        return redact(self.get_secret_value())


def as_parameter(db: str) -> str | Address:
    """``db`` as a flow run of this process should get it (an ``Address`` when it holds a password)."""
    return Address(db) if has_secret(db) else db


def plain(db) -> str:
    return db.get_secret_value() if isinstance(db, SecretStr) else str(db)


def refuse_stored_secret(db: str, what: str) -> None:
    """A deployment's parameters are stored and sent to workers as given, so a password in the
    address would be kept in Prefect's database: refused, pointing to libpq's own ways."""
    if has_secret(db):
        raise LakeAddressError(
            f"{db}: {what} stores the address in Prefect's database: take password= out of it and give "
            "the password to libpq on each machine (~/.pgpass or PGPASSWORD)"
        )


@task(name="derive-batch", cache_policy=NO_CACHE, retries=0)
def derive_batch_task(db: str, model: str, rubric_name: str, batch: list):
    """Parse, segment, detect, embed and match one batch of documents (coarse on purpose)."""
    return deriver_for(Warehouse(db), model, rubric_name).derive_batch(batch)


def submit_ahead(db: str, model: str, rubric_name: str, window: int = 2):
    """Submit derive tasks to the flow's task runner, up to ``window`` batches ahead, and yield
    their results in order (writes stay in the flow, in order)."""

    def derive_many(groups):
        futures = []
        for i, batch in enumerate(groups):
            if window == 0 and i + 1 < len(groups):
                # tasks run in this process: let its parser worker prepare the next batch
                deriver_for(Warehouse(db), model, rubric_name).extract_ahead(groups[i + 1])
            futures.append(derive_batch_task.submit(db, model, rubric_name, batch))
            if i >= window:
                yield futures[i - window].result()
        for f in futures[max(0, len(groups) - window) :]:
            yield f.result()

    return derive_many


@flow(name="labwatch-run", validate_parameters=False)
def run_flow(
    corpus: str,
    db: str,
    model: str = models.DEFAULT_MODEL,
    rubric_name: str = models.DEFAULT_RUBRIC,
    progress=None,
    window: int = 0,
    labs: list[str] | None = None,
) -> dict:
    """`labwatch run` as a flow: one task per batch of documents, submitted to the flow's task
    runner (threads by default; Dask with ``run_flow.with_options(task_runner=...)``). With
    ``labs``, only those labs' documents (flow runs of a corpus split by lab, on workers).

    ``window`` batches are derived ahead of the one being stored. Keep it 0 with the default
    thread runner (derivation reads the embedding cache, and DuckDB refuses a read-only and a
    read-write connection to one file inside one process); raise it with a process-based runner.
    """
    from prefect.runtime import flow_run

    db = plain(db)
    summary = run_corpus(
        Path(corpus),
        Warehouse(db),
        model=model,
        rubric_name=rubric_name,
        derive_many=submit_ahead(db, model, rubric_name, window),
        progress=progress,
        labs=labs,
    ).as_dict()
    return {**summary, "prefect_flow_run": flow_run.id}  # find the run in the Prefect UI


def run_with_prefect(
    corpus: Path, db: Path, *, model: str = models.DEFAULT_MODEL, progress=None, labs: list[str] | None = None
) -> dict:
    """Run the flow unless content hashes show nothing to do (then Prefect need not start).

    Without PREFECT_API_URL, Prefect needs a temporary API server (seconds to start, more the
    first time it creates its database): it is started first, in the background, while this
    process loads the embedding model and the parser worker loads spaCy.
    """
    import os
    import threading

    from labwatch.corpus.local import discover_corpus
    from labwatch.flows.pipeline import pending_corpus_items

    wh = Warehouse(db)
    docs = [d for d in discover_corpus(corpus) if labs is None or d.lab in labs]
    pending, _ = pending_corpus_items(wh, docs, models.versions(model).signature)
    if not pending:
        return run_corpus(corpus, wh, model=model, progress=progress, labs=labs).as_dict()
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = threading.Thread(target=start_temporary_api, daemon=True, name="labwatch-prefect-api")
        server.start()
    deriver = deriver_for(wh, model, models.DEFAULT_RUBRIC)  # the flow's tasks reuse it (same process)
    deriver.extract_ahead(plan_batches(pending)[0])  # the parser worker starts on the first batch
    deriver.warm()  # and this process loads the embedding model
    if server is not None:
        server.join()
    return run_flow(str(corpus), as_parameter(str(db)), model=model, progress=progress, labs=labs)


def start_temporary_api() -> None:
    """Start Prefect's temporary (ephemeral) API server now; the flow's client finds it running."""
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().start()


def serve_crawl(*, cron: str, sources: Path | None, db: Path, allow_private: bool = False) -> None:
    """Serve the crawl flow as a deployment on a cron schedule (needs PREFECT_API_URL)."""
    refuse_stored_secret(str(db), "a schedule")
    crawl_flow.serve(
        name="labwatch-crawl",
        cron=cron,
        parameters={"sources": str(sources) if sources else None, "db": str(db), "allow_private": allow_private},
    )


@flow(name="labwatch-crawl", validate_parameters=False)
def crawl_flow(
    sources: str | None = None,
    db: str = "data/labwatch.duckdb",
    lab: str | None = None,
    allow_private: bool = False,
    backfill: bool = False,
) -> dict:
    """The scheduled crawl: fetch the registry, derive new versions in batch tasks.

    A crawl in which any source failed ends in Prefect's Failed state (as `labwatch crawl`
    exits 1), its message naming the failures; the summary is the state's result either way.
    """
    from labwatch.corpus.records import FetchPolicy
    from labwatch.flows.crawling import crawl_sources

    model, rubric_name = models.DEFAULT_MODEL, models.DEFAULT_RUBRIC
    derive = lambda batch: derive_batch_task(db, model, rubric_name, batch)  # noqa: E731
    summary = crawl_sources(
        Warehouse(db),
        lab=lab,
        sources_dir=Path(sources) if sources else None,
        policy=FetchPolicy(allow_private=allow_private),
        backfill=backfill,
        derive=derive,
    ).as_dict()  # the flow's result stays plain data
    if summary["failed"]:
        from prefect.states import Failed

        return Failed(message=failure_message(summary), data=summary)
    return summary


def failure_message(summary: dict, shown: int = 5) -> str:
    """'2 of 3 sources failed (run r_…): <reason>; <reason>' for a failed crawl's Prefect state."""
    reasons = [f["reason"] for f in summary["failures"]]
    more = f"; and {len(reasons) - shown} more" if len(reasons) > shown else ""
    return (
        f"{summary['failed']} failure(s) in {summary['sources']} sources (run {summary['run_id']}, "
        f"status {summary['status']}): " + "; ".join(reasons[:shown]) + more
    )
