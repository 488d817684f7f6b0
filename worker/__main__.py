"""python -m worker, and the `newswatch` command."""

import sys


def entry() -> int:
    """Run the command line; Ctrl-C while it is still loading exits quietly (130)."""
    try:
        from worker.cli import main  # the import itself takes a moment
    except KeyboardInterrupt:
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(entry())
