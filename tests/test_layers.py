"""The dependency direction of DESIGN §3, checked on the source rather than remembered:

    ui -> services -> (store | formats | nlp | agreement) -> core

Every module under ``annotator/`` is parsed; every import counts, including imports
inside functions (the lazy ones), except where a rule says lazy imports are allowed.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "annotator"

QT = ("PySide6", "shiboken6")
#: What each layer may import from annotator besides itself and the root package
#: (``annotator/__init__.py`` holds only the version).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "store": {"core"},
    "formats": {"core"},
    "nlp": {"core"},
    "agreement": {"core"},
}
#: Lazy imports allowed across layers: (importing module, layer). The ``spacy`` format is
#: the format registry's adapter to annotator.nlp's DocBin import and export (DESIGN §5);
#: it loads nlp (and spaCy) only when a .spacy file is read or written.
LAZY_ACROSS: set[tuple[str, str]] = {("annotator.formats.spacy", "nlp")}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. annotator.store.corpus
    target: str  # what it imports, absolute, e.g. annotator.core.model or sqlalchemy
    line: int
    lazy: bool  # inside a function

    def __str__(self) -> str:
        kind = "lazily " if self.lazy else ""
        return f"{self.module} (line {self.line}) {kind}imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect(source: str, module: str, is_package: bool) -> list[Import]:
    """The imports of one module's source, with relative imports made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend(Import(module, a.name, child.lineno, lazy) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                for alias in child.names:
                    found.append(Import(module, _target(base, alias.name), child.lineno, lazy))
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def _target(base: str, name: str) -> str:
    """What ``from base import name`` loads: "from annotator import formats" loads the
    subpackage annotator.formats, "from annotator import __version__" only the root."""
    if base == "annotator" and not (
        (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()
    ):
        return base
    return f"{base}.{name}" if base.startswith("annotator") else base


def all_imports() -> list[Import]:
    result: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        result.extend(collect(source, module_name(path), path.name == "__init__.py"))
    return result


def layer_of(module: str) -> str:
    """``core``, ``store``, ... for annotator.<layer>.*; ``cli``; ``root`` for annotator."""
    parts = module.split(".")
    if parts[0] != "annotator":
        return "third-party"
    return parts[1] if len(parts) > 1 else "root"


def annotator_layer(target: str) -> str | None:
    """The layer ``target`` belongs to, or None for a third-party module."""
    return layer_of(target) if target.split(".")[0] == "annotator" else None


def is_top(target: str, names: tuple[str, ...]) -> bool:
    return target.split(".")[0] in names


def layer_violations(imports: list[Import]) -> list[str]:
    """Every import that goes against the direction; empty when the layering holds."""
    problems: list[str] = []
    for imp in imports:
        source = layer_of(imp.module)
        target = annotator_layer(imp.target)
        if is_top(imp.target, QT) and source != "ui":
            problems.append(f"{imp}: only annotator.ui may import Qt")
        if source == "core" and is_top(imp.target, ("sqlalchemy", "spacy", "thinc")):
            problems.append(f"{imp}: core stays pure Python")
        excepted = imp.lazy and (imp.module, target) in LAZY_ACROSS
        if (
            source in ALLOWED
            and target not in (None, "root", source, *ALLOWED[source])
            and not excepted
        ):
            allowed = ", ".join(sorted(ALLOWED[source])) or "nothing"
            problems.append(f"{imp}: {source} may import from annotator only {allowed}")
        if source == "services" and target == "ui":
            problems.append(f"{imp}: services serve the ui, never import it")
        if source == "cli" and target == "ui" and not imp.lazy:
            problems.append(f"{imp}: the CLI imports the ui only inside the GUI command")
    return problems


def test_every_module_imports_along_the_direction_of_the_layers() -> None:
    imports = all_imports()

    assert len({imp.module for imp in imports}) >= 20  # the walk found the package
    assert layer_violations(imports) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("annotator.core.model", "import sqlalchemy", "core stays pure Python"),
        ("annotator.core.model", "def f():\n    import spacy", "core stays pure Python"),
        ("annotator.core.model", "from annotator.store import schema", "core may import"),
        ("annotator.core.model", "from ..formats import jsonl", "core may import"),
        ("annotator.store.corpus", "from annotator.services import stats", "store may import"),
        ("annotator.store.corpus", "from annotator import formats", "store may import"),
        ("annotator.formats.x", "from annotator.store.corpus import Corpus", "formats may"),
        ("annotator.formats.x", "from ..nlp import tokens", "formats may import"),
        ("annotator.nlp.x", "from annotator.agreement import spans", "nlp may import"),
        ("annotator.agreement.x", "def f():\n    from annotator.store import t", "agreement"),
        ("annotator.services.x", "from annotator.ui import app", "never import it"),
        ("annotator.services.x", "from PySide6 import QtCore", "only annotator.ui may import Qt"),
        ("annotator.cli", "from annotator.ui.app import main", "only inside the GUI command"),
        ("annotator.cli", "def f():\n    from PySide6 import QtCore", "only annotator.ui"),
        ("annotator.formats.x", "import shiboken6", "only annotator.ui may import Qt"),
        ("annotator.formats.spacy", "from annotator.nlp import export", "formats may import"),
        ("annotator.formats.x", "def f():\n    from annotator.nlp import export", "formats may"),
    ],
)
def test_the_check_catches_an_import_against_the_direction(
    module: str, source: str, expected: str
) -> None:
    (problem,) = layer_violations(collect(source, module, is_package=False))

    assert expected in problem


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("annotator.cli", "def gui():\n    from annotator.ui.app import main"),
        ("annotator.ui.window", "from PySide6.QtWidgets import QMainWindow"),
        ("annotator.ui.window", "from annotator.services import importing"),
        ("annotator.services.x", "from annotator.store.corpus import Corpus"),
        ("annotator.store.corpus", "from annotator import __version__"),
        ("annotator.formats.jsonl", "from . import ReadOptions"),
        ("annotator.nlp.spacy_export", "import spacy"),
        ("annotator.formats.spacy", "def f():\n    from annotator.nlp import export"),
    ],
)
def test_the_check_allows_imports_along_the_direction(module: str, source: str) -> None:
    assert layer_violations(collect(source, module, is_package=False)) == []


def loaded_after(code: str) -> set[str]:
    """Top-level modules loaded by a fresh interpreter after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


HEAVY = ("spacy", "thinc", "PySide6", "shiboken6", "annotator.ui")


def test_importing_the_cli_loads_neither_spacy_nor_qt() -> None:
    loaded = loaded_after("import annotator.cli")

    assert "annotator.cli" in loaded
    assert sorted(m for m in loaded if m.startswith(HEAVY)) == []


def test_init_import_export_and_stats_run_without_spacy_or_qt(tmp_path: Path) -> None:
    corpus = tmp_path / "c.annotator"
    article = REPO / "seeds" / "03-antwerp-e-scooter-ban.en.txt"
    out = tmp_path / "out.jsonl"
    calls = [
        ["init", str(corpus)],
        ["init", str(tmp_path / "again.annotator")],
        ["import", str(corpus), str(article)],  # --format auto asks every format
        ["export", str(corpus), str(out)],
        ["import", str(tmp_path / "again.annotator"), str(out)],
        ["stats", str(corpus)],
    ]
    loaded = loaded_after(
        "from annotator.cli import main\n"
        f"codes = [main(args) for args in {calls!r}]\n"
        "assert codes == [0] * len(codes), codes"
    )

    assert out.exists()
    assert sorted(m for m in loaded if m.startswith(HEAVY)) == []
