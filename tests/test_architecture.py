"""The shape of app/: layers that only point down, no cycles between features, small units.

Layers, highest first (a module may import its own layer and any layer below, never above):

1. entry: what the outside world calls. The app factory (`app`), the CLI (`app.cli.*`), the
   blueprints (`app.*.views`, `app.*.*_views`) and the web glue the factory installs
   (`app.errors`, `app.security`). Only here: routes, click.
2. presentation: helpers that read the request or shape answers for views. `app.auth.request`
   (token from request, request_user), the picker page rendering (`app.widget.*`), the JSON and
   HTML shaping of a library (`app.library.summaries`).
3. use cases: one operation a user or operator asks for, which commits (`*.services`, pack
   import/publish, operator grants, Stripe webhooks).
4. domain: the rules and the data they act on, testable without HTTP: `app.models`, the pack
   catalogue and entitlements, payments state, tokens, media storage, integration terms.
5. infrastructure: plumbing and gateways to the outside (Flask extensions, config, errors,
   transactions, caches, homeservers over HTTP, Stripe, Pillow, rlottie and PyAV, the asset
   pipeline).

A module's layer is the most specific matching pattern below: an exact name beats a wildcard,
and among wildcards the longer pattern wins. A module no pattern matches fails the test, so a
new module gets a deliberate place. Imports inside functions count like top-level ones.

Sizes (house rule, counted as in the team's style guide): a function spans its `def` line to its last line,
docstring and nested functions included (decorators not); a module counts all its lines.
"""
from __future__ import annotations

import ast
import fnmatch
import os
from functools import lru_cache

import pytest

APP_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app")
MAX_FUNCTION_LINES = 40
MAX_MODULE_LINES = 300

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (  # highest first
    ("entry", ("app", "app.cli", "app.cli.*", "app.*.views", "app.*.*_views", "app.errors", "app.security")),
    ("presentation", ("app.auth.request", "app.admin.access", "app.studio.access", "app.widget", "app.widget.*", "app.library.summaries", "app.web",
                      "app.web.*")),
    ("use cases", ("app.*.services", "app.*.*_services", "app.packs.importer", "app.packs.publish", "app.packs.ownership",
                   "app.payments.webhooks", "app.payments.checkout", "app.payments.refunds")),
    ("domain", ("app.*", "app.*.*")),  # the default for a feature's plain modules
    ("infrastructure", ("app.extensions", "app.background", "app.config", "app.exceptions", "app.transactions", "app.sqlhelpers",
                        "app.caching", "app.assets", "app.matrix.*", "app.payments.gateway", "app.payments.stripe_data",
                        "app.payments.connect_gateway", "app.payments.connect_data",
                        "app.packs.images", "app.packs.lottie", "app.packs.video", "app.packs.frames")),
)

def _modules() -> dict[str, str]:
    """Dotted module name -> path, for every .py file under app/."""
    found = {}
    for folder, _dirs, files in os.walk(APP_DIR):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            parts = os.path.relpath(path, os.path.dirname(APP_DIR))[:-3].split(os.sep)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


@lru_cache(maxsize=None)
def _tree(path: str) -> ast.Module:
    with open(path, encoding="utf-8") as handle:
        return ast.parse(handle.read(), filename=path)


def _imports(module: str, path: str, modules: dict[str, str]) -> set[str]:
    """Every module imported (at any depth in the file); `from package import module` counts as
    the module, not the package; relative imports resolved."""
    names = set()
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return names


def layer_of(module: str) -> int:
    """Index into LAYERS (0 is the highest) of the most specific matching pattern."""
    best = None
    for index, (_name, patterns) in enumerate(LAYERS):
        for pattern in patterns:
            if fnmatch.fnmatchcase(module, pattern) and module.count(".") == pattern.count("."):
                rank = ("*" not in pattern, len(pattern))
                if best is None or rank > best[0]:
                    best = (rank, index)
    assert best is not None, f"{module} is in no layer: add it to LAYERS in {__file__}"
    return best[1]


def _app_imports(module: str, path: str, modules: dict[str, str]) -> set[str]:
    return {name for name in _imports(module, path, modules) if name in modules and name != module}


def test_every_import_points_down_or_sideways():
    modules = _modules()
    upward = []
    for module, path in sorted(modules.items()):
        for target in sorted(_app_imports(module, path, modules)):
            if layer_of(target) < layer_of(module):
                upward.append(f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} "
                              f"({LAYERS[layer_of(target)][0]})")
    assert upward == []


def _feature(module: str) -> str:
    """app.library.services -> app.library; top-level modules (app.models) are their own feature."""
    return ".".join(module.split(".")[:2])


def test_features_do_not_import_each_other_in_a_circle():
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        if module == "app":
            continue  # the factory wires every feature together
        for target in _app_imports(module, path, modules):
            if _feature(target) != _feature(module) and target != "app":
                graph.setdefault(_feature(module), set()).add(_feature(target))
    assert _cycles(graph) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, done = [], set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            found.append(trail[trail.index(node):] + [node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, trail + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def test_only_the_cli_uses_click():
    modules = _modules()
    users = [module for module, path in modules.items()
             if any(name.split(".")[0] == "click" for name in _imports(module, path, modules)) and not fnmatch.fnmatchcase(module, "app.cli*")]
    assert users == []


def _size_checked_files():
    for _module, path in sorted(_modules().items()):
        yield os.path.relpath(path, os.path.dirname(APP_DIR)), path


@pytest.mark.parametrize("relative, path", list(_size_checked_files()))
def test_small_modules_and_functions(relative, path):
    with open(path, encoding="utf-8") as handle:
        lines = len(handle.read().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{relative} has {lines} lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(_tree(path))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], f"{relative}: {', '.join(long)}"


# Native decoders each have one gateway module, so a format's limits and checks cannot be bypassed.
GATEWAYS = {"PIL": "app.packs.images", "rlottie_python": "app.packs.lottie", "av": "app.packs.video"}


@pytest.mark.parametrize("package, gateway", sorted(GATEWAYS.items()))
def test_native_decoders_are_used_only_through_their_gateway(package, gateway):
    modules = _modules()
    users = sorted(module for module, path in modules.items()
                   if any(name.split(".")[0] == package for name in _imports(module, path, modules)))
    assert users == [gateway]


STRIPE_GATEWAYS = {"app.payments.gateway", "app.payments.connect_gateway"}


def test_only_the_gateways_import_stripe():
    modules = _modules()
    importers = {module for module, path in modules.items()
                 if any(name == "stripe" or name.startswith("stripe.") for name in _imports(module, path, modules))}
    assert importers == STRIPE_GATEWAYS
