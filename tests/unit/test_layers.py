"""Each function gets exactly the layers its handler module imports (infra/template.yaml).

A function's handler module is imported in a fresh interpreter that sees the standard
library, functions/ and, of this virtualenv's packages, only the distributions pinned in
its layers' requirements (infra/layers/<Layer>.txt), as on Lambda. The import must work
(no layer missing) and must load every distribution of every layer it gets (no layer
carries a package the function never imports). The emulator cannot catch a missing
layer: its Lambda workers run on its own virtualenv, where boto3 is importable.
"""
from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import sysconfig
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.template import TEMPLATE_PATH, import_environment, resources_of_type

ROOT = TEMPLATE_PATH.parent.parent
LAYERS_DIR = ROOT / "infra" / "layers"
SITE_PACKAGES = sysconfig.get_paths()["purelib"]
# Lambda's limit per function.
MAX_LAYERS = 5

FUNCTIONS = resources_of_type("AWS::Serverless::Function")
LAYERS = resources_of_type("AWS::Serverless::LayerVersion")

# Runs with -S -E: no site-packages on sys.path; the finder below resolves the allowed
# top-level modules and distribution metadata (and only those) in this virtualenv's.
_PROBE = r"""
import importlib, json, sys
from importlib.abc import MetaPathFinder
from importlib.machinery import PathFinder
from importlib.metadata import DistributionFinder, MetadataPathFinder

functions_dir, site_packages, modules_to_import = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
allowed = json.loads(sys.argv[4])
modules, distributions = set(allowed["modules"]), set(allowed["distributions"])
sys.path.insert(0, functions_dir)


class LayersOnly(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        return PathFinder.find_spec(name, [site_packages]) if path is None and name in modules else None

    # importlib.metadata asks too (pydantic checks email-validator's version, for one).
    def find_distributions(self, context=DistributionFinder.Context()):
        found = MetadataPathFinder.find_distributions(DistributionFinder.Context(name=context.name,
                                                                                path=[site_packages]))
        return (distribution for distribution in found if distribution.metadata["Name"] in distributions)


sys.meta_path.append(LayersOnly())
for module in modules_to_import:
    importlib.import_module(module)
print(json.dumps(sorted({name.partition(".")[0] for name, loaded in list(sys.modules.items())
                         if (getattr(loaded, "__file__", None) or "").startswith(site_packages)})))
"""


def layer_pins(layer: str) -> dict[str, str]:
    """Distribution -> pinned version, from the layer's requirements file."""
    pins = {}
    for line in (LAYERS_DIR / f"{layer}.txt").read_text().splitlines():
        line = line.partition("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{layer}: {line} is not pinned"
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


@functools.cache
def _top_level_modules() -> dict[str, set[str]]:
    """Distribution -> the top-level modules it installs in this virtualenv."""
    modules: dict[str, set[str]] = {}
    for module, distributions in metadata.packages_distributions().items():
        for distribution in distributions:
            modules.setdefault(canonicalize_name(distribution), set()).add(module)
    return modules


def _layers_of(function: str) -> list[str]:
    return [layer["Ref"] for layer in FUNCTIONS[function]["Properties"].get("Layers", [])]


def _import_with_layers(modules: tuple[str, ...], layers: tuple[str, ...], env: dict[str, str]) -> list[str] | str:
    """Top-level modules the handler's modules load from the layers, or the import's error."""
    distributions = [distribution for layer in layers for distribution in layer_pins(layer)]
    allowed = {
        "modules": sorted({name for distribution in distributions
                           for name in _top_level_modules()[distribution]}),
        "distributions": [metadata.metadata(distribution)["Name"] for distribution in distributions],
    }
    finished = subprocess.run(
        [sys.executable, "-S", "-E", "-c", _PROBE, str(ROOT / "functions"), SITE_PACKAGES, ",".join(modules),
         json.dumps(allowed)],
        env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        return finished.stderr.strip().splitlines()[-1]
    return json.loads(finished.stdout)


def imports_by_function() -> dict[str, list[str] | str]:
    # Functions with the same handler module and layers import the same: one interpreter
    # for each such pair (with the first one's variables), side by side.
    specs = {function: ((FUNCTIONS[function]["Properties"]["Handler"].rpartition(".")[0],),
                        tuple(_layers_of(function))) for function in FUNCTIONS}
    first = {spec: function for function, spec in reversed(specs.items())}
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        results = pool.map(lambda spec: _import_with_layers(*spec, import_environment(first[spec])), first)
        imported = dict(zip(first, results))
    return {function: imported[spec] for function, spec in specs.items()}


# One test for every function, so that one xdist worker runs the imports, once.
def test_every_function_gets_exactly_the_layers_its_handler_module_imports():
    problems = []
    for function, imported in sorted(imports_by_function().items()):
        layers = _layers_of(function)
        if len(layers) > MAX_LAYERS:
            problems.append(f"{function} has {len(layers)} layers, Lambda allows {MAX_LAYERS}")
        if isinstance(imported, str):
            problems.append(f"{function} fails to import with {layers}: {imported}")
            continue
        carried = [(layer, distribution) for layer in layers for distribution in layer_pins(layer)]
        unused = [f"{layer}: {distribution}" for layer, distribution in carried
                  if not _top_level_modules()[distribution] & set(imported)]
        if unused:
            problems.append(f"{function} never imports these packages of its layers: {unused}")
        twice = sorted(d for d, n in Counter(distribution for _, distribution in carried).items() if n > 1)
        if twice:
            problems.append(f"{function} gets these packages from two layers: {twice}")
    assert not problems, "\n".join(problems)


def test_every_layer_is_built_from_its_requirements_by_the_makefile():
    assert {path.stem for path in LAYERS_DIR.glob("*.txt")} == set(LAYERS)
    for layer in LAYERS.values():
        assert layer["Properties"]["ContentUri"] == "layers/"
        assert layer["Metadata"] == {"BuildMethod": "makefile"}


def test_the_dev_virtualenv_has_every_layer_package_at_its_pinned_version():
    """The unit tier and chalice local run the code on these packages, not on others."""
    dev_requirements = (ROOT / "requirements-dev.txt").read_text().splitlines()
    for layer in LAYERS:
        assert f"-r infra/layers/{layer}.txt" in dev_requirements
        for distribution, version in layer_pins(layer).items():
            assert metadata.version(distribution) == version, f"{layer}: {distribution}"


def test_botocore_keeps_the_model_of_every_service_the_functions_call():
    """BotocoreLayer ships only these services' models (infra/layers/Makefile): a client for
    another one would fail on Lambda with UnknownServiceError, never in this virtualenv."""
    makefile = (LAYERS_DIR / "Makefile").read_text()
    kept = set(re.search(r"^BOTOCORE_SERVICES = (.+)$", makefile, re.MULTILINE).group(1).split())
    source = "\n".join(path.read_text() for path in (ROOT / "functions").rglob("*.py"))
    called = set(re.findall(r"""(?:create_client|boto3\.client)\(\s*["'](\w+)["']""", source))
    # PynamoDB and Powertools' idempotency store talk to DynamoDB.
    called |= {"dynamodb"} if re.search(r"^from (pynamodb|aws_lambda_powertools.utilities.idempotency)",
                                         source, re.MULTILINE) else set()
    assert called == kept, f"clients for {sorted(called)}, models kept for {sorted(kept)}"
