"""What an AWS deploy of infra/template.yaml gets (samconfig.toml's `default` environment),
and what the emulators' environments relax: no data lost, encrypted, watched.

The template is resolved with each environment's parameters (infra/template.py), so a
condition that keeps the emulator deployable cannot take a safeguard away from AWS.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.template import condition_holds, deployed_resources, load_template, parameters, resolve

AWS = deployed_resources("default")
EMULATORS = ("local", "localstack")
FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


def of_type(resources: dict, resource_type: str) -> dict[str, dict]:
    return {name: resource for name, resource in resources.items() if resource["Type"] == resource_type}


TABLES = of_type(AWS, "AWS::DynamoDB::Table")
QUEUES = of_type(AWS, "AWS::SQS::Queue")
FUNCTIONS = of_type(AWS, "AWS::Serverless::Function")
ALARMS = of_type(AWS, "AWS::CloudWatch::Alarm")
DLQS = {queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in QUEUES.values() if "RedrivePolicy" in queue["Properties"]}


def alarms_on(metric: str, dimension_value: dict) -> list[str]:
    return [name for name, alarm in ALARMS.items()
            if alarm["Properties"].get("MetricName") == metric
            and any(d["Value"] == dimension_value for d in alarm["Properties"]["Dimensions"])]


# ---------------------------------------------------------------- no data lost
def test_there_are_tables_to_check():
    assert len(TABLES) == 6


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_survives_deletion_and_replacement_and_recovers_to_a_point_in_time(table):
    resource = TABLES[table]
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    assert resource["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert resource["Properties"]["DeletionProtectionEnabled"] is True


@pytest.mark.parametrize("config_env", EMULATORS)
def test_the_emulators_throwaway_stacks_may_delete_their_tables_and_keep_everything_else(config_env):
    for name, table in of_type(deployed_resources(config_env), "AWS::DynamoDB::Table").items():
        assert table["Properties"]["DeletionProtectionEnabled"] is False
        assert {key: value for key, value in table["Properties"].items() if key != "DeletionProtectionEnabled"} == \
            {key: value for key, value in TABLES[name]["Properties"].items() if key != "DeletionProtectionEnabled"}


def test_idempotency_records_and_finished_reservations_still_expire_by_ttl():
    assert TABLES["OrdersTable"]["Properties"]["TimeToLiveSpecification"] == \
        {"AttributeName": "expiration", "Enabled": True}
    assert TABLES["InventoryTable"]["Properties"]["TimeToLiveSpecification"] == \
        {"AttributeName": "purge_at", "Enabled": True}


# ---------------------------------------------------------------- encrypted
@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_declares_encryption_at_rest(table):
    assert TABLES[table]["Properties"]["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_every_queue_is_encrypted_at_rest_and_refuses_plain_http(queue):
    assert QUEUES[queue]["Properties"]["SqsManagedSseEnabled"] is True
    denying = []
    for policy in of_type(AWS, "AWS::SQS::QueuePolicy").values():
        if {"Ref": queue} not in policy["Properties"]["Queues"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if (statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "sqs:*"
                    and {"Fn::GetAtt": [queue, "Arn"]} in statement["Resource"]
                    and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}):
                denying.append(statement)
    assert denying, f"no policy of {queue} denies requests without TLS"


# ---------------------------------------------------------------- watched
def test_alarms_go_to_the_alarm_topic_and_its_subscriber_is_a_parameter():
    for name, alarm in ALARMS.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["Properties"]["OKActions"] == [{"Ref": "AlarmTopic"}], name
    assert "AlarmEmailSubscription" not in AWS  # no address given: nobody to subscribe
    template = load_template()
    params = {**parameters("default"), "AlarmEmail": "ops@example.com"}
    subscription = template["Resources"]["AlarmEmailSubscription"]
    assert condition_holds(subscription["Condition"], params)
    assert subscription["Properties"] == {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email",
                                          "Endpoint": {"Ref": "AlarmEmail"}}


@pytest.mark.parametrize("dlq", sorted(DLQS))
def test_a_message_in_any_dlq_raises_an_alarm(dlq):
    (alarm,) = alarms_on("ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": [dlq, "QueueName"]})
    properties = ALARMS[alarm]["Properties"]
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (0, "GreaterThanThreshold")


@pytest.mark.parametrize("queue", sorted(set(QUEUES) - DLQS))
def test_a_message_waiting_too_long_in_a_queue_raises_an_alarm(queue):
    assert alarms_on("ApproximateAgeOfOldestMessage", {"Fn::GetAtt": [queue, "QueueName"]})


def sqs_consumers() -> list[str]:
    return sorted(name for name, function in FUNCTIONS.items()
                  if any(event["Type"] == "SQS" for event in function["Properties"].get("Events", {}).values()))


@pytest.mark.parametrize("function", sqs_consumers())
def test_a_failing_consumer_raises_an_alarm(function):
    assert alarms_on("Errors", {"Ref": function})


def test_api_5xx_rate_and_throttling_raise_alarms():
    (api_5xx,) = [alarm["Properties"] for alarm in ALARMS.values() if alarm["Properties"].get("MetricName") == "5XXError"]
    assert api_5xx["Statistic"] == "Average"  # the share of requests, not a count
    for function in {*sqs_consumers(), "PlaceOrderFunction", "InventoryReservationsFunction",
                     "PaymentCommandsFunction"}:
        assert alarms_on("Throttles", {"Ref": function}), function


def emitted_metrics() -> set[str]:
    """Business metrics the functions emit (shared.observability's count and count_by_reason)."""
    names = set()
    for path in FUNCTIONS_DIR.rglob("*.py"):
        names |= set(re.findall(r"\bcount(?:_by_reason)?\(\s*\"(\w+)\"", path.read_text()))
    return names


def test_the_dashboard_shows_the_orders_the_functions_count_and_the_shops_health():
    (dashboard,) = of_type(AWS, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    shown = json.dumps(widgets)
    shop_metrics = set(re.findall(r'MetricName=\\"(\w+)\\"', shown))  # SEARCH expressions
    for widget in widgets:
        namespace = None
        for row in widget["properties"].get("metrics", []):
            if isinstance(row[0], str) and row[0] != "...":
                namespace = namespace if row[0] == "." else row[0]  # "." repeats the row above's
                if namespace == "Shop":
                    shop_metrics.add(row[1])
    assert {"OrdersPlaced", "OrdersConfirmed", "OrdersFailed"} <= shop_metrics <= emitted_metrics()
    for metric in ("Latency", "ApproximateNumberOfMessagesVisible", "Throttles"):
        assert f'"{metric}"' in shown, metric
    alarm_widget = next(widget for widget in widgets if widget["type"] == "alarm")
    assert alarm_widget["properties"]["alarms"] == [f"${{{name}.Arn}}" for name in ALARMS]


def test_every_function_has_a_log_group_that_expires_its_lines():
    for config_env in ("default", *EMULATORS):
        resources = deployed_resources(config_env)
        log_groups = {group["Properties"]["LogGroupName"]["Fn::Sub"]: group
                      for group in of_type(resources, "AWS::Logs::LogGroup").values()}
        for function in of_type(resources, "AWS::Serverless::Function"):
            group = log_groups.get(f"/aws/lambda/${{{function}}}")
            assert group, f"{config_env}: {function} has no log group"
            assert int(group["Properties"]["RetentionInDays"]) == int(parameters(config_env)["LogRetentionDays"])


def test_the_api_stage_writes_json_access_logs_and_traces():
    api = AWS["ShopApi"]["Properties"]
    line = json.loads(api["AccessLogSetting"]["Format"])
    assert {key: line[key] for key in ("requestId", "apiKeyId", "caller", "status", "latencyMs")} == {
        "requestId": "$context.requestId", "apiKeyId": "$context.identity.apiKeyId",
        "caller": "$context.identity.caller", "status": "$context.status", "latencyMs": "$context.responseLatency"}
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    # The account's role API Gateway writes logs with.
    assert AWS["ShopApi"]["DependsOn"] == "ApiGatewayAccount"
    assert AWS["ApiGatewayAccount"]["Properties"] == {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}}
    assert api["TracingEnabled"] is True


@pytest.mark.parametrize(("config_env", "disabled"), [("default", "false"), ("local", "true"), ("localstack", "true")])
def test_functions_are_traced_and_the_tracer_sends_only_where_x_ray_runs(config_env, disabled):
    globals_ = load_template()["Globals"]["Function"]
    assert globals_["Tracing"] == "Active"
    variables = resolve(globals_["Environment"]["Variables"], parameters(config_env))
    assert variables["POWERTOOLS_TRACE_DISABLED"] == disabled


def test_the_benchmarks_reference_function_deploys_only_where_the_bench_runs():
    assert not {name for name in AWS if name.startswith("Reference")}
    assert {name for name in deployed_resources("localstack") if name.startswith("Reference")} == set()
    assert {name for name in deployed_resources("local") if name.startswith("Reference")} == \
        {"ReferenceGetProductFunction", "ReferenceGetProductFunctionLogGroup"}
