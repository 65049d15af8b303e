"""Where the tools and the e2e tier send their calls: the emulator, LocalStack or AWS."""
from __future__ import annotations

import boto3

from infra.deploy import aws_session, invoke_url

OUTPUTS = {"ApiId": "abc123", "StageName": "v1",
           "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"}


def test_on_aws_the_base_url_is_the_stages_own():
    assert invoke_url("", OUTPUTS) == OUTPUTS["ApiUrl"]


def test_locally_the_base_url_is_the_edge_endpoints_form():
    assert invoke_url("http://127.0.0.1:4599", OUTPUTS) == (
        "http://127.0.0.1:4599/restapis/abc123/v1/_user_request_")


def test_an_endpoint_gets_clients_for_it_and_none_gets_the_default_aws_session(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    local = aws_session("http://127.0.0.1:4599").client("sqs")
    assert local.meta.endpoint_url == "http://127.0.0.1:4599"
    aws = aws_session("")
    assert isinstance(aws, boto3.session.Session)
    assert aws.client("sqs").meta.endpoint_url == "https://sqs.eu-west-1.amazonaws.com"
