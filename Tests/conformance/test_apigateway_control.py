"""API Gateway's REST control plane through boto3 and the AWS CLI: tutorial 004's API, patches, deployments, errors."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import requests

from moat_support import ACCOUNT_ID, REGION, ROOT, MoatServer, allow, aws_client, aws_error, make_user_with_policy, run_aws_cli

pytestmark = pytest.mark.apigateway

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:hello"
LAMBDA_URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"


@pytest.fixture
def apigateway(moat: MoatServer) -> Any:
    return aws_client("apigateway", moat.endpoint, ROOT)


@pytest.fixture
def user_pool_arn(moat: MoatServer) -> str:
    idp = aws_client("cognito-idp", moat.endpoint, ROOT)
    return idp.create_user_pool(PoolName="serverless-users")["UserPool"]["Arn"]


def hello_api(apigateway: Any, user_pool_arn: str) -> dict[str, str]:
    """Tutorial 004's API as `serverless deploy` makes it: GET /hello behind a user pool, proxied to a function."""
    api = apigateway.create_rest_api(name="dev-serverless-api", endpointConfiguration={"types": ["REGIONAL"]})
    hello = apigateway.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="hello")
    authorizer = apigateway.create_authorizer(
        restApiId=api["id"], name="cognito", type="COGNITO_USER_POOLS", providerARNs=[user_pool_arn],
        identitySource="method.request.header.Authorization",
    )
    apigateway.put_method(
        restApiId=api["id"], resourceId=hello["id"], httpMethod="GET",
        authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer["id"],
    )
    apigateway.put_integration(
        restApiId=api["id"], resourceId=hello["id"], httpMethod="GET",
        type="AWS_PROXY", integrationHttpMethod="POST", uri=LAMBDA_URI,
    )
    return {"api": api["id"], "root": api["rootResourceId"], "hello": hello["id"], "authorizer": authorizer["id"]}


