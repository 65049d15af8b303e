"""Each function's code package holds its service's code and what that imports (functions/Makefile).

`sam build` runs `make build-<LogicalId>` of functions/Makefile for every function
(Metadata: BuildMethod: makefile). These tests run the same targets into temporary
directories and hold them to the template (each function ships the service its Handler
names, which the Makefile reads from the template) and to the code: each service ships exactly the modules of other
packages it imports (read from the source), and each function's handler module imports
from its package alone (every module it loads, it loads at import). A module missing from
a package would otherwise fail only on a deployed function's first call.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.template import TEMPLATE_PATH, import_environment, load_template, resources_of_type

ROOT = TEMPLATE_PATH.parent.parent
FUNCTIONS_DIR = ROOT / "functions"
MAKEFILE = FUNCTIONS_DIR / "Makefile"
FUNCTIONS = resources_of_type("AWS::Serverless::Function")
# Our top-level packages: shared/ and one per service.
PACKAGES = sorted(path.parent.name for path in FUNCTIONS_DIR.glob("*/__init__.py"))


def _service(function: str) -> str:
    return FUNCTIONS[function]["Properties"]["Handler"].partition(".")[0]


def _make_variable(name: str) -> list[str]:
    finished = subprocess.run(
        ["make", "-s", "-f", str(MAKEFILE), "--eval", f"print: ; @echo $({name})", "print"],
        cwd=FUNCTIONS_DIR, capture_output=True, text=True, check=True)
    return finished.stdout.split()


def _imports(path: Path) -> set[str]:
    """The modules of our packages that `path` imports (at load or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.partition(".")[0] in PACKAGES and (FUNCTIONS_DIR / f"{name.replace('.', '/')}.py").is_file():
                found.add(name)
    return found


def _uses(service: str) -> set[str]:
    """What `service` needs of other packages: "shared" (whole), and of another service
    the files of the modules it imports, what those import in turn, and the package's
    __init__.py."""
    needed: set[str] = set()
    seen: set[str] = set()
    pending = {name for path in (FUNCTIONS_DIR / service).glob("*.py") for name in _imports(path)}
    while pending:
        module = pending.pop()
        package = module.partition(".")[0]
        if module in seen or package == service:
            continue
        seen.add(module)
        if package == "shared":
            needed.add("shared")
            continue
        needed |= {f"{package}/__init__.py", f"{module.replace('.', '/')}.py"}
        pending |= _imports(FUNCTIONS_DIR / f"{module.replace('.', '/')}.py")
    return needed


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    """Every function's package, built by its target as `sam build` runs it."""
    root = tmp_path_factory.mktemp("artifacts")

    def build(function: str) -> Path:
        artifacts = root / function
        subprocess.run(["make", "-s", "-f", str(MAKEFILE), f"build-{function}"], cwd=FUNCTIONS_DIR,
                       env={**os.environ, "ARTIFACTS_DIR": str(artifacts)}, check=True)
        return artifacts

    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        return dict(zip(FUNCTIONS, pool.map(build, FUNCTIONS)))


def _files(directory: Path) -> set[str]:
    """The package's files but the bytecode the build compiles from them."""
    return {str(path.relative_to(directory)) for path in directory.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def test_every_function_is_built_by_the_makefile_from_the_functions_directory():
    assert load_template()["Globals"]["Function"]["CodeUri"] == "../functions"
    for function, resource in FUNCTIONS.items():
        assert resource.get("Metadata", {}).get("BuildMethod") == "makefile", function
        assert "CodeUri" not in resource["Properties"], function


def test_a_function_the_template_does_not_name_is_refused(tmp_path):
    """The Makefile reads each function's service from the template: nothing to list here,
    and a name the template lacks fails the build instead of shipping nothing."""
    refused = subprocess.run(["make", "-s", "-f", str(MAKEFILE), "build-NoSuchFunction"], cwd=FUNCTIONS_DIR,
                             env={**os.environ, "ARTIFACTS_DIR": str(tmp_path)}, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "names no Handler for NoSuchFunction" in refused.stderr


def test_each_service_ships_exactly_what_it_imports_of_other_packages():
    for service in sorted({_service(function) for function in FUNCTIONS}):
        assert set(_make_variable(f"{service}_USES")) == _uses(service), service


def _sources(path: str) -> set[str]:
    """The files of `path` (a directory or a file of functions/) a package gets, relative to functions/."""
    source = FUNCTIONS_DIR / path
    files = source.rglob("*") if source.is_dir() else [source]
    return {str(file.relative_to(FUNCTIONS_DIR)) for file in files if file.is_file()
            and "__pycache__" not in file.parts and file.suffix != ".pyc"}


def test_a_package_holds_its_service_and_what_that_imports_nothing_else(packages):
    for function, artifacts in packages.items():
        service = _service(function)
        expected = set().union(_sources(service), *map(_sources, _uses(service)))
        assert _files(artifacts) == expected, function


def test_copies_keep_the_sources_contents_and_modification_times(packages):
    for function, artifacts in packages.items():
        for name in _files(artifacts):
            copy, source = artifacts / name, FUNCTIONS_DIR / name
            assert copy.read_bytes() == source.read_bytes(), f"{function}: {name}"
            assert copy.stat().st_mtime_ns == source.stat().st_mtime_ns, f"{function}: {name}"


def _bytecode(artifacts: Path) -> dict[str, bytes]:
    return {str(path.relative_to(artifacts)): path.read_bytes() for path in artifacts.rglob("*.pyc")}


def test_every_module_ships_compiled_for_the_runtime_and_checked_by_hash(packages):
    """Lambda's /var/task is read-only: a module without its .pyc is compiled from source
    on every cold start. Hash-based (PEP 552 flags 0b11), so the bytecode does not hang on
    mtimes, which the package's zip does not keep exactly."""
    for function, artifacts in packages.items():
        modules = {path for path in artifacts.rglob("*.py")}
        compiled = {path.parent.parent / (path.name.split(".")[0] + ".py")
                    for path in artifacts.rglob("__pycache__/*.cpython-311.pyc")}
        assert compiled == modules, function
        for path in artifacts.rglob("*.pyc"):
            assert int.from_bytes(path.read_bytes()[4:8], "little") == 0b11, path


def test_an_unchanged_source_builds_the_same_package(packages, tmp_path):
    """SAM names a package by a hash of its files: bytecode that differed build to build
    would redeploy every function on every `make run`."""
    function = "PlaceOrderFunction"
    subprocess.run(["make", "-s", "-f", str(MAKEFILE), f"build-{function}"], cwd=FUNCTIONS_DIR,
                   env={**os.environ, "ARTIFACTS_DIR": str(tmp_path)}, check=True)
    assert _bytecode(tmp_path) == _bytecode(packages[function])


# Runs isolated (-I: no current directory, no PYTHONPATH, no user site) with the package
# first on sys.path: our modules can come from nowhere else. Third-party packages come from
# this virtualenv (tests/unit/test_layers.py holds the layers to the handlers).
_PROBE = r"""
import importlib, json, sys
package_dir, modules, ours = sys.argv[1], sys.argv[2].split(","), set(sys.argv[3].split(","))
sys.path.insert(0, package_dir)
for module in modules:
    importlib.import_module(module)
print(json.dumps({name: getattr(loaded, "__file__", None) for name, loaded in list(sys.modules.items())
                  if name.partition(".")[0] in ours}))
"""


def _import_from_package(function: str, artifacts: Path) -> dict[str, str | None] | str:
    modules = [FUNCTIONS[function]["Properties"]["Handler"].rpartition(".")[0]]
    env = {**import_environment(function), "LAMBDA_TASK_ROOT": str(artifacts)}
    finished = subprocess.run([sys.executable, "-I", "-c", _PROBE, str(artifacts), ",".join(modules),
                               ",".join(PACKAGES)], env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        return finished.stderr.strip().splitlines()[-1]
    return json.loads(finished.stdout)


def test_each_handler_imports_what_it_needs_from_its_own_package(packages):
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        results = dict(zip(packages, pool.map(lambda item: _import_from_package(*item), packages.items())))
    problems = []
    for function, loaded in sorted(results.items()):
        if isinstance(loaded, str):
            problems.append(f"{function}: {loaded}")
            continue
        elsewhere = {name: file for name, file in loaded.items()
                     if not (file or "").startswith(str(packages[function]) + os.sep)}
        if elsewhere:
            problems.append(f"{function} loads these from outside its package: {elsewhere}")
    assert not problems, "\n".join(problems)
