import argparse
import io
import json
import shlex
import subprocess
import sys
from datetime import timedelta

import cli_runner
import pytest

from worker.cli import main
from worker.commands.output import _progress_bar
from worker.db import create_engine
from worker.models import utcnow
from worker.store import Store
from worker.types import CheckRecord


@pytest.fixture
def cli(tmp_path, database_url, monkeypatch, write_config, capsys):
    """Run `newswatch ARGS` in-process against a temporary config and an initialised
    database."""
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    monkeypatch.delenv("NEWSWATCH_DATABASE_URL", raising=False)
    config = write_config(tmp_path / "newswatch.toml", "")

    def run(*args: str) -> int:
        return main(["--config", str(config), "--database-url", database_url, *args])

    assert run("init") == 0
    capsys.readouterr()
    return run


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_watch_add_list_remove(cli, capsys):
    assert (
        cli(
            "watch",
            "add",
            "https://Example.com/a?utm_source=rss",
            "--every",
            "2h",
            "--label",
            "mine",
        )
        == 0
    )
    capsys.readouterr()
    assert cli("watch", "list", "--json") == 0
    [row] = _json(capsys)
    assert row["url"] == "https://example.com/a"
    assert (row["label"], row["active"], row["versions"], row["every"]) == ("mine", True, 0, 7200)
    assert row["next_check_at"].endswith("Z")
    assert row["last_checked_at"] is None
    assert cli("watch", "remove", "https://example.com/a") == 0
    capsys.readouterr()
    cli("watch", "list", "--json")
    assert _json(capsys)[0]["active"] is False


def test_watch_import_skips_comments_and_blank_lines(cli, capsys, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("# my list\n\nhttps://a.example/1\n  https://b.example/2  \n")
    assert cli("watch", "import", str(listing)) == 0
    capsys.readouterr()
    cli("watch", "list", "--json")
    assert [row["url"] for row in _json(capsys)] == ["https://a.example/1", "https://b.example/2"]


def test_adding_a_watched_url_again_changes_only_what_is_given(cli, capsys):
    url = "https://example.com/a"
    cli("watch", "add", url, "--every", "2h", "--label", "keep")
    cli("watch", "add", url)
    cli("watch", "add", url, "--every", "3h")
    capsys.readouterr()
    cli("watch", "list", "--json")
    [row] = _json(capsys)
    assert (row["label"], row["every"]) == ("keep", 3 * 3600)
    cli("watch", "add", url, "--label", "")
    capsys.readouterr()
    cli("watch", "list", "--json")
    assert _json(capsys)[0]["label"] is None


def test_watch_import_takes_comments_after_the_url_and_counts_each_url_once(cli, capsys, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "https://a.example/1  # the first\n"
        "https://a.example/1?utm_source=x\t# the same article\n"
        "https://b.example/2\n"
    )
    assert cli("watch", "import", str(listing)) == 0
    assert "watching 2 URLs" in capsys.readouterr().out
    cli("watch", "list", "--json")
    assert [row["url"] for row in _json(capsys)] == ["https://a.example/1", "https://b.example/2"]


def test_watch_import_refuses_text_after_a_url(cli, capsys, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("https://a.example/1 https://b.example/2\n")
    assert cli("watch", "import", str(listing)) == 2
    assert f"{listing}:1: text after the URL" in capsys.readouterr().err


def test_watch_import_from_stdin(cli, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("https://a.example/1\n"))
    assert cli("watch", "import", "-") == 0
    capsys.readouterr()
    cli("watch", "list", "--json")
    assert len(_json(capsys)) == 1


def test_watch_import_bad_line_names_file_and_line(cli, capsys, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("https://a.example/1\nnot a url\n")
    assert cli("watch", "import", str(listing)) == 2
    err = capsys.readouterr().err
    assert f"{listing}:2: not an http(s) URL" in err
    cli("watch", "list", "--json")
    assert _json(capsys) == []  # nothing imported from a file with errors


def test_config_watches_are_synced(tmp_path, database_url, capsys, write_config):
    config = write_config(tmp_path / "c.toml", '[[watch]]\nurl = "https://a.example/1"\n')
    assert main(["--config", str(config), "--database-url", database_url, "init"]) == 0
    assert "(1 watch)" in capsys.readouterr().out
    write_config(config, '[[watch]]\nurl = "https://b.example/2"\nlabel = "b"\n')
    # Reading commands show the database as it is; init, check and run sync the config.
    main(["--config", str(config), "--database-url", database_url, "watch", "list", "--json"])
    assert {row["url"]: row["active"] for row in _json(capsys)} == {"https://a.example/1": True}
    assert main(["--config", str(config), "--database-url", database_url, "init"]) == 0
    capsys.readouterr()
    main(["--config", str(config), "--database-url", database_url, "watch", "list", "--json"])
    rows = {row["url"]: row["active"] for row in _json(capsys)}
    assert rows == {"https://a.example/1": False, "https://b.example/2": True}


BAD_USAGE = [  # (id, arguments, what the one-line error must name)
    ("unknown-command", ["frobnicate"], "invalid choice: 'frobnicate'"),
    ("bad-url", ["watch", "add", "not-a-url"], "not an http(s) URL: 'not-a-url'"),
    ("bad-every", ["watch", "add", "https://a.example/", "--every", "soon"], "'soon'"),
    ("zero-every", ["watch", "add", "https://a.example/", "--every", "0s"], "more than zero"),
    (
        "huge-every",
        ["watch", "add", "https://a.example/", "--every", "99999999d"],
        "too long: at most '3650d'",
    ),
    ("space-in-host", ["watch", "add", "http://exa mple.com/"], "space in the host"),
    ("space-in-path", ["watch", "add", "https://a.example/a story.html"], "has no spaces"),
    ("all-and-urls", ["check", "--all", "https://a.example/"], "give URLs or --all, not both"),
    ("version-0", ["show", "https://a.example/", "--version", "0"], "positive whole number"),
    ("bad-since", ["changes", "--since", "yesterday"], "got 'yesterday'"),
    ("bad-format", ["diff", "https://a.example/", "--format", "pdf"], "invalid choice: 'pdf'"),
]


@pytest.mark.parametrize(
    ("args", "said"), [c[1:] for c in BAD_USAGE], ids=[c[0] for c in BAD_USAGE]
)
def test_bad_usage_exits_2(cli, capsys, args, said):
    try:
        status = cli(*args)
    except SystemExit as exc:  # argparse exits by itself
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert said in err.strip().splitlines()[-1]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[schedule]\nevery = "often"\n', "schedule.every"),
        ('[[alerts]]\ntype = "log"\nretry = ["5s", "later"]\n', "alerts[0].retry[1] (line 3)"),
    ],
    ids=["schedule", "alert-retry"],
)
def test_bad_config_exits_2_naming_file_and_key(tmp_path, capsys, text, key):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    assert main(["--config", str(config), "init"]) == 2
    err = capsys.readouterr().err
    assert str(config) in err
    assert key in err


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "absent.toml"), "init"]) == 2
    assert "absent.toml: configuration file not found" in capsys.readouterr().err


