"""The import-layering contract: no module imports a layer above its own (CI runs this with the suite).

Ground to top:
  kernel      handler types, settings, database, models, clock, lease, jobs, outbox, background pool,
              and chatbot/slack/ (Block Kit primitives, markup, guard, edge, gateway)
  domain      catalog, sources, nudges, onboarding, digests, GitHub webhooks: features and their views
  front ends  commands/ (the slash command and plain words)
  top         chatbot/listeners/ (Bolt), app, server, scheduler, Socket Mode link, CLI and console
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("chatbot", "commands", "digests")
KERNEL, DOMAIN, FRONT, TOP = range(4)
LAYERS: dict[str, int] = {
    "chatbot": KERNEL,  # the package itself (__version__)
    "chatbot.clock": KERNEL,
    "chatbot.settings": KERNEL,
    "chatbot.db": KERNEL,
    "chatbot.models": KERNEL,
    "chatbot.handlers": KERNEL,
    "chatbot.lease": KERNEL,
    "chatbot.jobs": KERNEL,
    "chatbot.outbox": KERNEL,
    "chatbot.background": KERNEL,
    "chatbot.slack": KERNEL,
    # Feature settings, assembled by chatbot.settings: they stay at the ground with it.
    "chatbot.nudges.config": KERNEL,
    "chatbot.nudges.calendar": KERNEL,
    "chatbot.onboarding.config": KERNEL,
    "chatbot.catalog": DOMAIN,
    "chatbot.sources": DOMAIN,
    "chatbot.nudges": DOMAIN,
    "chatbot.onboarding": DOMAIN,
    "chatbot.webhooks": DOMAIN,
    "digests": DOMAIN,
    "commands": FRONT,
    "chatbot.listeners": TOP,
    "chatbot.app": TOP,
    "chatbot.server": TOP,
    "chatbot.scheduler": TOP,
    "chatbot.slack_connection": TOP,
    "chatbot.cli": TOP,
    "chatbot.console": TOP,
}
NAMES = {KERNEL: "kernel", DOMAIN: "domain", FRONT: "front ends", TOP: "top"}


def layer_of(module: str) -> int:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module of ours imported anywhere in the file (functions included, TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{name} ({NAMES[layer_of(name)]}) imports {target} ({NAMES[layer_of(target)]})"
        for name, path in sorted(modules().items())
        for target in sorted(imports(path))
        if layer_of(target) > layer_of(name)
    ]
    assert upward == [], "\n".join(upward)


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_the_contract_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from chatbot.listeners import register\n", encoding="utf-8")
    assert imports(bad) == {"chatbot.listeners"}
    assert layer_of("chatbot.listeners") > layer_of("chatbot.catalog.search")
