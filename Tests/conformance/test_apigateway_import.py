"""API Gateway's OpenAPI import and export through boto3 and the AWS CLI: ImportRestApi, PutRestApi, GetExport."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from moat_support import ACCOUNT_ID, REGION, ROOT, MoatServer, aws_client, aws_error, run_aws_cli

pytestmark = pytest.mark.apigateway

LAMBDA_URI = (
    f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
    f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:pets/invocations"
)
AUTHORIZER_URI = LAMBDA_URI.replace(":pets/", ":auth/")
USER_POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT_ID}:userpool/{REGION}_AbC123xyZ"

# What SAM and hand-written documents use: a user pool authorizer with scopes, a Lambda token authorizer, AWS_IAM and
# an API key, Lambda proxy, HTTP and mock integrations with responses, parameters and response headers.
PETS: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "pets", "description": "Pet store", "version": "1.0"},
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok", "headers": {"X-Total": {"schema": {"type": "string"}}}}},
                "security": [{"users": ["pets/read"]}],
                "x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "httpMethod": "POST", "uri": LAMBDA_URI, "passthroughBehavior": "when_no_match",
                    "timeoutInMillis": 5000,
                },
            },
            "post": {
                "security": [{"sigv4": [], "api_key": []}],
                "responses": {"200": {"description": "created"}, "400": {"description": "bad"}},
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "POST", "uri": "https://backend.example.com/pets",
                    "requestTemplates": {"application/json": "{\"name\": $input.json('$.name')}"},
                    "responses": {
                        "default": {"statusCode": "200"},
                        "4\\d{2}": {"statusCode": "400", "responseTemplates": {"application/json": "$input.body"}},
                    },
                },
            },
        },
        "/pets/{petId}": {
            "x-amazon-apigateway-any-method": {
                "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "security": [{"tokens": []}],
                "x-amazon-apigateway-integration": {
                    "type": "MOCK", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                    "responses": {"default": {"statusCode": "200"}},
                },
            },
        },
    },
    "components": {
        "securitySchemes": {
            "users": {
                "type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [USER_POOL_ARN]},
            },
            "tokens": {
                "type": "apiKey", "name": "X-Token", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token", "authorizerUri": AUTHORIZER_URI, "authorizerResultTtlInSeconds": 60,
                },
            },
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        },
    },
    "x-amazon-apigateway-binary-media-types": ["image/png"],
}

# A Swagger 2.0 document in YAML, as hand-written: an anchor, a merge key, a model and an unsupported extension.
HELLO_YAML = f"""
swagger: "2.0"
info:
  title: hello
  version: "1"
basePath: /prod
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX: {{}}
x-defaults:
  lambda: &lambda
    type: aws_proxy
    httpMethod: POST
    uri: {LAMBDA_URI}
paths:
  /hello/{{name}}:
    get:
      parameters:
        - {{name: name, in: path, required: true, type: string}}
      responses:
        200:
          description: hi
          schema: {{$ref: "#/definitions/Greeting"}}
      x-amazon-apigateway-integration:
        <<: *lambda
        timeoutInMillis: 3000
definitions:
  Greeting: {{type: object}}