def test_unknown_url_exits_1(cli, capsys):
    assert cli("snapshots", "https://nowhere.example/") == 1
    assert "not watched: https://nowhere.example/" in capsys.readouterr().err


def test_adding_a_followed_source_again_changes_only_what_is_given(cli, capsys):
    url = "https://example.com/feed.xml"
    cli("source", "add", url, "--kind", "feed", "--allow-private", "--label", "keep")
    cli("source", "add", url, "--every", "1h")
    cli("source", "add", url)
    capsys.readouterr()
    cli("source", "list", "--json")
    [row] = _json(capsys)
    assert (row["kind"], row["allow_private"], row["label"], row["every"]) == (
        "feed",
        True,
        "keep",
        3600,
    )


def test_source_add_prints_its_interval_as_a_duration(cli, capsys):
    cli("source", "add", "https://example.com/feed.xml", "--every", "1d")
    assert capsys.readouterr().out.strip().endswith("every 1d)")
    cli("source", "add", "https://example.com/other.xml")
    assert capsys.readouterr().out.strip().endswith("every 15m)")


def test_source_list_shows_the_label_as_watch_list_does(cli, capsys):
    cli("source", "add", "https://example.com/feed.xml", "--label", "desk")
    capsys.readouterr()
    cli("source", "list")
    assert capsys.readouterr().out.startswith("https://example.com/feed.xml [desk]  auto")


def test_retrying_an_unknown_delivery_says_only_that(cli, capsys):
    assert cli("alerts", "retry", "999") == 1
    printed = capsys.readouterr()
    assert printed.out == "" and "no failed delivery with id 999" in printed.err


def test_polling_an_unknown_source_exits_1(cli, capsys):
    assert cli("source", "poll", "https://nowhere.example/feed.xml") == 1
    assert "not a source: https://nowhere.example/feed.xml" in capsys.readouterr().err


