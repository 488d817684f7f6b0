"""Start-up time of the command line beside urlwatch's, in the same run.

Usage: python bench/bench_startup.py [--urlwatch PATH] [--runs 15]

Times whole processes (fork, interpreter, imports, the command): `newswatch --help`,
`newswatch changes --json` and `newswatch watch list` on an empty SQLite database, and
`urlwatch --help` (install it anywhere, for example `python -m venv /tmp/uw &&
/tmp/uw/bin/pip install urlwatch`, and pass `--urlwatch /tmp/uw/bin/urlwatch`). Prints the
median and the best of the runs and the ratio to urlwatch's median. The machine is shared:
read the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NEWSWATCH = Path(sys.executable).with_name("newswatch")


def timed(argv: list[str], runs: int) -> list[float]:
    """Seconds of each run of a command (its output thrown away)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urlwatch", default=shutil.which("urlwatch"))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/n.db"
        base = [str(NEWSWATCH), "--config", f"{folder}/none.toml", "--database-url", url]
        Path(f"{folder}/none.toml").write_text("")
        subprocess.run([*base, "init"], check=True, stdout=subprocess.DEVNULL)
        commands = {
            "newswatch --help": [str(NEWSWATCH), "--help"],
            "newswatch changes --json": [*base, "changes", "--json"],
            "newswatch watch list": [*base, "watch", "list"],
        }
        if args.urlwatch:
            commands["urlwatch --help"] = [args.urlwatch, "--help"]
        results = {name: timed(argv, args.runs) for name, argv in commands.items()}
    peer = statistics.median(results["urlwatch --help"]) if args.urlwatch else None
    print(f"{'command':28} {'median':>8} {'best':>8} {'÷ urlwatch':>11}   ({args.runs} runs)")
    for name, times in results.items():
        median = statistics.median(times)
        ratio = f"{median / peer:10.2f}x" if peer else "-"
        print(f"{name:28} {median * 1000:6.0f}ms {min(times) * 1000:6.0f}ms {ratio:>11}")
    if not args.urlwatch:
        print("urlwatch not found: pass --urlwatch PATH for the side-by-side figure")


if __name__ == "__main__":
    main()
