"""`make run`'s decision to build and deploy again, or to keep the stack the emulator reloaded."""
from __future__ import annotations

import pytest

from infra import changes
from infra.changes import Deployed, reasons_to_deploy

TARGET = {"stack": "shop", "config_env": "local"}
INPUTS = {"infra/template.yaml": "t1", "samconfig.toml": "s1", "functions": "f1", "infra/layers": "l1"}
RECORDED = Deployed(target=TARGET, inputs=INPUTS, at=1000.0)


def decide(recorded=RECORDED, target=TARGET, inputs=INPUTS, stack_live=True, state_saved_at=2000.0):
    return reasons_to_deploy(recorded, target, inputs, stack_live=stack_live, state_saved_at=state_saved_at)


def test_nothing_changed_and_the_state_saved_after_the_deploy_means_no_deploy():
    assert decide() == []


def test_a_changed_input_deploys_naming_it():
    assert decide(inputs={**INPUTS, "functions": "f2"}) == ["functions changed"]
    assert decide(inputs={**INPUTS, "infra/template.yaml": "t2", "infra/layers": "l2"}) == [
        "infra/template.yaml changed", "infra/layers changed"]


def test_a_first_run_deploys():
    assert decide(recorded=None) == ["no earlier deploy recorded"]


def test_a_stack_missing_from_the_emulator_deploys():
    # e.g. the state dir was emptied (make reset) but the record survived elsewhere
    assert decide(stack_live=False) == ["the stack is not on the emulator"]


def test_an_emulator_that_never_saved_after_the_deploy_deploys_again():
    # Killed hard after the deploy: what it reloaded is older than what was deployed.
    assert decide(state_saved_at=None) == ["the emulator's saved state predates the last deploy"]
    assert decide(state_saved_at=999.0) == ["the emulator's saved state predates the last deploy"]


def test_another_stack_or_environment_deploys():
    assert decide(target={"stack": "shop", "config_env": "localstack"}) == [
        "another target (stack=shop, config_env=localstack)"]


def test_the_fingerprint_follows_contents_and_names_not_caches(tmp_path):
    functions = tmp_path / "functions"
    (functions / "orders").mkdir(parents=True)
    (functions / "orders" / "service.py").write_text("A = 1\n")
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    inputs = ("template.yaml", "functions", "absent")
    first = changes.fingerprint(tmp_path, inputs)

    (functions / "orders" / "__pycache__").mkdir()
    (functions / "orders" / "__pycache__" / "service.cpython-311.pyc").write_bytes(b"\0")
    (functions / "orders" / "stray.pyc").write_bytes(b"\0")
    assert changes.fingerprint(tmp_path, inputs) == first

    (functions / "orders" / "service.py").write_text("A = 2\n")
    changed = changes.fingerprint(tmp_path, inputs)
    assert changed["functions"] != first["functions"]
    assert changed["template.yaml"] == first["template.yaml"]

    (functions / "orders" / "service.py").rename(functions / "orders" / "moved.py")
    (functions / "orders" / "moved.py").write_text("A = 1\n")
    assert changes.fingerprint(tmp_path, inputs)["functions"] != first["functions"]


def test_the_record_round_trips_and_a_broken_one_counts_as_none(tmp_path):
    path = tmp_path / "state" / "deployed.json"
    changes.save(path, RECORDED)
    assert changes.load(path) == RECORDED
    path.write_text("{not json")
    assert changes.load(path) is None
    assert changes.load(tmp_path / "absent.json") is None


def test_a_state_kept_from_another_port_or_scheme_is_named_and_the_same_one_is_not():
    recorded = Deployed(target={**TARGET, "endpoint": "https://127.0.0.1:4566"}, inputs=INPUTS, at=1000.0)
    assert changes.made_elsewhere(recorded, "https://127.0.0.1:4570") == "https://127.0.0.1:4566"
    assert changes.made_elsewhere(recorded, "http://127.0.0.1:4566") == "https://127.0.0.1:4566"
    assert changes.made_elsewhere(recorded, "https://127.0.0.1:4566") is None
    # Nothing recorded, or a record from before endpoints were: nothing to compare.
    assert changes.made_elsewhere(None, "https://127.0.0.1:4570") is None
    assert changes.made_elsewhere(RECORDED, "https://127.0.0.1:4570") is None


def test_make_run_refuses_a_state_kept_from_another_endpoint_before_deploying(tmp_path, monkeypatch):
    from infra import deploy

    recorded = Deployed(target={**TARGET, "endpoint": "https://127.0.0.1:4566"}, inputs=INPUTS, at=1000.0)
    changes.save(tmp_path / "deployed.json", recorded)
    monkeypatch.setattr(deploy, "deploy", lambda *args, **kwargs: pytest.fail("deployed"))

    with pytest.raises(deploy.DeployError, match=r"made on https://127.0.0.1:4566.*`make reset`"):
        deploy.deploy_if_changed("https://127.0.0.1:4570", tmp_path)
