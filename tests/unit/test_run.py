"""`make run` (infra/run.py): what it does besides starting the emulator and deploying."""
from __future__ import annotations

from infra import run
from infra.deploy import DeployError


def test_workers_that_fail_to_start_ahead_are_reported_not_raised(monkeypatch, capsys):
    """They are started in the background after the banner; a failure there leaves a
    working stack whose first requests start their workers, and says so."""
    def start_warm_workers(stack):
        raise DeployError("warming up ['shop-OrderProcessorFunction-X'] failed: see the emulator's log")

    monkeypatch.setattr(run, "start_warm_workers", start_warm_workers)

    run.start_workers_or_say(object())

    assert "the saga's workers did not start ahead" in capsys.readouterr().out
