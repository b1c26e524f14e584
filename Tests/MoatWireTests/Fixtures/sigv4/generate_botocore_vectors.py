#!/usr/bin/env python3
"""Regenerates botocore-vectors.json: requests signed by botocore, the signer boto3 and the AWS CLI use.

Run with the pinned botocore installed:  python3 generate_botocore_vectors.py > botocore-vectors.json

Each vector is a request exactly as it reaches the server (method, raw path, raw query, headers, body) plus the
credentials, scope and instant it was signed at. The Swift tests verify every vector and check that tampering fails.
"""

import datetime
import json
import sys
from urllib.parse import urlsplit

import boto3
import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials
from botocore.config import Config

SIGNED_AT = datetime.datetime(2026, 1, 1, 12, 0, 0)
SIGNED_AT_TEXT = SIGNED_AT.strftime('%Y%m%dT%H%M%SZ')
ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE'
SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
TEMP_ACCESS_KEY = 'ASIAIOSFODNN7EXAMPLE'
TEMP_SECRET_KEY = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'
SESSION_TOKEN = 'FQoGZXIvYXdzEXAMPLEtokenWithSymbols/+=='
ENDPOINT = 'http://localhost:4566'

botocore.auth.get_current_datetime = lambda: SIGNED_AT


class Captured(Exception):
    def __init__(self, request):
        super().__init__('captured')
        self.request = request


def host_header(url):
    return botocore.auth._host_from_url(url)


def as_vector(name, form, service, region, method, url, headers, body, token, secret, access_key):
    parts = urlsplit(url)
    header_list = [[k, v if isinstance(v, str) else v.decode('utf-8')] for k, v in headers.items()]
    # Headers botocore adds after signing vary per run; pin them so the file only changes with botocore.
    pinned = {'user-agent': 'Boto3/%s Botocore/%s' % (boto3.__version__, botocore.__version__),
              'amz-sdk-invocation-id': '00000000-0000-4000-8000-000000000000'}
    header_list = [[k, pinned.get(k.lower(), v)] for k, v in header_list]
    if not any(k.lower() == 'host' for k, _ in header_list):
        header_list.insert(0, ['Host', host_header(url)])
    if body is None:
        body = b''
    if isinstance(body, str):
        body = body.encode('utf-8')
    vector = {
        'name': name,
        'form': form,
        'service': service,
        'region': region,
        'accessKeyId': access_key,
        'secretAccessKey': secret,
        'signedAt': SIGNED_AT_TEXT,
        'method': method,
        'path': parts.path or '/',
        'query': parts.query,
        'headers': header_list,
        'body': body.decode('utf-8'),
    }
    if token is not None:
        vector['sessionToken'] = token
    return vector


def client(service, region='us-east-1', temporary=False, **config):
    kwargs = dict(
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id=TEMP_ACCESS_KEY if temporary else ACCESS_KEY,
        aws_secret_access_key=TEMP_SECRET_KEY if temporary else SECRET_KEY,
        config=Config(retries={'max_attempts': 0}, **config),
    )
    if temporary:
        kwargs['aws_session_token'] = SESSION_TOKEN
    c = boto3.client(service, **kwargs)

    def capture(request, **_):
        raise Captured(request)

    c.meta.events.register('before-send', capture)
    return c


def sent(name, service, operation, params, region='us-east-1', temporary=False, signing_name=None):
    c = client(service, region, temporary)
    try:
        getattr(c, operation)(**params)
    except Captured as captured:
        r = captured.request
        return as_vector(
            name, 'header', signing_name or c.meta.service_model.signing_name, region, r.method, r.url,
            r.headers, r.body, SESSION_TOKEN if temporary else None,
            TEMP_SECRET_KEY if temporary else SECRET_KEY, TEMP_ACCESS_KEY if temporary else ACCESS_KEY,
        )
    raise RuntimeError('request was not sent')


