"""API keys of the shop's clients, on the usage-plan tiers of infra/template.yaml.

    python -m infra.keys create --user alice --tier standard   # prints id and value
    python -m infra.keys list
    python -m infra.keys disable KEY_ID                        # 403 from the next request
    python -m infra.keys rotate KEY_ID                         # new key, same plan; old one disabled
    python -m infra.keys usage KEY_ID                          # quota left (GetUsage; see below)

`--endpoint` defaults to the local emulator; `--endpoint ''` talks to AWS with the
default boto3 session. Plans are found from the stack's outputs (FreePlanId, ...),
never by name: the tiers live in the template only (docs/usage-plans.md).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
from botocore.exceptions import ClientError

from infra.deploy import DEFAULT_STACK, aws_session
from infra.local_tls import ca_bundle_for
from infra.usage_plans import USAGE_FILE, is_enabled

TIERS = {"free": "FreePlanId", "standard": "StandardPlanId", "partner": "PartnerPlanId"}


class KeysError(RuntimeError):
    pass


class UsageUnavailable(KeysError):
    pass


@dataclass(frozen=True)
class CreatedKey:
    id: str
    name: str
    value: str
    tier: str
    plan_id: str


class KeyAdmin:
    """The operations behind the command, on one stack (emulator or AWS)."""

    def __init__(self, endpoint: str | None, stack_name: str = DEFAULT_STACK) -> None:
        self.endpoint = endpoint or None
        session = aws_session(self.endpoint)
        self.apigateway = session.client("apigateway")
        stack = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
        self.outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
        # plan id -> tier; plans the stack has that are no tier (the test quota plan) too.
        self.plan_tiers = {self.outputs[output]: tier for tier, output in TIERS.items()
                           if output in self.outputs}
        for output, plan_id in self.outputs.items():
            if output.endswith("PlanId") and plan_id not in self.plan_tiers:
                self.plan_tiers[plan_id] = output.removesuffix("PlanId").lower()

    # ------------------------------------------------------------ queries

    def plan_id(self, tier: str) -> str:
        output = TIERS.get(tier, f"{tier[:1].upper()}{tier[1:]}PlanId")
        if output not in self.outputs:
            raise KeysError(f"the stack has no {output} output: is it deployed from the current template?")
        return self.outputs[output]

    def plans_of(self, key_id: str) -> list[str]:
        """Ids of the stack's plans the key is on."""
        plans = []
        for plan_id in self.plan_tiers:
            pages = self.apigateway.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan_id)
            if any(item["id"] == key_id for page in pages for item in page.get("items", [])):
                plans.append(plan_id)
        return plans

    def list(self) -> list[dict[str, Any]]:
        members: dict[str, list[str]] = {}
        for plan_id, tier in self.plan_tiers.items():
            for page in self.apigateway.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan_id):
                for item in page.get("items", []):
                    members.setdefault(item["id"], []).append(tier)
        keys = []
        for page in self.apigateway.get_paginator("get_api_keys").paginate():
            for item in page.get("items", []):
                keys.append({
                    "id": item["id"],
                    "name": item.get("name", ""),
                    "tiers": members.get(item["id"], []),
                    "enabled": is_enabled(item.get("enabled")) and bool(members.get(item["id"])),
                })
        return sorted(keys, key=lambda key: key["name"])

    # ------------------------------------------------------------ changes

    def create(self, user: str, tier: str, *, plan_id: str | None = None) -> CreatedKey:
        plan_id = plan_id or self.plan_id(tier)
        key = self.apigateway.create_api_key(
            name=user, description=f"{tier} tier key of {user} (infra.keys)", enabled=True,
        )
        self.apigateway.create_usage_plan_key(usagePlanId=plan_id, keyId=key["id"], keyType="API_KEY")
        return CreatedKey(id=key["id"], name=user, value=key["value"], tier=tier, plan_id=plan_id)

    def disable(self, key_id: str) -> list[str]:
        """Refuse the key from the next request on, on AWS and on the emulator alike.

        Two steps, either of which is enough for API Gateway: the key leaves every plan
        (a key on no plan of the stage gets 403), and its `enabled` flag becomes false.
        boto3's patch sends the string "false", which AWS understands but MiniStack
        stores as a (truthy) string; on the emulator the same PATCH goes out raw with a
        JSON boolean. Returns the ids of the plans the key was on.
        """
        self.apigateway.get_api_key(apiKey=key_id)  # NotFoundException for an unknown id
        plans = self.plans_of(key_id)
        for plan_id in plans:
            self.apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
        operation = {"op": "replace", "path": "/enabled", "value": "false"}
        if self.endpoint:
            answer = requests.patch(f"{self.endpoint}/apikeys/{key_id}", timeout=10,
                                    verify=ca_bundle_for(self.endpoint) or True,
                                    json={"patchOperations": [{**operation, "value": False}]})
            answer.raise_for_status()
        else:
            self.apigateway.update_api_key(apiKey=key_id, patchOperations=[operation])
        return plans

    def rotate(self, key_id: str) -> CreatedKey:
        old = self.apigateway.get_api_key(apiKey=key_id)
        plans = self.plans_of(key_id)
        if not plans:
            raise KeysError(f"key {key_id} is on no usage plan (disabled already?): create a new one instead")
        tier = self.plan_tiers[plans[0]]
        new = self.create(old.get("name") or key_id, tier, plan_id=plans[0])
        for plan_id in plans[1:]:
            self.apigateway.create_usage_plan_key(usagePlanId=plan_id, keyId=new.id, keyType="API_KEY")
        self.disable(key_id)
        return new

    def usage(self, key_id: str) -> dict[str, Any]:
        """Quota used in the current period, per plan, from API Gateway's GetUsage."""
        today = datetime.now(timezone.utc).date()
        report = {}
        for plan_id in self.plans_of(key_id):
            plan = self.apigateway.get_usage_plan(usagePlanId=plan_id)
            answer = self.apigateway.get_usage(usagePlanId=plan_id, keyId=key_id,
                                               startDate=today.isoformat(), endDate=today.isoformat())
            if "startDate" not in answer:
                # MiniStack routes GET /usageplans/{id}/usage to GetUsagePlan: not a usage report.
                raise UsageUnavailable("GetUsage answered with a usage plan, not a usage report")
            # items: key id -> [[used, remaining] per day]; the last day is today.
            days = answer.get("items", {}).get(key_id) or [[0, plan.get("quota", {}).get("limit")]]
            used, remaining = days[-1]
            report[self.plan_tiers[plan_id]] = {"used": used, "remaining": remaining,
                                                **{k: v for k, v in plan.get("quota", {}).items()}}
        return report


