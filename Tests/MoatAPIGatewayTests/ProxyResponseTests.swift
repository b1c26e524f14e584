import Testing

@testable import MoatAPIGateway

/// Reading a proxy function's answer, and the gateway's own answers.
@Suite("API Gateway data plane: proxy response and gateway responses")
struct ProxyResponseTests {
    static func parse(_ text: String, functionError: String? = nil, decodesBase64: Bool = true) throws(ProxyResponseError) -> ProxyResponse
    {
        try ProxyResponse.parse(Array(text.utf8), functionError: functionError, decodesBase64: decodesBase64)
    }

    static func headers(_ response: ProxyResponse) -> [String] { response.headers.map { "\($0.name): \($0.value)" } }

    @Test("A full answer")
    func full() throws {
        let response = try Self.parse(
            #"{"statusCode":201,"headers":{"Content-Type":"text/plain","X-One":"1"},"#
                + #""multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"created","isBase64Encoded":false}"#
        )
        #expect(response.statusCode == 201)
        #expect(Self.headers(response) == ["Content-Type: text/plain", "X-One: 1", "Set-Cookie: a=1", "Set-Cookie: b=2"])
        #expect(response.body == Array("created".utf8))
        #expect(!response.isBase64Encoded)
    }

    @Test("Every member is optional: `{}` is an empty 200")
    func empty() throws {
        let response = try Self.parse("{}")
        #expect(response.statusCode == 200)
        #expect(response.headers.isEmpty)
        #expect(response.body.isEmpty)
        let nulls = try Self.parse(#"{"statusCode":null,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}"#)
        #expect(nulls.statusCode == 200)
        #expect(nulls.body.isEmpty)
    }

    @Test(
        "Status codes as numbers or strings of digits",
        arguments: [
            (#"200"#, 200), (#"404"#, 404), (#""302""#, 302), (#"599"#, 599), (#"100"#, 100),
        ])
    func statuses(spelled: String, code: Int) throws {
        #expect(try Self.parse(#"{"statusCode":\#(spelled)}"#).statusCode == code)
    }

    @Test("headers and multiValueHeaders merge; a pair in both appears once")
    func merge() throws {
        let response = try Self.parse(
            #"{"headers":{"A":"1","b":"x","C":"same","D":true},"#
                + #""multiValueHeaders":{"a":["2","3"],"c":["same","other"],"E":[false,"y"],"F":"single"}}"#
        )
        #expect(
            Self.headers(response) == [
                "A: 1", "A: 2", "A: 3", "b: x", "C: same", "C: other", "D: true", "E: false", "E: y", "F: single",
            ]
        )
    }

    @Test("A base64 body is decoded, or passed on when the caller says so")
    func base64() throws {
        let decoded = try Self.parse(#"{"body":"iVBORwD/","isBase64Encoded":true}"#)
        #expect(decoded.body == [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF])
        #expect(decoded.isBase64Encoded)
        let kept = try Self.parse(#"{"body":"iVBORwD/","isBase64Encoded":true}"#, decodesBase64: false)
        #expect(kept.body == Array("iVBORwD/".utf8))
        #expect(try Self.parse(#"{"isBase64Encoded":true}"#).body.isEmpty)
    }

    @Test("A base64 body that does not decode is a configuration error (500)")
    func badBase64() {
        #expect(throws: ProxyResponseError.invalidBase64) { try Self.parse(#"{"body":"not base64!","isBase64Encoded":true}"#) }
        do {
            _ = try Self.parse(#"{"body":"%%%","isBase64Encoded":true}"#)
            Issue.record("expected a failure")
        } catch {
            #expect(error.gatewayResponse == .apiConfigurationError)
            #expect(error.gatewayResponse.status == 500)
        }
    }

    static let malformed: [String] = [
        "", "null", "[]", #""text""#, "42", "true", "{", #"{"statusCode":200"#, "not json",
        #"{"statusCode":200,"extra":1}"#,
        #"{"cookies":["a=1"]}"#,
        #"{"StatusCode":200}"#,
        #"{"statusCode":"OK"}"#,
        #"{"statusCode":"20"}"#,
        #"{"statusCode":" 200"}"#,
        #"{"statusCode":200.5}"#,
        #"{"statusCode":-200}"#,
        #"{"statusCode":99}"#,
        #"{"statusCode":600}"#,
        #"{"statusCode":1e2}"#,
        #"{"statusCode":true}"#,
        #"{"statusCode":[200]}"#,
        #"{"body":{"message":"hi"}}"#,
        #"{"body":42}"#,
        #"{"body":["a"]}"#,
        #"{"body":true}"#,
        #"{"headers":[]}"#,
        #"{"headers":"x"}"#,
        #"{"headers":{"X":1}}"#,
        #"{"headers":{"X":null}}"#,
        #"{"headers":{"X":["a"]}}"#,
        #"{"multiValueHeaders":{"X":[1]}}"#,
        #"{"multiValueHeaders":{"X":[["a"]]}}"#,
        #"{"multiValueHeaders":[]}"#,
        #"{"isBase64Encoded":"true"}"#,
        #"{"isBase64Encoded":1}"#,
        #"{"errorMessage":"boom","errorType":"Error"}"#,
    ]

    @Test("Malformed answers are 502 Internal server error", arguments: malformed)
    func malformedAnswers(text: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error == .malformed(""))
            #expect(error.gatewayResponse == .badIntegrationResponse)
            #expect(error.description.hasPrefix("Malformed Lambda proxy response"))
        }
    }

    @Test("A function error is a 502 whatever the payload")
    func functionError() {
        #expect(throws: ProxyResponseError.functionError("")) {
            try Self.parse(#"{"statusCode":200,"body":"fine"}"#, functionError: "Unhandled")
        }
        do {
            _ = try Self.parse(#"{"errorMessage":"boom"}"#, functionError: "Handled")
        } catch {
            #expect(error.gatewayResponse == .badIntegrationResponse)
            #expect(error.description == "The function failed (Handled)")
        }
    }

    @Test("Gateway responses, byte for byte")
    func gatewayResponses() {
        let expected: [(GatewayResponse, Int, String, String?, String)] = [
            (
                .missingAuthenticationToken, 403, #"{"message":"Missing Authentication Token"}"#, "MissingAuthenticationTokenException",
                "MISSING_AUTHENTICATION_TOKEN"
            ),
            (.unauthorized, 401, #"{"message":"Unauthorized"}"#, "UnauthorizedException", "UNAUTHORIZED"),
            (.expiredToken, 401, #"{"message":"The incoming token has expired"}"#, "UnauthorizedException", "UNAUTHORIZED"),
            (
                .explicitDeny, 403, #"{"Message":"User is not authorized to access this resource with an explicit deny"}"#,
                "AccessDeniedException", "ACCESS_DENIED"
            ),
            (.throttled, 429, #"{"message":"Too Many Requests"}"#, nil, "THROTTLED"),
            (.badIntegrationResponse, 502, #"{"message": "Internal server error"}"#, "InternalServerErrorException", "DEFAULT_5XX"),
            (
                .apiConfigurationError, 500, #"{"message": "Internal server error"}"#, "InternalServerErrorException",
                "API_CONFIGURATION_ERROR"
            ),
            (.integrationTimeout, 504, #"{"message": "Endpoint request timed out"}"#, nil, "INTEGRATION_TIMEOUT"),
            (.requestTooLarge, 413, #"{"message":"Request Too Long"}"#, nil, "REQUEST_TOO_LARGE"),
            (.forbidden, 403, #"{"message":"Forbidden"}"#, "ForbiddenException", "DEFAULT_4XX"),
            (
                .accessDenied, 403, #"{"Message":"User is not authorized to access this resource"}"#, "AccessDeniedException",
                "ACCESS_DENIED"
            ),
            (
                .authorizerConfigurationError, 500, #"{"message": null}"#, "AuthorizerConfigurationException",
                "AUTHORIZER_CONFIGURATION_ERROR"
            ),
            (.unsupportedMediaType, 415, #"{"message": "Unsupported Media Type"}"#, "UnsupportedMediaTypeException", "UNSUPPORTED_MEDIA_TYPE"),
            (
                .invalidSignature, 403,
                #"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#,
                "InvalidSignatureException", "INVALID_SIGNATURE"
            ),
            (
                .invalidSecurityToken, 403, #"{"message":"The security token included in the request is invalid."}"#, "UnrecognizedClientException",
                "INVALID_SIGNATURE"
            ),
            (
                .expiredSecurityToken, 403, #"{"message":"The security token included in the request is expired"}"#, "ExpiredTokenException",
                "EXPIRED_TOKEN"
            ),
            (.iamAccessDenied, 403, #"{"Message":"User is not authorized to access this resource"}"#, "AccessDeniedException", "ACCESS_DENIED"),
        ]
        #expect(expected.count == GatewayResponse.allCases.count)
        for (response, status, body, errorType, type) in expected {
            #expect(response.status == status)
            #expect(response.body == body)
            #expect(response.bodyBytes == Array(body.utf8))
            #expect(response.errorType == errorType)
            #expect(response.responseType == type)
            let headers = response.headers.map { "\($0.name): \($0.value)" }
            #expect(headers == ["Content-Type: application/json"] + (errorType.map { ["x-amzn-ErrorType: \($0)"] } ?? []))
        }
    }
}