def test_tutorial_api_deploys_to_a_stage(apigateway: Any, user_pool_arn: str) -> None:
    ids = hello_api(apigateway, user_pool_arn)
    api = apigateway.get_rest_api(restApiId=ids["api"])
    assert len(api["id"]) == 10 and api["id"].isalnum() and api["id"].lower() == api["id"]
    assert api["name"] == "dev-serverless-api" and api["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert "createdDate" in api

    resources = apigateway.get_resources(restApiId=ids["api"], embed=["methods"])["items"]
    assert sorted(resource["path"] for resource in resources) == ["/", "/hello"]
    hello = next(resource for resource in resources if resource["path"] == "/hello")
    method = hello["resourceMethods"]["GET"]
    assert method["authorizationType"] == "COGNITO_USER_POOLS" and method["authorizerId"] == ids["authorizer"]
    assert method["methodIntegration"]["uri"] == LAMBDA_URI
    integration = apigateway.get_integration(restApiId=ids["api"], resourceId=ids["hello"], httpMethod="GET")
    assert (integration["type"], integration["httpMethod"], integration["timeoutInMillis"]) == ("AWS_PROXY", "POST", 29000)
    authorizer = apigateway.get_authorizer(restApiId=ids["api"], authorizerId=ids["authorizer"])
    assert authorizer["providerARNs"] == [user_pool_arn] and authorizer["authorizerResultTtlInSeconds"] == 300

    deployment = apigateway.create_deployment(restApiId=ids["api"], stageName="dev", variables={"table": "hello-dev"})
    stage = apigateway.get_stage(restApiId=ids["api"], stageName="dev")
    assert stage["deploymentId"] == deployment["id"] and stage["variables"] == {"table": "hello-dev"}
    assert [item["id"] for item in apigateway.get_deployments(restApiId=ids["api"])["items"]] == [deployment["id"]]
    assert [item["stageName"] for item in apigateway.get_stages(restApiId=ids["api"])["item"]] == ["dev"]

    updated = apigateway.update_stage(restApiId=ids["api"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/description", "value": "development"},
        {"op": "replace", "path": "/variables/table", "value": "hello-v2"},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
        {"op": "replace", "path": "/~1hello/GET/throttling/burstLimit", "value": "20"},
    ])
    assert updated["description"] == "development" and updated["variables"] == {"table": "hello-v2"}
    assert updated["methodSettings"]["*/*"]["throttlingRateLimit"] == 100.0
    assert updated["methodSettings"]["~1hello/GET"]["throttlingBurstLimit"] == 20
    assert apigateway.get_stage(restApiId=ids["api"], stageName="dev")["methodSettings"] == updated["methodSettings"]

    with aws_error("BadRequestException", 400, "Active stages pointing to this deployment must be moved or deleted"):
        apigateway.delete_deployment(restApiId=ids["api"], deploymentId=deployment["id"])


def test_a_deployment_keeps_the_api_as_it_was(apigateway: Any, user_pool_arn: str) -> None:
    ids = hello_api(apigateway, user_pool_arn)
    first = apigateway.create_deployment(restApiId=ids["api"], stageName="dev")
    apigateway.put_method(restApiId=ids["api"], resourceId=ids["hello"], httpMethod="POST", authorizationType="NONE",
                          apiKeyRequired=True)
    apigateway.put_integration(restApiId=ids["api"], resourceId=ids["hello"], httpMethod="POST", type="MOCK")

    summary = apigateway.get_deployment(restApiId=ids["api"], deploymentId=first["id"], embed=["apisummary"])["apiSummary"]
    assert summary == {"/hello": {"GET": {"authorizationType": "COGNITO_USER_POOLS", "apiKeyRequired": False}}}

    second = apigateway.create_deployment(restApiId=ids["api"], stageName="dev", description="with POST")
    summary = apigateway.get_deployment(restApiId=ids["api"], deploymentId=second["id"], embed=["apisummary"])["apiSummary"]
    assert summary["/hello"]["POST"] == {"authorizationType": "NONE", "apiKeyRequired": True}
    assert apigateway.get_stage(restApiId=ids["api"], stageName="dev")["deploymentId"] == second["id"]
    apigateway.delete_deployment(restApiId=ids["api"], deploymentId=first["id"])
    assert [item["id"] for item in apigateway.get_deployments(restApiId=ids["api"])["items"]] == [second["id"]]


def test_errors_are_aws_errors(apigateway: Any, user_pool_arn: str) -> None:
    with aws_error("NotFoundException", 404, f"Invalid API identifier specified {ACCOUNT_ID}:nope123456"):
        apigateway.get_rest_api(restApiId="nope123456")
    ids = hello_api(apigateway, user_pool_arn)
    with aws_error("ConflictException", 409, "Another resource with the same parent already has this name: hello"):
        apigateway.create_resource(restApiId=ids["api"], parentId=ids["root"], pathPart="hello")
    with aws_error("NotFoundException", 404, "Invalid Resource identifier specified"):
        apigateway.get_resource(restApiId=ids["api"], resourceId="nope")
    with aws_error("NotFoundException", 404, "Invalid Method identifier specified"):
        apigateway.get_method(restApiId=ids["api"], resourceId=ids["hello"], httpMethod="DELETE")
    with aws_error("NotFoundException", 404, "Invalid stage identifier specified"):
        apigateway.get_stage(restApiId=ids["api"], stageName="prod")
    with aws_error("BadRequestException", 400, "Invalid patch path '/colour'"):
        apigateway.update_rest_api(restApiId=ids["api"], patchOperations=[{"op": "replace", "path": "/colour", "value": "red"}])
    with aws_error("BadRequestException", 400, "requires a valid authorizer"):
        apigateway.put_method(restApiId=ids["api"], resourceId=ids["hello"], httpMethod="POST",
                              authorizationType="COGNITO_USER_POOLS")
    with aws_error("BadRequestException", 400, "Timeout should be between 50 ms and 29000 ms"):
        apigateway.update_integration(restApiId=ids["api"], resourceId=ids["hello"], httpMethod="GET",
                                      patchOperations=[{"op": "replace", "path": "/timeoutInMillis", "value": "30000"}])
    with aws_error("BadRequestException", 400):
        apigateway.create_authorizer(restApiId=ids["api"], name="x", type="COGNITO_USER_POOLS",
                                     identitySource="method.request.header.Authorization")
    apigateway.create_deployment(restApiId=ids["api"], stageName="dev")
    with aws_error("BadRequestException", 400, "Invalid patch path '/~1hello/GET/throttling/speed'"):
        apigateway.update_stage(restApiId=ids["api"], stageName="dev", patchOperations=[
            {"op": "replace", "path": "/~1hello/GET/throttling/speed", "value": "1"},
        ])
    with aws_error("BadRequestException", 400, "No method GET on resource /nope"):
        apigateway.update_stage(restApiId=ids["api"], stageName="dev", patchOperations=[
            {"op": "replace", "path": "/~1nope/GET/throttling/rateLimit", "value": "1"},
        ])

    empty = apigateway.create_rest_api(name="empty")
    with aws_error("BadRequestException", 400, "The REST API doesn't contain any methods"):
        apigateway.create_deployment(restApiId=empty["id"], stageName="dev")


def test_delete_rest_api_removes_everything(apigateway: Any, user_pool_arn: str) -> None:
    ids = hello_api(apigateway, user_pool_arn)
    apigateway.create_deployment(restApiId=ids["api"], stageName="dev")
    apigateway.delete_rest_api(restApiId=ids["api"])
    with aws_error("NotFoundException", 404):
        apigateway.get_stage(restApiId=ids["api"], stageName="dev")
    with aws_error("NotFoundException", 404):
        apigateway.delete_rest_api(restApiId=ids["api"])
    assert apigateway.get_rest_apis()["items"] == []


def test_iam_authorizes_by_verb_on_the_path(moat: MoatServer, apigateway: Any, user_pool_arn: str,
                                            root_iam: Any) -> None:
    ids = hello_api(apigateway, user_pool_arn)
    reader = make_user_with_policy(
        root_iam, "api-reader", allow("apigateway:GET", [f"arn:aws:apigateway:{REGION}::/restapis/{ids['api']}/*"])
    )
    client = aws_client("apigateway", moat.endpoint, reader.creds)
    assert client.get_resources(restApiId=ids["api"])["items"]
    with aws_error("AccessDeniedException", 403, f"apigateway:GET on resource: arn:aws:apigateway:{REGION}::/restapis"):
        client.get_rest_apis()
    with aws_error("AccessDeniedException", 403, "apigateway:POST"):
        client.create_resource(restApiId=ids["api"], parentId=ids["root"], pathPart="more")


def test_user_requests_to_a_stage_are_not_control_plane_calls(moat: MoatServer, apigateway: Any,
                                                              user_pool_arn: str) -> None:
    ids = hello_api(apigateway, user_pool_arn)
    apigateway.create_deployment(restApiId=ids["api"], stageName="stages")
    # Shaped like GetStage of a stage named `_user_request_`: the data plane's path, answered by the stage itself (the
    # root has no method; /hello wants a token), never as a control-plane call.
    root = requests.get(moat.url(f"/restapis/{ids['api']}/stages/_user_request_"), timeout=10)
    assert (root.status_code, root.text) == (403, '{"message":"Missing Authentication Token"}')
    assert root.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    hello = requests.get(moat.url(f"/restapis/{ids['api']}/stages/_user_request_/hello"), timeout=10)
    assert (hello.status_code, hello.text) == (401, '{"message":"Unauthorized"}')


def test_aws_cli_drives_the_control_plane(moat: MoatServer) -> None:
    created = run_aws_cli(moat.endpoint, ROOT, "apigateway", "create-rest-api", "--name", "cli-api")
    listed = run_aws_cli(moat.endpoint, ROOT, "apigateway", "get-rest-apis")
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    resources = run_aws_cli(moat.endpoint, ROOT, "apigateway", "get-resources", "--rest-api-id", created["id"])
    assert [item["path"] for item in resources["items"]] == ["/"]