def emulator_usage(admin: KeyAdmin, key_id: str, usage_file: Path) -> dict[str, Any]:
    """The emulator has no GetUsage: say so, unless chalice local counted this key."""
    try:
        return admin.usage(key_id)
    except UsageUnavailable as error:
        reason = str(error)
    except ClientError as error:
        reason = error.response.get("Error", {}).get("Message") or str(error)
    except Exception as error:  # MiniStack answers GetUsage with something botocore can't parse
        reason = str(error)
    local = json.loads(usage_file.read_text()).get(key_id) if usage_file.exists() else None
    if local:
        return {tier["tier"]: {k: v for k, v in tier.items() if k != "tier"} | {"source": "chalice local"}
                for tier in local.values()}
    raise UsageUnavailable(
        "quota usage is unavailable on the emulator: MiniStack does not implement GetUsage "
        f"({reason.strip()[:120]}). `chalice local --stage local` counts its own usage; "
        f"send this key's requests through it and ask again (it writes {usage_file})."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default="https://127.0.0.1:4566",
                        help="emulator endpoint; '' for AWS (default boto3 session)")
    parser.add_argument("--stack-name", default=DEFAULT_STACK)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="a new key for a user, on a tier's plan")
    create.add_argument("--user", required=True)
    create.add_argument("--tier", required=True, choices=sorted(TIERS))
    commands.add_parser("list", help="keys, their tiers, enabled")
    for name, text in (("disable", "refuse a key from now on"),
                       ("rotate", "new key on the same plan; old one disabled"),
                       ("usage", "quota used and left in the current period")):
        command = commands.add_parser(name, help=text)
        command.add_argument("key_id")
    commands.choices["usage"].add_argument("--usage-file", type=Path, default=USAGE_FILE,
                                           help="counters written by chalice local (emulator only)")
    args = parser.parse_args(argv)

    try:
        admin = KeyAdmin(args.endpoint, args.stack_name)
        if args.command == "create":
            key = admin.create(args.user, args.tier)
            print(f"id     {key.id}\nvalue  {key.value}\ntier   {key.tier} (plan {key.plan_id})")
        elif args.command == "list":
            keys = admin.list()
            print(f"{'ID':<14} {'NAME':<28} {'TIER':<12} ENABLED")
            for key in keys:
                print(f"{key['id']:<14} {key['name']:<28} {','.join(key['tiers']) or '-':<12} "
                      f"{'yes' if key['enabled'] else 'no'}")
        elif args.command == "disable":
            plans = admin.disable(args.key_id)
            print(f"disabled {args.key_id} (removed from {len(plans)} plan(s))")
        elif args.command == "rotate":
            key = admin.rotate(args.key_id)
            print(f"id     {key.id}\nvalue  {key.value}\ntier   {key.tier}\n{args.key_id} is disabled")
        elif args.command == "usage":
            report = admin.usage(args.key_id) if not admin.endpoint else emulator_usage(
                admin, args.key_id, args.usage_file)
            print(json.dumps(report, indent=2, default=str))
    except UsageUnavailable as error:
        print(f"unavailable: {error}", file=sys.stderr)
        return 2
    except (KeysError, ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