"""


@pytest.fixture
def apigateway(moat: MoatServer) -> Any:
    return aws_client("apigateway", moat.endpoint, ROOT)


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def resources_by_path(apigateway: Any, api_id: str) -> dict[str, Any]:
    items = apigateway.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]
    return {item["path"]: item for item in items}


def shape(apigateway: Any, api_id: str) -> dict[str, Any]:
    """The API with ids replaced by what names them and the default cache namespace dropped: what two imports of one
    document share."""
    authorizers = {item["id"]: item for item in apigateway.get_authorizers(restApiId=api_id)["items"]}
    result: dict[str, Any] = {}
    for path, resource in resources_by_path(apigateway, api_id).items():
        methods = {}
        for verb, method in resource.get("resourceMethods", {}).items():
            method = copy.deepcopy(method)
            if "authorizerId" in method:
                method["authorizerId"] = authorizers[method["authorizerId"]]["name"]
            integration = method.get("methodIntegration", {})
            if integration.get("cacheNamespace") == resource["id"]:
                del integration["cacheNamespace"]
            methods[verb] = method
        result[path] = methods
    result["authorizers"] = sorted(({k: v for k, v in item.items() if k != "id"} for item in authorizers.values()),
                                   key=lambda item: item["name"])
    return result


def test_a_json_document_becomes_the_api(apigateway: Any) -> None:
    api = apigateway.import_rest_api(body=body(PETS))
    assert (api["name"], api["description"], api["version"]) == ("pets", "Pet store", "1.0")
    assert api["binaryMediaTypes"] == ["image/png"] and api["endpointConfiguration"]["types"] == ["EDGE"]
    assert "warnings" not in api
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201

    resources = resources_by_path(apigateway, api["id"])
    assert sorted(resources) == ["/", "/pets", "/pets/{petId}"]
    assert resources["/"]["id"] == api["rootResourceId"]
    authorizers = {item["name"]: item for item in apigateway.get_authorizers(restApiId=api["id"])["items"]}
    assert sorted(authorizers) == ["tokens", "users"]
    assert authorizers["users"]["type"] == "COGNITO_USER_POOLS" and authorizers["users"]["providerARNs"] == [USER_POOL_ARN]
    assert authorizers["users"]["identitySource"] == "method.request.header.Authorization"
    assert authorizers["tokens"]["type"] == "TOKEN" and authorizers["tokens"]["authorizerUri"] == AUTHORIZER_URI
    assert authorizers["tokens"]["identitySource"] == "method.request.header.X-Token"
    assert authorizers["tokens"]["authorizerResultTtlInSeconds"] == 60

    pets = resources["/pets"]["id"]
    listed = apigateway.get_method(restApiId=api["id"], resourceId=pets, httpMethod="GET")
    assert listed["operationName"] == "listPets"
    assert (listed["authorizationType"], listed["authorizerId"]) == ("COGNITO_USER_POOLS", authorizers["users"]["id"])
    assert listed["authorizationScopes"] == ["pets/read"]
    assert listed["requestParameters"] == {"method.request.querystring.limit": False}
    assert listed["methodResponses"]["200"]["responseParameters"] == {"method.response.header.X-Total": False}
    integration = apigateway.get_integration(restApiId=api["id"], resourceId=pets, httpMethod="GET")
    assert (integration["type"], integration["httpMethod"], integration["uri"]) == ("AWS_PROXY", "POST", LAMBDA_URI)
    assert (integration["passthroughBehavior"], integration["timeoutInMillis"]) == ("WHEN_NO_MATCH", 5000)

    created = apigateway.get_method(restApiId=api["id"], resourceId=pets, httpMethod="POST")
    assert (created["authorizationType"], created["apiKeyRequired"]) == ("AWS_IAM", True)
    assert sorted(created["methodResponses"]) == ["200", "400"]
    response = apigateway.get_integration_response(restApiId=api["id"], resourceId=pets, httpMethod="POST", statusCode="400")
    assert response["selectionPattern"] == "4\\d{2}" and response["responseTemplates"] == {"application/json": "$input.body"}

    pet = resources["/pets/{petId}"]["id"]
    any_method = apigateway.get_method(restApiId=api["id"], resourceId=pet, httpMethod="ANY")
    assert (any_method["authorizationType"], any_method["authorizerId"]) == ("CUSTOM", authorizers["tokens"]["id"])
    assert any_method["requestParameters"] == {"method.request.path.petId": True}
    assert any_method["methodIntegration"]["type"] == "MOCK"


def test_a_yaml_swagger_document_with_parameters(apigateway: Any) -> None:
    api = apigateway.import_rest_api(
        body=HELLO_YAML.encode(), parameters={"endpointConfigurationTypes": "REGIONAL", "basepath": "prepend"},
    )
    assert api["name"] == "hello" and api["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert api["warnings"] == [
        "The extension x-amazon-apigateway-gateway-responses is not supported and was ignored",
        "Models (schemas, request bodies, response content) are not supported and were ignored",
    ]
    resources = resources_by_path(apigateway, api["id"])
    assert sorted(resources) == ["/", "/prod", "/prod/hello", "/prod/hello/{name}"]
    method = resources["/prod/hello/{name}"]["resourceMethods"]["GET"]
    assert method["requestParameters"] == {"method.request.path.name": True}
    assert method["methodIntegration"]["uri"] == LAMBDA_URI and method["methodIntegration"]["timeoutInMillis"] == 3000
    assert "warnings" not in apigateway.get_rest_api(restApiId=api["id"])


BAD_DOCUMENTS = [
    pytest.param(b"{\"openapi\": ", "not valid JSON", id="not-json"),
    pytest.param(b"openapi: [3.0\n  - : :", "neither JSON nor YAML", id="not-yaml"),
    pytest.param(body({"info": {"title": "x"}, "paths": {}}), "neither an 'openapi' version", id="no-version"),
    pytest.param(
        body(PETS).replace(b'"type": "http"', b'"type": "ftp"'),
        "Unable to put integration on 'POST' for resource at path '/pets': Invalid integration type specified: 'ftp'",
        id="unknown-integration-type",
    ),
    pytest.param(
        body(PETS).replace(b'[{"tokens": []}]', b'[{"nobody": []}]'),
        "security scheme 'nobody' is not defined", id="undefined-security-scheme",
    ),
    pytest.param(
        body(PETS).replace(b'"type": "token"', b'"type": "jwt"'),
        "Unable to create authorizer 'tokens': Invalid authorizer type specified: 'jwt'", id="unknown-authorizer-type",
    ),
    pytest.param(
        body(PETS).replace(b'"/pets/{petId}"', b'"/pets/{pet id}"'),
        "Unable to create resource at path '/pets/{pet id}'", id="bad-path-part",
    ),
    pytest.param(
        json.dumps({**PETS, "info": {"title": "big", "description": "x" * (6 * 1024 * 1024)}}).encode(),
        "more than the 6291456 bytes", id="over-6-mb",
    ),
    pytest.param(b"a: " + b"[" * 100_000 + b"]" * 100_000, "nesting deeper than 128 levels", id="deep-yaml"),
    pytest.param(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply", id="deep-json"),
    pytest.param(
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"\n".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}' if n > 1 else '*a'] * 10)}]".encode() for n in range(1, 9)),
        "expands to more than", id="billion-laughs",
    ),
]


@pytest.mark.parametrize(("document", "message"), BAD_DOCUMENTS)
def test_bad_documents_are_refused_and_leave_no_api(apigateway: Any, document: bytes, message: str) -> None:
    before = apigateway.get_rest_apis()["items"]
    with aws_error("BadRequestException", 400, message):
        apigateway.import_rest_api(body=document)
    assert apigateway.get_rest_apis()["items"] == before


def test_documents_nested_within_the_limits_import(apigateway: Any) -> None:
    yaml = "openapi: 3.0.1\ninfo: {title: deep}\nx-deep: " + "[" * 60 + "]" * 60 + "\npaths: {}\n"
    assert apigateway.import_rest_api(body=yaml.encode())["name"] == "deep"
    document = {**PETS, "x-deep": json.loads("[" * 120 + "]" * 120)}
    assert apigateway.import_rest_api(body=body(document))["name"] == "pets"


def test_fail_on_warnings_refuses_what_would_be_skipped(apigateway: Any) -> None:
    with aws_error("BadRequestException", 400, "Warnings found during import", "x-amazon-apigateway-gateway-responses"):
        apigateway.import_rest_api(body=HELLO_YAML.encode(), failOnWarnings=True)
    assert apigateway.get_rest_apis()["items"] == []


def test_put_rest_api_merges_and_overwrites_without_touching_the_stage(apigateway: Any) -> None:
    api = apigateway.import_rest_api(body=body(PETS))
    deployment = apigateway.create_deployment(restApiId=api["id"], stageName="dev")
    before = resources_by_path(apigateway, api["id"])

    addition = {
        "openapi": "3.0.1", "info": {"title": "pets v2"},
        "paths": {
            "/pets": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}},
            "/toys": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}},
        },
    }
    merged = apigateway.put_rest_api(restApiId=api["id"], mode="merge", body=body(addition))
    assert merged["name"] == "pets v2" and merged["binaryMediaTypes"] == ["image/png"]
    after = resources_by_path(apigateway, api["id"])
    assert sorted(after) == ["/", "/pets", "/pets/{petId}", "/toys"]
    assert after["/pets"]["id"] == before["/pets"]["id"]
    assert after["/pets"]["resourceMethods"]["GET"]["methodIntegration"]["type"] == "MOCK"
    assert after["/pets"]["resourceMethods"]["GET"]["authorizationType"] == "NONE"
    assert after["/pets"]["resourceMethods"]["POST"] == before["/pets"]["resourceMethods"]["POST"]
    assert len(apigateway.get_authorizers(restApiId=api["id"])["items"]) == 2

    replacement = {"swagger": "2.0", "info": {"title": "small"},
                   "paths": {"/pets": {"delete": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}
    overwritten = apigateway.put_rest_api(restApiId=api["id"], mode="overwrite", body=body(replacement))
    assert overwritten["name"] == "small" and "binaryMediaTypes" not in overwritten
    assert overwritten["rootResourceId"] == api["rootResourceId"]
    after = resources_by_path(apigateway, api["id"])
    assert sorted(after) == ["/", "/pets"] and sorted(after["/pets"]["resourceMethods"]) == ["DELETE"]
    assert after["/"]["id"] == api["rootResourceId"] and after["/pets"]["id"] == before["/pets"]["id"]
    assert apigateway.get_authorizers(restApiId=api["id"])["items"] == []

    # The stage keeps serving the deployment made before both puts.
    assert apigateway.get_stage(restApiId=api["id"], stageName="dev")["deploymentId"] == deployment["id"]
    exported = json.loads(apigateway.get_export(restApiId=api["id"], stageName="dev", exportType="oas30")["body"].read())
    assert sorted(exported["paths"]) == ["/pets", "/pets/{petId}"]

    with aws_error("BadRequestException", 400, "Invalid integration type specified: 'ftp'"):
        apigateway.put_rest_api(restApiId=api["id"], mode="overwrite",
                                body=body(replacement).replace(b'"mock"', b'"ftp"'))
    assert sorted(resources_by_path(apigateway, api["id"])) == ["/", "/pets"]
    with aws_error("NotFoundException", 404):
        apigateway.put_rest_api(restApiId="nope123456", body=body(replacement))


@pytest.mark.parametrize("export_type", ["oas30", "swagger"])
@pytest.mark.parametrize("accepts", ["application/json", "application/yaml"])
def test_an_export_imports_back_into_the_same_api(apigateway: Any, export_type: str, accepts: str) -> None:
    api = apigateway.import_rest_api(body=body(PETS))
    apigateway.create_deployment(restApiId=api["id"], stageName="dev")
    exported = apigateway.get_export(
        restApiId=api["id"], stageName="dev", exportType=export_type, accepts=accepts,
        parameters={"extensions": "integrations,authorizers"},
    )
    assert exported["contentType"].split(",")[0].strip() == accepts
    assert exported["contentDisposition"].startswith(f'attachment; filename="{export_type}_')
    document = exported["body"].read()
    if accepts == "application/json":
        parsed = json.loads(document)
        assert parsed.get("openapi", parsed.get("swagger")) == ("3.0.1" if export_type == "oas30" else "2.0")
    else:
        assert document.startswith(b"openapi: \"3.0.1\"\n" if export_type == "oas30" else b"swagger: \"2.0\"\n")

    copy_api = apigateway.import_rest_api(body=document)
    assert "warnings" not in copy_api
    assert (copy_api["name"], copy_api["binaryMediaTypes"]) == ("pets", ["image/png"])
    assert shape(apigateway, copy_api["id"]) == shape(apigateway, api["id"])


def test_an_export_names_the_stage_and_the_extensions_asked_for(apigateway: Any) -> None:
    api = apigateway.import_rest_api(body=body(PETS))
    apigateway.create_deployment(restApiId=api["id"], stageName="dev")
    plain = json.loads(apigateway.get_export(restApiId=api["id"], stageName="dev", exportType="oas30")["body"].read())
    assert plain["servers"] == [{
        "url": f"https://{api['id']}.execute-api.{REGION}.amazonaws.com/{{basePath}}",
        "variables": {"basePath": {"default": "/dev"}},
    }]
    assert "x-amazon-apigateway-integration" not in plain["paths"]["/pets"]["get"]
    assert "x-amazon-apigateway-authorizer" not in plain["components"]["securitySchemes"]["users"]
    assert plain["components"]["securitySchemes"]["users"]["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    swagger = json.loads(apigateway.get_export(restApiId=api["id"], stageName="dev", exportType="swagger",
                                               parameters={"extensions": "apigateway"})["body"].read())
    assert (swagger["host"], swagger["basePath"]) == (f"{api['id']}.execute-api.{REGION}.amazonaws.com", "/dev")
    assert swagger["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert swagger["securityDefinitions"]["tokens"]["x-amazon-apigateway-authorizer"]["type"] == "token"

    with aws_error("NotFoundException", 404, "Invalid stage identifier specified"):
        apigateway.get_export(restApiId=api["id"], stageName="prod", exportType="oas30")
    with aws_error("BadRequestException", 400, "Invalid export type specified"):
        apigateway.get_export(restApiId=api["id"], stageName="dev", exportType="raml")


def test_the_cli_imports_and_exports_files(moat: MoatServer, tmp_path: Path) -> None:
    source = tmp_path / "hello.yaml"
    source.write_text(HELLO_YAML)
    api = run_aws_cli(moat.endpoint, ROOT, "apigateway", "import-rest-api", "--body", f"fileb://{source}")
    assert api["name"] == "hello" and len(api["warnings"]) == 2
    run_aws_cli(moat.endpoint, ROOT, "apigateway", "create-deployment", "--rest-api-id", api["id"], "--stage-name", "dev")
    target = tmp_path / "export.json"
    run_aws_cli(moat.endpoint, ROOT, "apigateway", "get-export", "--rest-api-id", api["id"], "--stage-name", "dev",
                "--export-type", "swagger", "--parameters", "extensions=apigateway", str(target))
    exported = json.loads(target.read_text())
    assert exported["basePath"] == "/dev" and sorted(exported["paths"]) == ["/hello/{name}"]
    again = run_aws_cli(moat.endpoint, ROOT, "apigateway", "put-rest-api", "--rest-api-id", api["id"], "--mode", "overwrite",
                        "--body", f"fileb://{target}")
    assert again["name"] == "hello" and "warnings" not in again
