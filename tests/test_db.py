import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from worker.db import MIGRATIONS, SCHEMA_HEAD, at_head, create_engine, migrate
from worker.errors import ConfigError
from worker.migrations.search import include_name
from worker.models import Snapshot, utcnow


def test_sqlite_runs_in_wal_with_foreign_keys(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrate_is_idempotent_and_keeps_data(database_url):
    engine = create_engine(database_url)
    migrate(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO watch (url, active, from_config, consecutive_failures, created_at) "
            "VALUES ('https://a.example/', 1, 0, 0, '2026-01-01 00:00:00')"
        )
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM watch")).scalar() == 1
        head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert head == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_an_unusable_database_url_is_a_config_error_without_the_password():
    with pytest.raises(ConfigError) as caught:
        create_engine("postgresql+nosuchdriver://newswatch:hunter22@db.example/news")
    message = str(caught.value)
    assert "postgresql+nosuchdriver://newswatch:***@db.example/news" in message
    assert "hunter22" not in message


def test_schema_head_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_HEAD]


def test_a_database_at_head_is_not_migrated_again(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'n.db'}")
    assert not at_head(engine)
    migrate(engine)
    assert at_head(engine)
    migrate(engine)  # a no-op
    engine.dispose()


def test_a_failing_migration_on_sqlite_leaves_no_table_behind(tmp_path, monkeypatch):
    """The whole upgrade is one transaction: tables created before the failure vanish."""

    url = f"sqlite:///{tmp_path / 'x.db'}"
    real_upgrade = command.upgrade

    def upgrade_then_fail(config, revision):
        real_upgrade(config, revision)
        raise sa.exc.OperationalError("upgrade", {}, Exception("killed"))

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    engine = create_engine(url)
    with pytest.raises(Exception, match="killed"):
        migrate(engine)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
    monkeypatch.setattr(command, "upgrade", real_upgrade)
    engine = create_engine(url)
    migrate(engine)
    assert at_head(engine)
    engine.dispose()


@pytest.mark.e2e
def test_init_killed_at_random_points_always_leaves_a_database_init_opens(tmp_path):
    """kill -9 of `newswatch init` on a fresh SQLite file, 30 times at random points of its
    run: each time the next migration finds the old schema (none) or the new one."""
    import random
    import signal
    import subprocess
    import time

    import cli_runner

    def start(database):
        return cli_runner.start("init", database=database, stdout=subprocess.DEVNULL)

    started = time.monotonic()
    start(tmp_path / "timing.db").wait(timeout=60)
    whole = time.monotonic() - started
    rng = random.Random(15)
    for n in range(30):
        database = tmp_path / f"{n}.db"
        process = start(database)
        try:
            process.wait(timeout=rng.uniform(0.3, 1.0) * whole)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        engine = create_engine(f"sqlite:///{database}")
        try:
            migrate(engine)  # raises if the kill left a half-made schema
            assert at_head(engine)
        finally:
            engine.dispose()


@pytest.mark.parametrize(
    ("table", "row"),
    [
        ("check", {"outcome": "fine"}),
        ("change", {"significance": "huge"}),
        ("change", {"kind": "rewrite"}),
        ("delivery", {"event": "article.deleted"}),
        ("delivery", {"status": "lost"}),
        ("source", {"kind": "rss"}),
    ],
)
def test_a_column_of_domain_words_refuses_any_other_word(store, table, row):
    """The migrations' check constraints come from worker.types, on SQLite and PostgreSQL."""
    rows = _valid_rows(store.engine)
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(sa.table(table, *map(sa.column, rows[table] | row)).insert(),
                           rows[table] | row)  # fmt: skip
    for name, values in rows.items():  # the same rows with the domain's words are accepted
        with store.engine.begin() as connection:
            connection.execute(sa.table(name, *map(sa.column, values)).insert(), values)


def _old_watch(url: str) -> dict[str, object]:
    """A watch row as the schema of 0010 to 0016 has it (not through today's models)."""
    return {"url": url, "active": True, "from_config": False, "by_hand": True,
            "consecutive_failures": 0, "hold_count": 0, "gone_checks": 0, "removed": False,
            "public_only": False, "respect_robots": False, "created_at": utcnow()}  # fmt: skip


def _valid_rows(engine) -> dict[str, dict[str, object]]:
    """Rows valid at 0010, written as that schema has them (not through today's models)."""
    now = utcnow()
    watch = _old_watch("https://a.example/story")
    with engine.begin() as connection:
        connection.execute(sa.table("watch", *map(sa.column, watch)).insert(), watch)
        watch_id = connection.execute(sa.text("SELECT id FROM watch")).scalar()
    return {
        "check": {"watch_id": watch_id, "started_at": now, "outcome": "held", "duration_ms": 0,
                  "bytes": 0},
        "change": {"watch_id": watch_id, "from_version": 1, "to_version": 2, "detected_at": now,
                   "kind": "edit", "fields": "[]", "significance": "minor", "stats": "{}",
                   "operations": "[]", "summary": ""},
        "delivery": {"key": "k1", "channel": "c", "event": "article.new", "data": "{}",
                     "status": "pending", "attempts": 0, "created_at": now,
                     "next_attempt_at": now},
        "source": {"url": "https://a.example/feed", "kind": "feed", "active": True,
                   "from_config": False, "allow_private": False, "ignore_robots": False,
                   "every_seconds": 900, "created_at": now, "consecutive_failures": 0,
                   "enrolled": 0},
    }  # fmt: skip


def _engine_at(tmp_path, revision: str) -> sa.Engine:
    """A new SQLite database migrated up to `revision` only."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def test_upgrading_to_the_word_constraints_keeps_every_row(tmp_path):
    """0011 rebuilds four tables on SQLite (batch mode): rows and indexes survive it."""
    engine = _engine_at(tmp_path, "0010")
    rows = _valid_rows(engine)
    for name, values in rows.items():
        with engine.begin() as connection:
            connection.execute(sa.table(name, *map(sa.column, values)).insert(), values)
    migrate(engine)
    with engine.connect() as connection:
        for name in rows:
            assert connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar() == 1
        indexes = {row[0] for row in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}  # fmt: skip
    assert {"ix_check_watch_started", "ix_delivery_due"} <= indexes
    assert at_head(engine)


def test_upgrading_to_the_host_column_fills_it_for_every_watch(tmp_path):
    """0017 adds watch.host and fills it from each stored URL."""
    engine = _engine_at(tmp_path, "0016")
    urls = [f"https://site{n % 3}.example/{n}" for n in range(12)] + ["http://[::1]:8080/x"]
    rows = [_old_watch(url) for url in urls]
    with engine.begin() as connection:
        connection.execute(sa.table("watch", *map(sa.column, rows[0])).insert(), rows)
    migrate(engine)
    with engine.connect() as connection:
        hosts = dict(connection.execute(sa.text("SELECT url, host FROM watch")).all())
    assert hosts == {u: ("::1" if "[" in u else u.split("/")[2]) for u in urls}


def test_the_host_column_downgrades_with_the_rows_that_reference_watches(store):
    """0018 and 0017 undone on a database with versions: nothing lost, the column gone."""
    watch = store.add_watch("https://news.example/a")
    with store.session() as session:
        session.add(Snapshot(watch_id=watch.id, version=1, content_hash="h", fetched_at=utcnow()))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    with store.engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("watch")}
        assert connection.execute(sa.text("SELECT count(*) FROM snapshot")).scalar() == 1
    assert "host" not in columns and "url" in columns
    migrate(store.engine)
    assert at_head(store.engine)
