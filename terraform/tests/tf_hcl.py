"""Parsing helpers over terraform/*.tf and modules/*/*.tf (python-hcl2) for the structure tests."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import hcl2
import pytest

TERRAFORM = Path(__file__).resolve().parent.parent
MODULES = TERRAFORM / "modules"
# The modules the root calls (./modules/<name>).
MODULE_NAMES = ["vpc", "s3", "rds", "ecs", "kafka", "glue", "airflow", "monitoring", "catalog"]
# Building blocks: the other folders of modules/, called only by modules (source = "../<name>").
BUILDING_BLOCK_NAMES = sorted(
    p.name for p in MODULES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in MODULE_NAMES
)
ALL_MODULE_NAMES = MODULE_NAMES + BUILDING_BLOCK_NAMES


def unquote(value):
    """python-hcl2 keeps the quotes of labels and string literals: '"x"' -> 'x'."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def strings_in(node):
    """Every string anywhere inside a parsed HCL value (expressions included)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings_in(v)


@dataclass
class TfDir:
    path: Path
    files: dict[str, dict] = field(default_factory=dict)

    def blocks(self, kind):
        """(label, body, file) of every top-level block of one kind (variable, output, module)."""
        for name, doc in self.files.items():
            for entry in doc.get(kind, []):
                for label, body in entry.items():
                    yield unquote(label), body, name

    def resources(self, rtype=None):
        """(type, name, body, file) of every resource block."""
        for name, doc in self.files.items():
            for entry in doc.get("resource", []):
                for t, by_name in entry.items():
                    for n, body in by_name.items():
                        if rtype is None or unquote(t) == rtype:
                            yield unquote(t), unquote(n), body, name

    @property
    def variables(self):
        return {label: body for label, body, _ in self.blocks("variable")}

    @property
    def outputs(self):
        return {label: body for label, body, _ in self.blocks("output")}

    @property
    def locals(self):
        merged = {}
        for doc in self.files.values():
            for entry in doc.get("locals", []):
                merged.update(entry)
        return merged


def load_dir(path: Path) -> TfDir:
    tf = TfDir(path)
    for file in sorted(path.glob("*.tf")):
        with file.open() as f:
            tf.files[file.name] = hcl2.load(f)
    return tf


def all_dirs(root: TfDir, modules: dict[str, TfDir]):
    yield "root", root
    yield from modules.items()


def called_module(caller: str, source: str) -> str | None:
    """The modules/ folder a module call's source points at: ./modules/<name> from the root,
    ../<name> from a module; None for any other source."""
    prefix = "./modules/" if caller == "root" else "../"
    name = source[len(prefix):] if source.startswith(prefix) else ""
    return name if re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) else None


def module_calls(root: TfDir, modules: dict[str, TfDir]):
    """(caller, label, body, target) of every module block of the root and of the modules; target is
    the called folder's name (None when the source is not a local module folder)."""
    for where, tf in all_dirs(root, modules):
        for label, body, _ in tf.blocks("module"):
            yield where, label, body, called_module(where, unquote(body.get("source", "")))


MODULE_REF = re.compile(r"\bmodule\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)")


# Fixtures live here, not in a conftest.py: other suites' tests do `from conftest import ...`, and
# a second conftest module in the same pytest run would shadow theirs.
@pytest.fixture(scope="session")
def root() -> TfDir:
    return load_dir(TERRAFORM)


@pytest.fixture(scope="session")
def modules() -> dict[str, TfDir]:
    return {name: load_dir(MODULES / name) for name in ALL_MODULE_NAMES}
