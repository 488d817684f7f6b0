"""`python -m worker ...` in a subprocess: the one way the tests and the benches run the CLI.

Plain Python, no pytest: the tests import it as a module beside them (`from cli_runner import
...`), the benches after putting tests/ on sys.path. `database` is a URL, or a Path that
means a SQLite file; `config` and `database` are left out of the command line when None (the
CLI's own defaults apply).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]  # the repository: the CLI runs from here


def argv(
    *args: str, config: Path | str | None = None, database: Path | str | None = None
) -> list[str]:
    """The command line of `newswatch [--config C] [--database-url D] ARGS`."""
    command = [sys.executable, "-m", "worker"]
    if config is not None:
        command += ["--config", str(config)]
    if database is not None:
        url = f"sqlite:///{database}" if isinstance(database, Path) else database
        command += ["--database-url", url]
    return [*command, *args]


def run(
    *args: str,
    config: Path | str | None = None,
    database: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run the command to its end from the repository root, its output captured as text."""
    return subprocess.run(
        argv(*args, config=config, database=database),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=check,
    )


def ok(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """`run`, which must exit 0: otherwise an AssertionError carrying its stderr."""
    done = run(*args, **options)
    assert done.returncode == 0, done.stderr
    return done


def start(
    *args: str,
    config: Path | str | None = None,
    database: Path | str | None = None,
    **popen: Any,
) -> subprocess.Popen[Any]:
    """Start the command (`run`, `serve`, ...) from the repository root; `popen` are
    subprocess.Popen's own options (stdout, stderr, text, env)."""
    return subprocess.Popen(argv(*args, config=config, database=database), cwd=ROOT, **popen)
