import MoatCore

/// The answers API Gateway gives itself, before or instead of an integration's: its default gateway responses,
/// byte for byte.
///
/// Each is JSON (`Content-Type: application/json`); most carry `x-amzn-ErrorType`. The caller adds
/// `x-amzn-RequestId`, and applies the API's customisation of the response's type (PutGatewayResponse), if any.
package enum GatewayResponse: Sendable, CaseIterable {
    /// No resource at the path, or no method for the verb (and an unsigned request to an `AWS_IAM` method).
    case missingAuthenticationToken
    /// An authorizer refused the token, or the token was missing or malformed.
    case unauthorized
    /// A Cognito user pool authorizer received an expired token. AWS answers it under the `UNAUTHORIZED` type with
    /// its own message (the `EXPIRED_TOKEN` type, 403, is for expired AWS credentials).
    case expiredToken
    /// A Lambda authorizer's policy denied the call explicitly.
    case explicitDeny
    /// The method's throttling bucket was empty.
    case throttled
    /// The function failed, or answered what is not a proxy response.
    case badIntegrationResponse
    /// A binary answer whose base64 could not be decoded, among configuration errors.
    case apiConfigurationError
    /// The integration did not answer within its timeout.
    case integrationTimeout
    /// The request body exceeded API Gateway's 10 MB payload limit.
    case requestTooLarge
    /// No such stage, or a method that requires an API key called without a valid one.
    case forbidden
    /// A Lambda authorizer's policy did not allow the call.
    case accessDenied
    /// A Lambda authorizer failed, or answered what is not an authorizer result.
    case authorizerConfigurationError
    /// No request template for the body's content type, and the passthrough behaviour forbids passing it on.
    case unsupportedMediaType
    /// A request to an `AWS_IAM` method whose signature does not verify: a wrong secret, a changed request, a time
    /// outside the allowed skew, another region or service in the scope. The body carries the verifier's message.
    case invalidSignature
    /// A request to an `AWS_IAM` method signed with an access key or session token IAM does not know.
    case invalidSecurityToken
    /// A request to an `AWS_IAM` method signed with temporary credentials that have expired.
    case expiredSecurityToken
    /// An `AWS_IAM` caller whose policies do not allow `execute-api:Invoke` on the method; the body's `Message` names
    /// the caller and the method's ARN.
    case iamAccessDenied

    /// The gateway response type it answers as (what PutGatewayResponse would customise). A malformed proxy
    /// answer is a 502 under `DEFAULT_5XX`: `INTEGRATION_FAILURE` defaults to 504.
    package var responseType: String {
        switch self {
        case .missingAuthenticationToken: "MISSING_AUTHENTICATION_TOKEN"
        case .unauthorized, .expiredToken: "UNAUTHORIZED"
        case .explicitDeny: "ACCESS_DENIED"
        case .throttled: "THROTTLED"
        case .badIntegrationResponse: "DEFAULT_5XX"
        case .apiConfigurationError: "API_CONFIGURATION_ERROR"
        case .integrationTimeout: "INTEGRATION_TIMEOUT"
        case .requestTooLarge: "REQUEST_TOO_LARGE"
        case .forbidden: "DEFAULT_4XX"
        case .accessDenied: "ACCESS_DENIED"
        case .authorizerConfigurationError: "AUTHORIZER_CONFIGURATION_ERROR"
        case .unsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE"
        case .invalidSignature, .invalidSecurityToken: "INVALID_SIGNATURE"
        case .expiredSecurityToken: "EXPIRED_TOKEN"
        case .iamAccessDenied: "ACCESS_DENIED"
        }
    }

    /// The HTTP status.
    package var status: Int {
        switch self {
        case .missingAuthenticationToken, .explicitDeny, .forbidden, .accessDenied, .invalidSignature, .invalidSecurityToken,
            .expiredSecurityToken, .iamAccessDenied:
            403
        case .unauthorized, .expiredToken: 401
        case .throttled: 429
        case .badIntegrationResponse: 502
        case .apiConfigurationError, .authorizerConfigurationError: 500
        case .unsupportedMediaType: 415
        case .integrationTimeout: 504
        case .requestTooLarge: 413
        }
    }

    /// The body, exactly as AWS writes it (mind the spacing of the 502, 500 and 504 bodies and the capital `M` of
    /// the explicit deny).
    package var body: String {
        switch self {
        case .missingAuthenticationToken: #"{"message":"Missing Authentication Token"}"#
        case .unauthorized: #"{"message":"Unauthorized"}"#
        case .expiredToken: #"{"message":"The incoming token has expired"}"#
        case .explicitDeny: #"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
        case .throttled: #"{"message":"Too Many Requests"}"#
        case .badIntegrationResponse, .apiConfigurationError: #"{"message": "Internal server error"}"#
        case .integrationTimeout: #"{"message": "Endpoint request timed out"}"#
        case .requestTooLarge: #"{"message":"Request Too Long"}"#
        case .forbidden: #"{"message":"Forbidden"}"#
        case .accessDenied: #"{"Message":"User is not authorized to access this resource"}"#
        case .authorizerConfigurationError: #"{"message": null}"#
        case .unsupportedMediaType: #"{"message": "Unsupported Media Type"}"#
        case .invalidSignature, .invalidSecurityToken, .expiredSecurityToken, .iamAccessDenied: Self.body(of: self, message: Self.message(of: self))
        }
    }

    /// The body of a response whose message depends on the request (a signature's failure, the caller refused),
    /// in the member AWS writes it under: `Message` for authorization refusals, `message` otherwise.
    package static func body(of response: GatewayResponse, message: String) -> String {
        var text = ""
        JSONWriter.write(.object([(response.capitalisesMessage ? "Message" : "message", .string(message))]), into: &text)
        return text
    }

    private var capitalisesMessage: Bool {
        switch self {
        case .explicitDeny, .accessDenied, .iamAccessDenied: true
        default: false
        }
    }

    /// The `x-amzn-ErrorType` header's value, where AWS sends one.
    package var errorType: String? {
        switch self {
        case .missingAuthenticationToken: "MissingAuthenticationTokenException"
        case .unauthorized, .expiredToken: "UnauthorizedException"
        case .explicitDeny, .accessDenied: "AccessDeniedException"
        case .forbidden: "ForbiddenException"
        case .authorizerConfigurationError: "AuthorizerConfigurationException"
        case .unsupportedMediaType: "UnsupportedMediaTypeException"
        case .invalidSignature: "InvalidSignatureException"
        case .invalidSecurityToken: "UnrecognizedClientException"
        case .expiredSecurityToken: "ExpiredTokenException"
        case .iamAccessDenied: "AccessDeniedException"
        case .badIntegrationResponse, .apiConfigurationError: "InternalServerErrorException"
        case .throttled, .integrationTimeout, .requestTooLarge: nil
        }
    }

    /// The headers to send, in order: `Content-Type`, then `x-amzn-ErrorType` where AWS sends it.
    package var headers: [(name: String, value: String)] {
        var headers = [(name: "Content-Type", value: "application/json")]
        if let errorType { headers.append((name: "x-amzn-ErrorType", value: errorType)) }
        return headers
    }

    /// The message the body carries (`$context.error.message`), `Unauthorized` of `{"message":"Unauthorized"}`.
    package static func message(of response: GatewayResponse) -> String {
        switch response {
        case .missingAuthenticationToken: "Missing Authentication Token"
        case .unauthorized: "Unauthorized"
        case .expiredToken: "The incoming token has expired"
        case .explicitDeny: "User is not authorized to access this resource with an explicit deny"
        case .accessDenied: "User is not authorized to access this resource"
        case .throttled: "Too Many Requests"
        case .badIntegrationResponse, .apiConfigurationError: "Internal server error"
        case .integrationTimeout: "Endpoint request timed out"
        case .requestTooLarge: "Request Too Long"
        case .forbidden: "Forbidden"
        case .authorizerConfigurationError: ""
        case .unsupportedMediaType: "Unsupported Media Type"
        case .invalidSignature:
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
                + "and signing method. Consult the service documentation for details."
        case .invalidSecurityToken: "The security token included in the request is invalid."
        case .expiredSecurityToken: "The security token included in the request is expired"
        case .iamAccessDenied: "User is not authorized to access this resource"
        }
    }

    /// The body's bytes.
    package var bodyBytes: [UInt8] { Array(body.utf8) }
}
