"""Build and deploy infra/template.yaml with the SAM CLI, then read what was deployed.

    python -m infra.deploy --endpoint https://127.0.0.1:4566                # MiniStack
    python -m infra.deploy --endpoint http://localhost:4566 --config-env localstack

Exactly `sam build` + `sam deploy --config-env ENV`: the endpoint only changes where
the AWS SDK inside the SAM CLI sends its calls (AWS_ENDPOINT_URL), and which CA it
verifies them with (AWS_CA_BUNDLE: ours for an HTTPS emulator on this machine).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.exceptions
import requests
from localstack_client.session import Session as LocalStackSession

from infra import changes
from infra.local_tls import ca_bundle_for
from infra.usage_plans import plans_from_template

ROOT = Path(__file__).resolve().parent.parent
SAM_BIN = ROOT / ".venv-sam" / "bin" / "sam"
DEFAULT_STACK = "shop"
LOCAL_STATE = ROOT / ".local"
# The samconfig.toml environment of the embedded emulator (MiniStack).
EMULATOR_CONFIG_ENV = "local"


class DeployError(RuntimeError):
    pass


@dataclass(frozen=True)
class DeployedStack:
    endpoint: str
    stack_name: str
    api_id: str
    stage: str
    base_url: str
    api_key: str
    outputs: dict[str, str]
    # The CA that verifies `endpoint` (ours for an HTTPS emulator); None: system trust.
    ca_bundle: str | None = None

    @property
    def verify(self) -> str | bool:
        """For requests' `verify=`, given with each request: a Session's `verify` loses to
        REQUESTS_CA_BUNDLE in the environment (requests' precedence)."""
        return self.ca_bundle or True

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> DeployedStack:
        return cls(**json.loads(path.read_text()))


class LocalSession:
    """boto3 clients for our HTTPS emulator, with test credentials, verified against our CA."""

    def __init__(self, endpoint: str, ca_bundle: str) -> None:
        self.endpoint = endpoint
        self.ca_bundle = ca_bundle
        self._session = boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")

    def client(self, service_name: str, **kwargs):
        return self._session.client(service_name, endpoint_url=self.endpoint, verify=self.ca_bundle, **kwargs)


def local_session(endpoint: str) -> LocalSession | LocalStackSession:
    """boto3 clients for a local edge endpoint. Our HTTPS emulator is verified against our
    CA; any other (LocalStack, a plain-HTTP emulator) is reached through localstack-client,
    as LocalStack's users do: it never verifies TLS, so it is never used for ours."""
    ca_bundle = ca_bundle_for(endpoint)
    if ca_bundle:
        return LocalSession(endpoint, ca_bundle)
    return LocalStackSession(localstack_host=urlsplit(endpoint).netloc)


def aws_session(endpoint: str | None) -> LocalSession | LocalStackSession | boto3.session.Session:
    """boto3 clients for `endpoint` (the emulator, LocalStack), or for AWS itself when it is
    empty: your credentials and region, as the AWS CLI finds them."""
    return local_session(endpoint) if endpoint else boto3.session.Session()


def invoke_url(endpoint: str | None, outputs: dict[str, str]) -> str:
    """The stage's base URL: API Gateway's own on AWS, the edge endpoint's form locally
    (MiniStack and LocalStack both serve `/restapis/{id}/{stage}/_user_request_`)."""
    if not endpoint:
        return outputs["ApiUrl"]
    return f"{endpoint}/restapis/{outputs['ApiId']}/{outputs['StageName']}/_user_request_"


def _sam(args: list[str], endpoint: str, log_path: Path) -> None:
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        SAM_CLI_TELEMETRY="0",
    )
    ca_bundle = ca_bundle_for(endpoint)
    if ca_bundle:
        env["AWS_CA_BUNDLE"] = ca_bundle
    with open(log_path, "ab") as log:
        log.write(f"\n$ sam {' '.join(args)}\n".encode())
        log.flush()
        finished = subprocess.run(
            [str(SAM_BIN), *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    if finished.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
        raise DeployError(f"`sam {args[0]}` failed (exit {finished.returncode}); end of {log_path}:\n{tail}")


def deploy(
    endpoint: str,
    *,
    stack_name: str = DEFAULT_STACK,
    config_env: str = EMULATOR_CONFIG_ENV,
    log_path: Path = LOCAL_STATE / "deploy.log",
    build_dir: Path = ROOT / ".aws-sam" / "build",
    progress: Callable[[str], None] = lambda message: None,
) -> DeployedStack:
    """`build_dir` apart from the default lets two deploys (two test sessions) run at once."""
    if not SAM_BIN.exists():
        raise DeployError(f"{SAM_BIN} is missing: run `make install`")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    progress("building functions (sam build)")
    _sam(["build", "--config-env", config_env, "--build-dir", str(build_dir)], endpoint, log_path)
    progress(f"deploying stack {stack_name} (sam deploy --config-env {config_env})")
    # --config-file: with --template-file, sam looks for samconfig.toml beside the built template.
    _sam(["deploy", "--config-env", config_env, "--config-file", str(ROOT / "samconfig.toml"),
          "--stack-name", stack_name, "--template-file", str(build_dir / "template.yaml")], endpoint, log_path)
    stack = describe(endpoint, stack_name)
    if config_env == EMULATOR_CONFIG_ENV:
        fit_to_emulator(stack)
    return stack


def fit_to_emulator(stack: DeployedStack) -> None:
    """What the emulator needs after each deploy to behave as AWS does (docs/emulator.md):
    the usage plans' method throttles, and a concurrency fitted to one machine's cores.
    The throttles and caps are kept with the emulator's state; the warm workers are not
    (`make run` starts them again after a restart that deploys nothing: infra/run.py)."""
    enforce_method_throttles(stack)
    cap_emulator_concurrency(stack)
    start_warm_workers(stack)


def enforce_method_throttles(stack: DeployedStack) -> None:
    """Make MiniStack enforce each usage plan's per-method throttles ("/orders/POST").

    Its CloudFormation stores a plan's `ApiStages[].Throttle` with the template's
    `RateLimit`/`BurstLimit` keys, and its gateway reads only API Gateway's `rateLimit`/
    `burstLimit`: the throttle is ignored. The same values, from the template, set
    through the API Gateway API are enforced. Only a PATCH replacing the whole
    `/apiStages` list with a JSON value works there: AWS's per-method path
    (`/apiStages/{api}:{stage}/throttle/...`) turns the list into a dict, and boto3 sends
    the value as a string; both corrupt the plan. Every deploy rewrites the plans (and
    may give the API a new id), so this runs after every deploy to the emulator.
    """
    apigateway = local_session(stack.endpoint).client("apigateway")
    for logical_id, plan in plans_from_template().items():
        if not plan.method_throttles:
            continue
        plan_id = stack.outputs[f"{logical_id}Id"]
        stages = [
            {**stage, "throttle": {method: {"rateLimit": limit.rate, "burstLimit": limit.burst}
                                   for method, limit in plan.method_throttles.items()}}
            for stage in apigateway.get_usage_plan(usagePlanId=plan_id)["apiStages"]
        ]
        answer = requests.patch(
            f"{stack.endpoint}/usageplans/{plan_id}", verify=stack.verify, timeout=10,
            json={"patchOperations": [{"op": "replace", "path": "/apiStages", "value": stages}]},
        )
        answer.raise_for_status()


# The local emulator runs every worker on this machine's cores, and starts a fresh one
# (unzipping its layers, importing its packages: ~1.7 s of CPU on 2 cores) for each
# invocation that finds none free. A burst of 32 cold orders invoked the lookups 32 times
# at once: 64 lookup workers, ~100 s of CPU, for calls that take milliseconds once warm;
# the processor's batches then started a worker each of inventory and payments. Capped,
# the extra calls are throttled and retried (shared.invocation) by the few warm workers
# instead. Only the functions other functions invoke: a throttled API call or SQS batch
# would be a client's 429 or a message's redelivery. Only here: on AWS every execution
# environment has its own CPU, and a reserved concurrency would fail the deploy on a new
# account (concurrency 10).
EMULATOR_CONCURRENCY = {"ProductLookupFunctionName": 2, "InventoryReservationsFunctionName": 2,
                        "PaymentCommandsFunctionName": 2}


def cap_emulator_concurrency(stack: DeployedStack) -> None:
    lambda_client = local_session(stack.endpoint).client("lambda")
    for output, limit in EMULATOR_CONCURRENCY.items():
        lambda_client.put_function_concurrency(FunctionName=stack.outputs[output], ReservedConcurrentExecutions=limit)


# The workers of the saga's functions, started at deploy: the first orders of a burst
# would otherwise wait for them to start while every PlaceOrder worker is starting too
# (on 2 cores, past the callers' wait, and seconds off each order's settling). Each is
# invoked with what changes nothing: a read of an id no one has ("missing"), a release of
# an order no one placed ("NOTHING_TO_DO"), an empty command batch, an SQS event with no
# record. (A pool of warm workers, as provisioned concurrency is on AWS.)
WARM_UP = {"ProductLookupFunctionName": {"product_ids": ["warm-up"]},
           "InventoryReservationsFunctionName": {"action": "release", "order_id": "warm-up"},
           "PaymentCommandsFunctionName": {"commands": []},
           "OrderProcessorFunctionName": {"Records": []},
           "NotificationsFunctionName": {"Records": []}}
# The emulator runs at most this many batches of one SQS mapping at once when the mapping
# sets no ScalingConfig, as ours do (docs/emulator.md): a burst of orders starts that many
# workers of each consumer, the order processor's and, as orders settle, notifications'.
# Started here instead, their unpacking and imports are not in the way of the burst's
# first orders (measured: 8 cold starts fewer while they settle).
EMULATOR_BATCHES_IN_FLIGHT = 5
# The capped functions are not warmed past their cap, which their extra workers would hit.
WARM_WORKERS = {**EMULATOR_CONCURRENCY, "OrderProcessorFunctionName": EMULATOR_BATCHES_IN_FLIGHT,
                "NotificationsFunctionName": EMULATOR_BATCHES_IN_FLIGHT}


def start_warm_workers(stack: DeployedStack) -> None:
    lambda_client = local_session(stack.endpoint).client("lambda")
    calls = [(stack.outputs[output], json.dumps(payload).encode())
             for output, payload in WARM_UP.items() for _ in range(WARM_WORKERS[output])]
    # All at once, so that each function starts as many workers as it may run.
    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(lambda call: lambda_client.invoke(FunctionName=call[0], Payload=call[1]), calls))
    failed = [name for (name, _), answer in zip(calls, answers) if answer.get("FunctionError")]
    if failed:
        raise DeployError(f"warming up {failed} failed: see the emulator's log")


def describe(endpoint: str, stack_name: str = DEFAULT_STACK) -> DeployedStack:
    """Read the stack's outputs (`endpoint` '' for AWS). The API id can change on update:
    never cache it elsewhere."""
    session = aws_session(endpoint)
    stack = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
    api_key = session.client("apigateway").get_api_key(apiKey=outputs["DemoApiKeyId"], includeValue=True)
    return DeployedStack(
        endpoint=endpoint,
        stack_name=stack_name,
        api_id=outputs["ApiId"],
        stage=outputs["StageName"],
        base_url=invoke_url(endpoint, outputs),
        api_key=api_key["value"],
        outputs=outputs,
        ca_bundle=ca_bundle_for(endpoint) if endpoint else None,
    )


def _stack_live(endpoint: str, stack_name: str) -> bool:
    try:
        stacks = local_session(endpoint).client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except botocore.exceptions.ClientError:
        return False
    return any(stack["StackStatus"].endswith("_COMPLETE") and "ROLLBACK" not in stack["StackStatus"]
               and "DELETE" not in stack["StackStatus"] for stack in stacks)


def deploy_if_changed(
    endpoint: str,
    state_dir: Path,
    *,
    stack_name: str = DEFAULT_STACK,
    config_env: str = EMULATOR_CONFIG_ENV,
    log_path: Path = LOCAL_STATE / "deploy.log",
    progress: Callable[[str], None] = lambda message: None,
) -> DeployedStack:
    """An emulator that reloaded its state from `state_dir` keeps the stack it had: deploy
    only when something SAM reads changed since (infra/changes.py)."""
    record = state_dir / "deployed.json"
    recorded = changes.load(record)
    made_on = changes.made_elsewhere(recorded, endpoint)
    if made_on:
        raise DeployError(f"the kept state ({state_dir}) was made on {made_on}, and the emulator's queues "
                          f"answer only there: orders would never leave their queue on {endpoint}. "
                          "Run on that port and scheme, or `make reset` to start empty.")
    target = {"stack": stack_name, "config_env": config_env, "endpoint": endpoint}
    inputs = changes.fingerprint()
    saved = state_dir / "cloudformation.json"  # MiniStack writes it on every clean stop
    reasons = changes.reasons_to_deploy(
        recorded, target, inputs, stack_live=_stack_live(endpoint, stack_name),
        state_saved_at=saved.stat().st_mtime if saved.exists() else None,
    )
    if not reasons:
        progress(f"stack {stack_name} is current (nothing changed since its deploy): no build, no deploy")
        return describe(endpoint, stack_name)
    progress(f"deploying: {'; '.join(reasons)}")
    record.unlink(missing_ok=True)
    stack = deploy(endpoint, stack_name=stack_name, config_env=config_env, log_path=log_path, progress=progress)
    changes.save(record, changes.Deployed(target=target, inputs=inputs, at=time.time()))
    return stack


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default="https://127.0.0.1:4566")
    parser.add_argument("--stack-name", default=DEFAULT_STACK)
    parser.add_argument("--config-env", default=EMULATOR_CONFIG_ENV, help="environment in samconfig.toml")
    args = parser.parse_args()
    try:
        stack = deploy(args.endpoint, stack_name=args.stack_name, config_env=args.config_env,
                       progress=lambda message: print(f"==> {message}", flush=True))
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stack.save(LOCAL_STATE / "stack.json")
    print(json.dumps(asdict(stack), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
