"""The dependency rule of DESIGN.md: cli -> service -> pipeline -> stages -> base modules."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "worker"

BASE = {
    "types",
    "errors",
    "models",
    "settings",
    "config_file",
    "config_values",
    "urls",
    "robots",
    "headers",
    "words",
    "durations",
}
BASE |= {"transport", "logs", "redact", "isolate", "schedule"}
STAGES = {"fetch", "extract", "diff", "discover", "store", "notify", "db", "migrations", "guard"}
STAGES |= {"shapes", "archive"}
# The layers, lowest first: a module imports only from lower layers (see docs/ARCHITECTURE.md).
LAYERS = [
    BASE,
    STAGES,
    {"decide"},  # pure decisions that combine the stages' results
    {"pipeline", "outbox", "poller"},  # the modules that run the stages
    {"service", "web"},  # the long-running processes
    {"commands"},
    {"cli"},
    {"__main__"},
]
RANKS = {name: rank for rank, layer in enumerate(LAYERS) for name in layer} | {"__init__": 0}


def _top(module_path: Path) -> str:
    parts = module_path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(source: str) -> set[str]:
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name.split(".")[1] for name in found if name.startswith("worker.")}


def _violations(path: Path, source: str) -> list[str]:
    mine = _top(path)
    rank = RANKS[mine]
    wrong = []
    for target in sorted(_imports(source) - {mine}):
        if target not in RANKS:
            continue  # a name imported from the package itself, such as `from worker import diff`
        if not (RANKS[target] < rank or (rank == 0 and RANKS[target] == 0)):
            wrong.append(f"worker/{path.relative_to(PACKAGE)} imports worker.{target}")
    return wrong


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "versions" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    assert _violations(path, path.read_text(encoding="utf-8")) == []


def test_every_module_has_a_layer():
    unknown = {_top(path) for path in MODULES} - set(RANKS)
    assert not unknown, f"add these modules to a layer in this test: {unknown}"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("fetch.py", "from worker.pipeline import Pipeline"),
        ("diff.py", "from worker import extract"),
        ("store.py", "import worker.fetch"),
        ("store/checks.py", "from worker.fetch import Fetcher"),
        ("pipeline.py", "from worker.service import Service"),
        ("types.py", "from worker.store import Store"),
    ],
)
def test_rule_catches_wrong_imports(module, source):
    assert _violations(PACKAGE / module, source) != []


def test_a_package_may_import_its_own_submodules():
    source = "from worker.store._rows import _insert_new\nfrom worker.store import history"
    assert _violations(PACKAGE / "store" / "checks.py", source) == []
