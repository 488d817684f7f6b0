"""Scale-out on the real PostgreSQL: several processes claiming, a killed worker's leases
taken over, migrations started together, and the foundation story through the CLI."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import time
from datetime import timedelta
from socket import gethostname

import cli_runner
import pytest
import sqlalchemy as sa

from worker.db import create_engine, migrate
from worker.models import utcnow
from worker.store import Store

pytestmark = pytest.mark.postgres


def _migrate(url: str) -> None:
    migrate(create_engine(url))


def test_migrations_started_together_all_succeed(postgres):
    url = postgres.url(postgres.create(template=None))  # an empty database
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_migrate, args=(url,)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    engine.dispose()
    assert len(versions) == 1


def test_a_killed_workers_leases_are_taken_over(
    postgres_url, tmp_path, write_config, server, seed_v1
):
    slow = server.serve("/slow", seed_v1)
    config = write_config(tmp_path / "c.toml", '[schedule]\nlease = "2s"\ntick = "0.2s"\n')
    store = Store(create_engine(postgres_url))
    store.add_watch(slow)
    # A worker that claimed the watch and died before releasing it:
    [watch] = store.claim_due("dead:1", 5, utcnow(), timedelta(seconds=2))
    assert watch.lease_owner == "dead:1"
    process = cli_runner.start(
        "run", config=config, database=postgres_url, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not store.versions_of(store.watch_id(slow)):
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        process.kill()
    [snapshot] = store.versions_of(store.watch_id(slow))
    assert snapshot.version == 1
    [(watch, _)] = store.list_watches()
    assert watch.lease_owner is None


def test_a_worker_killed_with_sigkill_leaves_work_others_finish(
    postgres_url, tmp_path, write_config, server, seed_v1
):
    urls = [
        server.serve(f"/a/{n}", seed_v1.replace(b"Damascus", f"Story {n}".encode()))
        for n in range(6)
    ]
    config = write_config(tmp_path / "c.toml", '[schedule]\nlease = "2s"\ntick = "0.2s"\n')
    store = Store(create_engine(postgres_url))
    for url in urls:
        store.add_watch(url)
    server.hold()  # the first worker's fetches hang: it dies holding the leases it claimed
    first = cli_runner.start("run", config=config, database=postgres_url, stderr=subprocess.DEVNULL)
    try:
        assert server.arrived.wait(60), "the first worker never fetched"
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    server.release()
    leased = [w for w, _ in store.list_watches() if w.lease_owner == f"{gethostname()}:{first.pid}"]
    assert leased, "the first worker died holding no lease"
    assert not any(store.versions_of(store.watch_id(watch.url)) for watch in leased)
    second = cli_runner.start(
        "run", config=config, database=postgres_url, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 40
        since = utcnow() - timedelta(minutes=1)
        while time.monotonic() < deadline:
            alive = {row.id for row, _ in store.workers(since)}
            if all(store.versions_of(store.watch_id(url)) for url in urls) and any(
                worker.endswith(f":{second.pid}") for worker in alive
            ):
                break
            time.sleep(0.3)
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
    finally:
        second.kill()
    assert [len(store.versions_of(store.watch_id(url))) for url in urls] == [1] * 6
    assert store.recent_changes(limit=None) == []  # nothing recorded twice


def test_the_story_on_postgresql(postgres_url, tmp_path, write_config, server, seed_v1, seed_v2):
    config = write_config(tmp_path / "c.toml", "")

    def run(*args: str) -> str:
        return cli_runner.ok(*args, config=config, database=postgres_url).stdout

    url = server.serve("/story", seed_v1)
    run("init")
    run("watch", "add", url)
    assert "1 new" in run("check", url)
    assert "1 unchanged" in run("check", url)
    server.serve("/story", b"busy", status=503)
    assert "1 error" in run("check", url)
    server.serve("/story", seed_v2)
    assert "1 changed" in run("check", url)
    [change] = json.loads(run("changes", "--json"))
    assert {"title", "body"} <= set(change["fields"])
    assert (change["from_version"], change["to_version"]) == (1, 2)
    assert [s["version"] for s in json.loads(run("snapshots", url, "--json"))] == [1, 2]
    assert "{+" in run("diff", url)
