"""Factories set only what some product path writes.

A factory that sets a model field no chat step, page, API call or CLI command writes makes a
test pass on data no user can have (three promises passed their tests that way). This reads
tests/factories.py and the product's code with `ast` and fails on any (model, field) a factory
sets that no product module outside tests/ writes: by assignment (`customer.region = ...`), by
a model's constructor (`Product(serial=...)`) or, in storage/ and the product import, by the
keys of a row dict or a `.values(...)` call.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.orm import DeclarativeBase

from storage.models import Base

ROOT = Path(__file__).resolve().parents[2]
FACTORIES = ROOT / "tests" / "factories.py"
PRODUCT = ("aftersales", "bot", "core", "domain", "scheduler", "services", "storage", "web")
# Not a person's path: the demo seeds a showcase database, migrations only create columns.
NOT_PATHS = ("aftersales/demo.py", "aftersales/demo_script.py", "storage/migrations/")
# Where a row is written as a dict of column names (bulk inserts and updates, the import).
ROW_DICTS = ("storage/", "domain/product_import.py")

ANY = "*"  # the model of an object the check cannot tell: the field counts for every model


def _models() -> dict[str, set[str]]:
    """Every mapped model's class name and its column attributes."""
    found: dict[str, set[str]] = {}
    for mapper in Base.registry.mappers:
        cls: type[DeclarativeBase] = mapper.class_
        found[cls.__name__] = {attr.key for attr in mapper.column_attrs}
    return found


MODELS = _models()
BY_VARIABLE = {name.lower(): name for name in MODELS}  # `case` → Case, `customer` → Customer


def _model_of(node: ast.expr, types: dict[str, str]) -> str:
    """The model an object expression holds, by annotation, construction or name."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    if not isinstance(name, str):
        return ANY
    return types.get(name) or BY_VARIABLE.get(name, ANY)


def _annotation(node: ast.expr | None) -> str | None:
    """A model named by an annotation (`Customer`, `Customer | None`, "Customer")."""
    if node is None:
        return None
    text = ast.unparse(node).strip("'\"")
    for part in text.replace("None", "").replace(" ", "").split("|"):
        if part in MODELS:
            return part
    return None


def _function_types(function: ast.AST) -> dict[str, str]:
    """Variable name → model in one function: annotated parameters and variables, constructors."""
    types: dict[str, str] = {}
    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        for arg in [*function.args.args, *function.args.kwonlyargs]:
            model = _annotation(arg.annotation)
            if model:
                types[arg.arg] = model
    for node in ast.walk(function):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            model = _annotation(node.annotation)
            if model:
                types[node.target.id] = model
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            callee = node.value.func
            if isinstance(callee, ast.Name) and callee.id in MODELS:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        types[target.id] = callee.id
    return types


def _targets(node: ast.AST) -> Iterable[ast.expr]:
    """The targets an assignment writes, tuples unpacked."""
    if isinstance(node, ast.Assign):
        targets: list[ast.expr] = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    unpacked: list[ast.expr] = []
    while targets:
        target = targets.pop()
        if isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
        else:
            unpacked.append(target)
    return unpacked


def writes(source: str, *, row_dicts: bool) -> set[tuple[str, str]]:
    """(model, field) pairs a module writes; model ANY when the object's model is unknown."""
    tree = ast.parse(source)
    written: set[tuple[str, str]] = set()
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef))]
    scopes += [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for scope in scopes:
        types = _function_types(scope)
        for node in ast.walk(scope):
            for target in _targets(node):
                if isinstance(target, ast.Attribute):
                    written.add((_model_of(target.value, types), target.attr))
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            if isinstance(callee, ast.Name) and callee.id in MODELS:
                written |= {(callee.id, k.arg) for k in node.keywords if k.arg}
            if row_dicts and isinstance(callee, ast.Attribute) and callee.attr == "values":
                written |= {(ANY, k.arg) for k in node.keywords if k.arg}
        if row_dicts:
            for node in ast.walk(scope):
                if isinstance(node, ast.Dict):
                    keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                    written |= {(ANY, key) for key in keys if isinstance(key, str)}
    return written


def product_writes(files: Iterable[Path], root: Path = ROOT) -> set[tuple[str, str]]:
    """What the product's modules write."""
    written: set[tuple[str, str]] = set()
    for path in files:
        relative = path.relative_to(root).as_posix()
        if relative.startswith(NOT_PATHS):
            continue
        written |= writes(
            path.read_text(encoding="utf-8"), row_dicts=relative.startswith(ROW_DICTS)
        )
    return written


def product_files(root: Path = ROOT) -> list[Path]:
    """The product's Python modules."""
    return sorted(p for top in PRODUCT for p in (root / top).rglob("*.py"))


def unwritten(factories: str, written: set[tuple[str, str]]) -> list[str]:
    """`Model.field` a factory sets that nothing in the product writes."""
    missing = set()
    for model, field in writes(factories, row_dicts=False):
        models = [model] if model != ANY else [m for m, cols in MODELS.items() if field in cols]
        for name in models:
            if field not in MODELS.get(name, set()):
                continue  # not a column (a relationship, a local object)
            if (name, field) not in written and (ANY, field) not in written:
                missing.add(f"{name}.{field}")
    return sorted(missing)


def test_factories_set_only_fields_a_product_path_writes() -> None:
    written = product_writes(product_files())
    assert unwritten(FACTORIES.read_text(encoding="utf-8"), written) == []


OLD_MAKE_CUSTOMER = """
async def make_customer(session, *, telegram_id, now, region="Pudong"):
    customer = await people.ensure_customer(session, telegram_id=telegram_id, now=now)
    customer.name = "Wang Wei"
    customer.region = region
    return customer
"""


INTAKE = """
async def open_case(session, *, customer: Customer, draft):
    customer.name = draft.name
    case = Case(customer_id=customer.id, description=draft.description)
    case.region = customer.region
    return case
"""

SET_REGION = """
def set_region(customer: Customer, *, region):
    customer.region = region
"""


def test_the_guard_fails_on_a_field_no_path_writes() -> None:
    # The audit's case: make_customer gave every customer a region while no path wrote
    # Customer.region (intake only copies it onto the case: that is Case.region).
    before = writes(INTAKE, row_dicts=False)
    assert unwritten(OLD_MAKE_CUSTOMER, before) == ["Customer.region"]
    # Once a path writes it (now `aftersales customer region`), the factory may set it.
    assert unwritten(OLD_MAKE_CUSTOMER, before | writes(SET_REGION, row_dicts=False)) == []
