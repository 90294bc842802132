"""The package's shape, checked: data flows one way through the layers, and no module imports itself in a circle.

The layers, lowest first (docs/architecture.md explains each): a module may import its own layer and the ones
below, never one above, whether at the top of the file or inside a function. The top-level import graph has no
cycle. Exceptions are listed with their reason; adding one should be a decision, not an accident.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).parent.parent / "src" / "tickercast"
#: Lowest first; each entry names the top-level modules or packages of tickercast in that layer.
LAYERS = {
    "foundation": ("_version", "errors", "config", "progress", "jsonio", "csvsafe", "reproducible", "lifeline",
                   "parallel", "trading_calendar", "sqlite"),
    "data": ("data",),
    "prepare": ("prepare",),
    "models": ("models", "networks", "numpy_cells"),
    "evaluate": ("evaluate",),
    "library": ("bundle", "forecaster", "comparison", "lab", "rank"),
    "sweep": ("sweep",),
    "report": ("report",),
    "cli": ("cli", "__init__", "__main__"),
}
#: Imports allowed to go up a layer, and why.
EXCEPTIONS = {
    ("tickercast.config", "tickercast.prepare.features"):
        "ModelConfig checks a features setting against the catalogue (lazily, and only when it is not the default)",
}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> int:
    head = module.split(".")[1] if "." in module else "__init__"
    for rank, names in enumerate(LAYERS.values()):
        if head in names:
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and to docs/architecture.md)")


def imports(path: pathlib.Path, *, top_level_only: bool) -> set[str]:
    """tickercast modules `path` imports (TYPE_CHECKING imports never run, so they do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
                   for node in ast.walk(block)}
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tickercast"):
            # `from tickercast.cli import options` imports the submodule tickercast.cli.options
            found |= {f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                      for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("tickercast")}
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    upward = [target for target in imports(MODULES[module], top_level_only=False)
              if layer_of(target) > layer_of(module) and (module, target) not in EXCEPTIONS]
    assert not upward, f"{module} ({list(LAYERS)[layer_of(module)]}) imports a higher layer: {upward}"


def test_the_top_level_imports_form_no_circle():
    graph = {module: {target for target in imports(path, top_level_only=True) if target in MODULES}
             for module, path in MODULES.items()}
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                raise AssertionError("import circle: " + " -> ".join([*trail[trail.index(target):], target]))
            if target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_check_sees_a_circle_and_an_upward_import(tmp_path):
    (tmp_path / "a.py").write_text("from tickercast.cli import main\n\ndef f():\n    from tickercast.report import x\n")
    assert imports(tmp_path / "a.py", top_level_only=True) == {"tickercast.cli"}
    assert imports(tmp_path / "a.py", top_level_only=False) == {"tickercast.cli", "tickercast.report"}
    assert layer_of("tickercast.data.load") < layer_of("tickercast.report.html")
