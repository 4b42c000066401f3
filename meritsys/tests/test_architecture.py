"""The shape of the code: apps import in one direction, and `meritsys/` is only the project's wiring.

core → accounts → institutions → assessments → certificates → surveys → dashboards → audit → api → demo: an app imports
itself and the apps before it, never one after it, so each can be read, tested and changed
without the ones that build on it. Tests and migrations may import anything.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORDER = [
    "core",
    "accounts",
    "institutions",
    "assessments",
    "certificates",
    "surveys",
    "dashboards",
    "audit",
    "api",
    "demo",
]
WIRING = {"__init__.py", "settings.py", "urls.py", "celery.py", "wsgi.py"}


def _application_modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def _imported_apps(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in ORDER or top == "meritsys":
                found.add((top, node.lineno))
    return found


def test_apps_import_only_themselves_and_the_apps_before_them():
    backwards = []
    for rank, app in enumerate(ORDER):
        allowed = set(ORDER[: rank + 1])
        for path in _application_modules(app):
            for imported, line in _imported_apps(path):
                if imported not in allowed:
                    backwards.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not backwards, "\n".join(sorted(backwards))


def test_meritsys_holds_only_the_wiring():
    modules = {p.name for p in (ROOT / "meritsys").glob("*.py")}
    assert modules <= WIRING, modules - WIRING


def test_the_check_would_see_a_backward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from dashboards.selectors import x\nimport core.formatting\n")
    assert {name for name, _line in _imported_apps(module)} == {"dashboards", "core"}
