from datetime import timedelta
from pathlib import Path

import pytest

from worker.errors import ConfigError
from worker.settings import load_settings, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("30", 30), ("1.5h", 5400)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5x", "m15", "", "-3s", "1 week"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newswatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_design_example(tmp_path):
    path = _config(
        tmp_path,
        '[database]\nurl = "sqlite:///x.db"\n[schedule]\nevery = "15m"\ntick = "5s"\n'
        '[[watch]]\nurl = "https://example.com/a"\nevery = "1h"\n'
        '[[alerts]]\ntype = "webhook"\nurl = "http://127.0.0.1:9000/hook"\nsecret = "whsec_x"\n',
    )
    settings = load_settings(path, environ={})
    assert settings.database_url == "sqlite:///x.db"
    assert settings.schedule.every == timedelta(minutes=15)
    assert settings.watch[0].every == timedelta(hours=1)
    assert settings.alerts[0].type == "webhook"


def test_missing_default_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.database_url == "sqlite:///newswatch.db"
    assert settings.http.max_bytes == 10_000_000


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: configuration file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_database_url_precedence(tmp_path):
    path = _config(tmp_path, '[database]\nurl = "sqlite:///file.db"\n')
    env = {"NEWSWATCH_DATABASE_URL": "sqlite:///env.db"}
    assert load_settings(path, environ=env).database_url == "sqlite:///env.db"
    assert load_settings(path, "sqlite:///arg.db", environ=env).database_url == "sqlite:///arg.db"


def test_config_from_environment(tmp_path):
    path = _config(tmp_path, '[schedule]\nevery = "2h"\n')
    settings = load_settings(None, environ={"NEWSWATCH_CONFIG": str(path)})
    assert settings.schedule.every == timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[schedule]\nevry = '15m'\n", "schedule.evry", "unknown key"),
        ("[schedule]\nevery = '15 minutes'\n", "schedule.every", "bad duration"),
        (
            "[[watch]]\nurl = 'https://a.example/'\nevery = '9999999999d'\n",
            "watch[0].every",
            "too long",
        ),
        ("[[watch]]\nurl = 'not a url'\n", "watch[0].url", "URL"),
        ("[http]\nmax_bytes = 'lots'\n", "http.max_bytes", "integer"),
        ("[database]\nurl = 'mysql://x'\n", "database.url", "unsupported database URL"),
        ("[[alerts]]\ntype = 'carrier-pigeon'\n", "alerts[0].type", "webhook"),
        (
            "[[alerts]]\ntype = 'log'\nretry = ['5s', 'soon']\n",
            "alerts[0].retry[1] (line 3)",
            "bad duration 'soon'",
        ),
        ("[[alerts]]\ntype = 'log'\nretry = '5s'\n", "alerts[0].retry (line 3)", "a list of waits"),
        ("[[alerts]]\ntype = 'log'\nretry = ['-5s']\n", "alerts[0].retry[0]", "bad duration"),
    ],
    ids=[
        "unknown-key",
        "bad-duration",
        "huge-duration",
        "bad-url",
        "wrong-type",
        "bad-database",
        "bad-alert",
        "bad-retry-wait",
        "retry-not-a-list",
        "negative-retry-wait",
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path, text, key, problem):
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert str(path) in message
    assert key in message
    assert problem in message


def test_alert_retry_defaults_to_the_standard_webhooks_schedule(tmp_path):
    path = _config(
        tmp_path,
        "[[alerts]]\ntype = 'log'\nname = 'a'\n"
        "[[alerts]]\ntype = 'log'\nname = 'b'\nretry = ['0s', '0.1s', '5m', 30]\n"
        "[[alerts]]\ntype = 'log'\nname = 'c'\nretry = []\n",
    )
    default, given, never = load_settings(path, environ={}).alerts
    hours = [2, 5, 10, 14, 20, 24]
    assert default.retry == (
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        *(timedelta(hours=h) for h in hours),
    )
    assert given.retry == (
        timedelta(0),
        timedelta(seconds=0.1),
        timedelta(minutes=5),
        timedelta(seconds=30),  # a bare number is seconds
    )
    assert never.retry == ()


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = _config(tmp_path, "[schedule]\nevery = \n")
    with pytest.raises(ConfigError, match=r"newswatch\.toml: not valid TOML: .*line 2"):
        load_settings(path, environ={})


def test_bad_config_names_the_line(tmp_path):
    path = _config(
        tmp_path,
        '[schedule]\nevery = "15m"\n\n[[watch]]\nurl = "https://a.example/"\n'
        '[[watch]]\nlabel = "two"\nurl = "nope"\n',
    )
    with pytest.raises(ConfigError, match=r"watch\[1\]\.url \(line 8\): "):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[schedule]\nevery = "15m"\n\n[htp]\ntimeout = "5s"\n', r"htp \(line 4\): unknown key"),
        ('[[sources]]\nurl = "https://a.example/feed"\n', r"sources \(line 1\): unknown key"),
    ],
    ids=["table", "array-of-tables"],
)
def test_an_unknown_table_is_named_with_its_line(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(_config(tmp_path, text), environ={})


def test_two_alerts_with_one_name_are_refused(tmp_path):
    path = _config(
        tmp_path,
        "[[alerts]]\ntype = 'webhook'\nurl = 'https://a.example/hook'\n"
        "[[alerts]]\ntype = 'webhook'\nurl = 'https://b.example/hook'\n",
    )
    with pytest.raises(ConfigError, match=r"alerts\[0\] and alerts\[1\] are both named 'webhook'"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    "text",
    [
        "[database]\nurl = 'mysql://admin:hunter22@db.example/news'\n",
        "[[alerts]]\ntype = 'webhook'\nurl = 'https://a.example/?key=hunter22'\ntimeout = 'x'\n"
        "[[alerts]]\ntype = 'webhook'\nurl = 'https://b.example/?key=hunter22'\n",
        "[web]\ntoken = ['hunter22']\n",
    ],
    ids=["database-password", "alerts-list", "token"],
)
def test_config_errors_never_repeat_credentials(tmp_path, text):
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "hunter22" not in str(caught.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (0.05, "0.05s"),
        (90, "90s"),
        (900, "15m"),
        (5400, "90m"),
        (7200, "2h"),
        (172800, "2d"),
    ],
)
def test_durations_print_as_the_config_writes_them(seconds, text):
    from worker.durations import format_duration, parse_duration

    assert format_duration(timedelta(seconds=seconds)) == text
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_an_ignore_selector_that_is_no_css_names_the_watch_and_the_reason(tmp_path):
    path = _config(tmp_path, '[[watch]]\nurl = "https://a.example/x"\nignore = ["div[["]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "watch[0].ignore" in str(caught.value)
    assert "not a CSS selector" in str(caught.value)


def test_ignore_selectors_on_watches_and_sources(tmp_path):
    text = (
        '[[watch]]\nurl = "https://a.example/x"\nignore = [".most-read", "aside.promo"]\n'
        '[[source]]\nurl = "https://a.example/feed"\nignore = ["#newsletter"]\n'
    )
    settings = load_settings(_config(tmp_path, text), environ={})
    assert settings.watch[0].ignore == [".most-read", "aside.promo"]
    assert settings.source[0].ignore == ["#newsletter"]