def test_retrying_an_alert_that_did_not_fail_exits_1(cli, capsys):
    assert cli("alerts", "retry", "999") == 1
    assert "no failed delivery with id 999" in capsys.readouterr().err


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`newswatch watch list --json | head -c 10` must end quietly when head stops reading
    (the listing is far larger than a pipe's buffer)."""
    listing = tmp_path / "urls.txt"
    listing.write_text("".join(f"https://example.com/story-{n}\n" for n in range(2000)))
    database = tmp_path / "n.db"
    cli_runner.run("watch", "import", str(listing), database=database, check=True)
    listing_json = cli_runner.argv("watch", "list", "--json", database=database)
    pipeline = f"{shlex.join(listing_json)} | head -c 10"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, text=True, timeout=120
    )
    assert done.stdout == '[\n  {\n    "'[:10]
    assert done.stderr == ""
    assert done.returncode == 141


def test_a_database_in_a_folder_that_does_not_exist_is_refused_not_created(
    tmp_path, capsys, write_config
):
    url = f"sqlite:///{tmp_path}/no/such/dir/newswatch.db"
    config = write_config(tmp_path / "c.toml", "")
    assert main(["--config", str(config), "--database-url", url, "init"]) == 2
    assert f"folder {tmp_path}/no/such/dir does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_unusable_database_exits_1(tmp_path, capsys, write_config):
    (tmp_path / "n.db").mkdir()  # a folder where the database file should be
    url = f"sqlite:///{tmp_path}/n.db"
    config = write_config(tmp_path / "c.toml", "")
    assert main(["--config", str(config), "--database-url", url, "init"]) == 1
    assert "newswatch:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["watch", "list"],
        ["changes", "--json"],
        ["snapshots", "https://example.com/a"],
        ["diff", "https://example.com/a"],
        ["alerts", "list"],
        ["source", "list"],
        ["workers"],
        ["noise", "list"],
        ["serve"],
        ["watch", "remove", "https://example.com/a"],
        ["alerts", "retry", "1"],
        ["source", "remove", "https://example.com/feed"],
        ["noise", "forget", "example.com", "most read"],
    ],
)
def test_reading_a_database_that_does_not_exist_is_an_error(tmp_path, capsys, args):
    """A mistyped SQLite path is reported, not shown as an empty database, and not made."""
    path = tmp_path / "typo" / "newswatch.db"
    assert main(["--database-url", f"sqlite:///{path}", *args]) == 1
    assert f"no database at {path}" in capsys.readouterr().err
    assert not path.exists()
    assert not path.parent.exists()


def test_changes_json_is_an_empty_array_at_first(cli, capsys):
    assert cli("changes", "--json") == 0
    assert _json(capsys) == []


def test_progress_bar_draws_and_ends_with_a_newline():
    stream = io.StringIO()
    show = _progress_bar(stream)
    now = utcnow()
    record = CheckRecord(
        watch_id=1, started_at=now, outcome="new", next_check_at=now + timedelta(1)
    )
    show(1, 2, record)
    show(2, 2, record)
    out = stream.getvalue()
    assert "\r[" + "#" * 15 + "-" * 15 + "] 1/2 new" in out
    assert "] 2/2 new" in out
    assert out.endswith("\n")


def test_check_says_when_another_worker_holds_the_url(cli, capsys, database_url):
    assert cli("watch", "add", "https://example.com/busy") == 0
    Store(create_engine(database_url)).claim_due("other:1", 1, utcnow(), timedelta(minutes=5))
    capsys.readouterr()
    assert cli("check", "https://example.com/busy") == 0
    captured = capsys.readouterr()
    assert "skipped https://example.com/busy: another worker is checking it" in captured.err
    assert captured.out.startswith("checked 0:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["watch", "add", "http://news.example:99999/a"], "Port out of range"),
        (["watch", "add", "http://[news.example/a"], "Invalid IPv6 URL"),
        (["watch", "remove", "http://[news.example/a"], "Invalid IPv6 URL"),
        (["check", "http://news.example:99999/a"], "Port out of range"),
        (["diff", "http://[news.example/a"], "Invalid IPv6 URL"),
        (["serve", "--port", "99999"], "a port is 1 to 65535"),
    ],
    ids=["add-port", "add-bracket", "remove-bracket", "check-port", "diff-bracket", "serve-port"],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(cli, capsys, args, message):
    assert cli("init") == 0
    capsys.readouterr()
    try:
        status = cli(*args)
    except SystemExit as exc:  # argparse's own exit for a bad option value
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert "Traceback" not in err


