"""Whether `make run` must build and deploy again, or the emulator's kept stack is current.

A deploy records a fingerprint of everything `sam build` + `sam deploy` read (the
template, samconfig.toml, the functions' source, the layers' requirements) beside the
emulator's state. On the next start, nothing changed and the emulator's saved state
newer than that record means the stack it reloaded is the one deployed: no build, no
deploy. Anything else deploys: SAM takes the layers from its build cache and makes each
function's package again (functions/Makefile), identical where its files are, so the
stack update replaces the code of only the functions whose package changed.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the build and the deploy read, relative to the checkout.
BUILD_INPUTS = ("infra/template.yaml", "samconfig.toml", "functions", "infra/layers")
# Written by Python or by the layer build, never read by SAM.
_IGNORED_PARTS = ("__pycache__", ".pytest_cache")
_IGNORED_SUFFIXES = (".pyc",)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        file for file in path.rglob("*")
        if file.is_file() and file.suffix not in _IGNORED_SUFFIXES
        and not any(part in _IGNORED_PARTS for part in file.relative_to(path).parts)
    )


def fingerprint(root: Path = ROOT, inputs: tuple[str, ...] = BUILD_INPUTS) -> dict[str, str]:
    """One digest per input: names and contents of its files."""
    digests = {}
    for name in inputs:
        digest = hashlib.sha256()
        base = root / name
        for file in _files(base) if base.exists() else []:
            digest.update(str(file.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        digests[name] = digest.hexdigest()
    return digests


@dataclass(frozen=True)
class Deployed:
    """What the last successful deploy to this state dir was made from."""
    target: Mapping[str, str]  # stack name and samconfig environment
    inputs: Mapping[str, str]  # fingerprint()
    at: float  # when it was recorded (seconds since the epoch)


def reasons_to_deploy(
    recorded: Deployed | None,
    target: Mapping[str, str],
    inputs: Mapping[str, str],
    *,
    stack_live: bool,
    state_saved_at: float | None,
) -> list[str]:
    """Why a deploy is needed; empty: the emulator already runs exactly this stack.

    `state_saved_at` is when the emulator last saved its state (None: never). A state
    saved before the record means the emulator stopped without saving after that
    deploy (killed hard): what it reloaded may be older than what the record says.
    """
    if recorded is None:
        return ["no earlier deploy recorded"]
    if not stack_live:
        return ["the stack is not on the emulator"]
    if state_saved_at is None or state_saved_at < recorded.at:
        return ["the emulator's saved state predates the last deploy"]
    if dict(recorded.target) != dict(target):
        return [f"another target ({', '.join(f'{k}={v}' for k, v in target.items())})"]
    changed = [name for name in inputs if recorded.inputs.get(name) != inputs[name]]
    return [f"{name} changed" for name in changed]


def made_elsewhere(recorded: Deployed | None, endpoint: str) -> str | None:
    """The endpoint a kept state was deployed on, when it is not `endpoint`.

    MiniStack keys each SQS queue by its URL, scheme and port included, and its event
    source mappings look a queue up by the URL of the port it runs on now: on another
    port or scheme the queues still take messages and nothing ever reads them (every
    order stays PENDING). A redeploy does not help: the queues are not recreated.
    """
    made_on = recorded.target.get("endpoint") if recorded else None
    return made_on if made_on not in (None, endpoint) else None


def load(path: Path) -> Deployed | None:
    try:
        raw = json.loads(path.read_text())
        return Deployed(target=raw["target"], inputs=raw["inputs"], at=float(raw["at"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def save(path: Path, deployed: Deployed) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"target": dict(deployed.target), "inputs": dict(deployed.inputs),
                                "at": deployed.at}, indent=2) + "\n")