def presigned(name, service, operation, params, expires, region='us-east-1', temporary=False):
    c = client(service, region, temporary)
    url = c.generate_presigned_url(operation, Params=params, ExpiresIn=expires)
    # botocore signs a presigned URL for the operation's own method: POST for query-protocol operations.
    method = c.meta.service_model.operation_model(c.meta.method_to_api_mapping[operation]).http['method']
    return as_vector(
        name, 'query', c.meta.service_model.signing_name, region, method, url, {}, b'',
        SESSION_TOKEN if temporary else None,
        TEMP_SECRET_KEY if temporary else SECRET_KEY, TEMP_ACCESS_KEY if temporary else ACCESS_KEY,
    )


def signed_directly(name, method, url, headers, body, service='execute-api', region='eu-west-1', context=None):
    request = AWSRequest(method=method, url=url, headers={}, data=body)
    # HTTPHeaders appends on assignment, so a name given twice is sent twice.
    for key, value in (headers.items() if isinstance(headers, dict) else headers):
        request.headers[key] = value
    if context:
        request.context.update(context)
    botocore.auth.SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), service, region).add_auth(request)
    return as_vector(name, 'header', service, region, method, request.url, request.headers, body, None,
                     SECRET_KEY, ACCESS_KEY)


def main():
    vectors = [
        sent('iam-list-users', 'iam', 'list_users', {'PathPrefix': '/division abc/', 'MaxItems': 10}),
        sent('iam-create-user-unicode', 'iam', 'create_user', {'UserName': 'Zoë+Ünïcødé', 'Path': '/a/'}),
        sent('sts-get-caller-identity-temporary', 'sts', 'get_caller_identity', {}, temporary=True),
        sent('sts-assume-role-eu-west-1', 'sts', 'assume_role',
             {'RoleArn': 'arn:aws:iam::111122223333:role/Demo', 'RoleSessionName': 's1'}, region='eu-west-1'),
        sent('cognito-idp-list-user-pools', 'cognito-idp', 'list_user_pools', {'MaxResults': 5}),
        sent('lambda-invoke-encoded-path', 'lambda', 'invoke',
             {'FunctionName': 'arn:aws:lambda:us-east-1:111122223333:function:my fn', 'Payload': b'{"k": "v w"}',
              'Qualifier': '$LATEST'}),
        sent('lambda-list-functions-query', 'lambda', 'list_functions', {'MaxItems': 3, 'Marker': 'a b/c+d=e'}),
        sent('apigateway-get-resources', 'apigateway', 'get_resources',
             {'restApiId': 'abc123', 'limit': 25, 'embed': ['methods']}),
        presigned('sts-presigned-get-caller-identity', 'sts', 'get_caller_identity', {}, 900),
        presigned('sts-presigned-temporary', 'sts', 'get_caller_identity', {}, 3600, temporary=True),
        presigned('iam-presigned-get-user', 'iam', 'get_user', {'UserName': 'Alice Smith'}, 604800),
        signed_directly('whitespace-and-repeated-headers', 'GET',
                        'http://localhost:4566/restapis/x/stage/_user_request_/a%20b/c?z=1&a=2&a=1&empty=&flag',
                        [('X-Custom', '  several   inner \t spaces  '), ('X-Repeated', 'one'), ('X-Repeated', 'two')],
                        b''),
        signed_directly('date-header-instead-of-x-amz-date', 'POST', 'http://localhost:4566/',
                        {'Date': 'placeholder', 'Content-Type': 'application/json'}, b'{"a":1}'),
        signed_directly('unsigned-payload', 'PUT', 'https://localhost:4566/upload',
                        {'Content-Type': 'application/octet-stream'}, b'large body not hashed',
                        context={'payload_signing_enabled': False}),
        signed_directly('dot-segments-and-double-slashes', 'GET', 'http://localhost:4566//a/./b/../c//d/',
                        {}, b''),
    ]
    json.dump({'generator': 'botocore ' + botocore.__version__, 'vectors': vectors}, sys.stdout, indent=2,
              ensure_ascii=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