def test_an_import_file_names_each_bad_line_and_imports_nothing(cli, capsys, tmp_path):
    assert cli("init") == 0
    urls = tmp_path / "urls.txt"
    urls.write_text("https://news.example/ok\nhttp://[bad/\nhttp://news.example:99999/\n")
    assert cli("watch", "import", str(urls)) == 2
    err = capsys.readouterr().err
    assert f"{urls}:2: not a valid URL" in err and f"{urls}:3: not a valid URL" in err
    assert cli("watch", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[schedule]\nevery = "5m"\n'.encode("utf-16"), "the file is UTF-16; save it as UTF-8"),
        (b'[schedule]\nevery = "5m\n\xff\n', "not UTF-8"),
    ],
    ids=["utf-16", "latin-1"],
)
def test_a_config_file_that_is_not_utf8_is_named(tmp_path, capsys, content, message):
    config = tmp_path / "c.toml"
    config.write_bytes(content)
    assert main(["--config", str(config), "watch", "list"]) == 2
    err = capsys.readouterr().err
    assert f"{config}: " in err and message in err and "Traceback" not in err


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_bytes(b'\xef\xbb\xbf[schedule]\nevery = "5m"\n')
    url = f"sqlite:///{tmp_path / 'n.db'}"
    assert main(["--config", str(config), "--database-url", url, "init"]) == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "the database URL is empty"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
    ],
)
def test_an_empty_or_in_memory_database_url_is_refused(tmp_path, capsys, url, message):
    assert main(["--database-url", url, "watch", "add", "https://news.example/a"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("module", "unused"),
    [
        # The parser alone: --help and a bad option need nothing of the rest.
        ("worker.cli", ("sqlalchemy", "pydantic", "bs4", "fastapi", "worker.store")),
        # Reading commands: no web stack, no extractor, no fetcher, no Alembic.
        ("worker.commands", ("fastapi", "uvicorn", "jinja2", "bs4", "lxml", "alembic")),
    ],
)
def test_the_command_line_loads_only_what_it_uses(module, unused):
    code = f"import sys, {module}; print(sorted(m for m in {unused!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_option_has_help_and_every_command_an_example():
    from worker.cli import EXAMPLES, _parser

    def walk(parser, path=()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*path, name))
            elif action.dest != "help":
                assert action.help, f"{' '.join(path)} {action.dest}: no help text"
        handler = parser.get_default("handler")
        if handler:
            assert handler in EXAMPLES, f"{handler}: no example"
        # every --help ends with an example, each on one line (never wrapped mid-command)
        assert parser.epilog.startswith(("example:\n  newswatch", "examples:\n  newswatch")), path
        assert parser.formatter_class is argparse.RawDescriptionHelpFormatter, path

    list(walk(_parser()))


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("newswatch ")


def test_a_diff_is_coloured_on_a_terminal_only_and_never_with_no_color(monkeypatch):
    from worker.commands import output as commands

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert commands._colour(Terminal())
    assert not commands._colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not commands._colour(Terminal())
    painted = commands._painted_diff("substantive: 1 sentence edited\nThe [-old-]{+new+} text")
    assert "\x1b[31m[-old-]\x1b[0m" in painted and "\x1b[32m{+new+}\x1b[0m" in painted
    assert painted.startswith("\x1b[33msubstantive\x1b[0m:")


def test_noise_add_list_forget_round_trip(cli, capsys):
    assert cli("noise", "add", "News.Example", "--selector", "div.most-read") == 0
    assert cli("noise", "add", "news.example", "--prefix", "Most read:") == 0
    capsys.readouterr()
    assert cli("noise", "list", "--host", "news.example", "--json") == 0
    rules = {(r["kind"], r["key"]): r for r in _json(capsys)}
    assert set(rules) == {("selector", "div.most-read"), ("prefix", "most read")}
    assert rules[("prefix", "most read")]["last_applied"] is None
    assert cli("noise", "list") == 0
    assert "not applied yet" in capsys.readouterr().out
    assert cli("noise", "forget", "news.example", "div.most-read") == 0
    capsys.readouterr()
    assert cli("noise", "list", "--json") == 0
    assert [r["key"] for r in _json(capsys)] == ["most read"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["noise", "add", "news.example", "--selector", "div[["], "is not a CSS selector"),
        (["noise", "add", "news.example", "--selector", "p::before"], "Pseudo-element found"),
        (["noise", "add", "https://news.example/", "--prefix", "Most"], "is not a host name"),
        (["noise", "add", "news.example", "--prefix", " -- "], "holds no word"),
    ],
)
def test_bad_noise_rules_are_refused_with_the_reason(cli, capsys, args, message):
    assert cli(*args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_forgetting_a_rule_that_is_not_there_says_so(cli, capsys):
    assert cli("noise", "forget", "news.example", "nothing") == 1
    assert "no noise rule 'nothing' on news.example" in capsys.readouterr().err
