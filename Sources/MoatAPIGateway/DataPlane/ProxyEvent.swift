package import Foundation
package import MoatCore

/// A request to a deployed stage, as the data plane received it: what the proxy event is built from.
package struct IncomingRequest: Sendable {
    /// The verb as sent (`GET`).
    package var httpMethod: String
    /// The path below the stage, still percent-encoded, without the query (`/pets/42`; empty or `/` for the root).
    package var path: String
    /// Headers in the order received, names as sent.
    package var headers: [(name: String, value: String)]
    /// Query parameters in the order received, already decoded.
    package var query: [(name: String, value: String)]
    package var body: [UInt8]
    package var sourceIp: String
    /// The request id (`requestContext.requestId`, `x-amzn-RequestId`).
    package var requestId: String
    /// `requestContext.extendedRequestId` (`x-amz-apigw-id`).
    package var extendedRequestId: String
    package var time: Date
    /// The host the request named, `abc123defg.execute-api.us-east-1.amazonaws.com`.
    package var domainName: String
    package var protocolVersion: String
    /// The path as the client sent it, from the URL's start (`/restapis/…/_user_request_/pets` or `/dev/pets`),
    /// still percent-encoded: what a SigV4 signature of an `AWS_IAM` method covers.
    package var rawPath: String
    /// The query as the client sent it, still encoded (empty without one).
    package var rawQuery: String

    package init(
        httpMethod: String,
        path: String,
        headers: [(name: String, value: String)] = [],
        query: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        sourceIp: String,
        requestId: String,
        extendedRequestId: String,
        time: Date,
        domainName: String,
        protocolVersion: String = "HTTP/1.1",
        rawPath: String? = nil,
        rawQuery: String = ""
    ) {
        self.rawPath = rawPath ?? path
        self.rawQuery = rawQuery
        self.httpMethod = httpMethod
        self.path = path
        self.headers = headers
        self.query = query
        self.body = body
        self.sourceIp = sourceIp
        self.requestId = requestId
        self.extendedRequestId = extendedRequestId
        self.time = time
        self.domainName = domainName
        self.protocolVersion = protocolVersion
    }

    /// The last value of a header, its name compared case-insensitively.
    package func header(_ name: String) -> String? {
        headers.last { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}

/// What the method's authorizer established, for `requestContext.authorizer`.
package enum AuthorizerOutput: Sendable, Equatable {
    /// `NONE` or `AWS_IAM`: the event has no `authorizer` member.
    case none
    /// A `COGNITO_USER_POOLS` authorizer: the verified token's payload (a JSON object).
    case cognitoUserPools(claims: JSONValue)
    /// A `TOKEN` or `REQUEST` Lambda authorizer: its `principalId`, its `context` object (string, number and
    /// boolean values) and how long it took in milliseconds.
    case lambda(principalId: String, context: JSONValue?, integrationLatency: Int)
    /// An `AWS_IAM` method: who signed (`requestContext.identity`; the event has no `authorizer` member).
    case iam(Principal)
}

/// The event API Gateway sends an `AWS_PROXY` Lambda integration of a REST API (payload format 1.0).
///
/// Member order and nulls follow events API Gateway sends: `headers`, `multiValueHeaders`, the query maps,
/// `pathParameters` and `stageVariables` are null when empty; `body` is null without a body.
package enum ProxyEvent {
    /// Builds the event.
    /// - Parameters:
    ///   - request: the incoming request.
    ///   - route: the resource and method the router chose, with the path parameters.
    ///   - stage: the stage served (its API id, name and variables).
    ///   - accountId: the account that owns the API.
    ///   - binaryMediaTypes: the API's `binaryMediaTypes`: a body whose `Content-Type` matches one is sent base64.
    ///   - authorizer: what the authorizer established.
    package static func build(
        request: IncomingRequest,
        route: MatchedRoute,
        stage: DeployedStage,
        accountId: String,
        binaryMediaTypes: BinaryMediaTypes = BinaryMediaTypes([]),
        authorizer: AuthorizerOutput = .none
    ) -> JSONValue {
        let path = request.path.isEmpty ? "/" : request.path
        let (headers, multiValueHeaders) = singleAndMultiValue(request.headers, caseInsensitive: true)
        let (query, multiValueQuery) = singleAndMultiValue(request.query, caseInsensitive: false)
        let pathParameters = route.orderedPathParameters
        let variables = stage.variables.sorted { $0.key < $1.key }

        var body = JSONValue.null
        var isBase64Encoded = false
        if !request.body.isEmpty {
            if binaryMediaTypes.matches(contentType: request.header("Content-Type")) {
                body = .string(Data(request.body).base64EncodedString())
                isBase64Encoded = true
            } else {
                body = .string(String(decoding: request.body, as: UTF8.self))
            }
        }

        var signer: Principal?
        if case .iam(let principal) = authorizer { signer = principal }
        var context: [(key: String, value: JSONValue)] = [("resourceId", .string(route.resourceId))]
        if let authorizer = authorizerValue(authorizer) { context.append(("authorizer", authorizer)) }
        let epochMilliseconds = Int64((request.time.timeIntervalSince1970 * 1000).rounded(.down))
        context += [
            ("resourcePath", .string(route.resourcePath)),
            ("httpMethod", .string(request.httpMethod)),
            ("extendedRequestId", .string(request.extendedRequestId)),
            ("requestTime", .string(requestTime(epochSeconds: epochMilliseconds / 1000))),
            ("path", .string("/" + stage.stageName + path)),
            ("accountId", .string(accountId)),
            ("protocol", .string(request.protocolVersion)),
            ("stage", .string(stage.stageName)),
            ("domainPrefix", .string(String(request.domainName.prefix { $0 != "." }))),
            ("requestTimeEpoch", .number(String(epochMilliseconds))),
            ("requestId", .string(request.requestId)),
            (
                "identity",
                .object([
                    ("cognitoIdentityPoolId", .null),
                    ("accountId", signer.map { .string($0.accountId) } ?? .null),
                    ("cognitoIdentityId", .null),
                    ("caller", signer.map { .string($0.userId) } ?? .null),
                    ("sourceIp", .string(request.sourceIp)),
                    ("principalOrgId", .null),
                    ("accessKey", signer.map { .string($0.accessKeyId) } ?? .null),
                    ("cognitoAuthenticationType", .null),
                    ("cognitoAuthenticationProvider", .null),
                    ("userArn", signer.map { .string($0.arn) } ?? .null),
                    ("userAgent", request.header("User-Agent").map(JSONValue.string) ?? .null),
                    ("user", signer.map { .string($0.userId) } ?? .null),
                ])
            ),
            ("domainName", .string(request.domainName)),
            ("apiId", .string(stage.restApiId)),
        ]

        return .object([
            ("resource", .string(route.resourcePath)),
            ("path", .string(path)),
            ("httpMethod", .string(request.httpMethod)),
            ("headers", stringMap(headers)),
            ("multiValueHeaders", listMap(multiValueHeaders)),
            ("queryStringParameters", stringMap(query)),
            ("multiValueQueryStringParameters", listMap(multiValueQuery)),
            ("pathParameters", stringMap(pathParameters.map { ($0.name, $0.value) })),
            ("stageVariables", stringMap(variables.map { ($0.key, $0.value) })),
            ("requestContext", .object(context)),
            ("body", body),
            ("isBase64Encoded", .bool(isBase64Encoded)),
        ])
    }

    /// The event as the bytes of the invocation's payload.
    package static func payload(_ event: JSONValue) -> [UInt8] {
        var text = ""
        JSONWriter.write(event, into: &text)
        return Array(text.utf8)
    }

    /// Groups pairs by name in order of first appearance: the last value of each, and all of them.
    static func singleAndMultiValue(
        _ pairs: [(name: String, value: String)],
        caseInsensitive: Bool
    ) -> (single: [(String, String)], multi: [(String, [String])]) {
        var names: [String] = []
        var values: [String: [String]] = [:]
        var spelling: [String: String] = [:]
        for (name, value) in pairs {
            let key = caseInsensitive ? name.lowercased() : name
            if values[key] == nil {
                names.append(key)
                spelling[key] = name
            }
            values[key, default: []].append(value)
        }
        let single = names.map { (spelling[$0]!, values[$0]!.last!) }
        let multi = names.map { (spelling[$0]!, values[$0]!) }
        return (single, multi)
    }

    private static func stringMap(_ pairs: [(String, String)]) -> JSONValue {
        pairs.isEmpty ? .null : .object(pairs.map { ($0.0, .string($0.1)) })
    }

    private static func listMap(_ pairs: [(String, [String])]) -> JSONValue {
        pairs.isEmpty ? .null : .object(pairs.map { ($0.0, .array($0.1.map(JSONValue.string))) })
    }

    private static func authorizerValue(_ authorizer: AuthorizerOutput) -> JSONValue? {
        switch authorizer {
        case .none, .iam:
            return nil
        case .cognitoUserPools(let claims):
            let members = (claims.members ?? []).compactMap { member -> (key: String, value: JSONValue)? in
                claimString(name: member.key, value: member.value).map { (member.key, .string($0)) }
            }
            return .object([("claims", .object(members))])
        case .lambda(let principalId, let context, let integrationLatency):
            var members: [(key: String, value: JSONValue)] = []
            for (key, value) in context?.members ?? [] where key != "principalId" && key != "integrationLatency" {
                if let text = scalarString(value) { members.append((key, .string(text))) }
            }
            members.append(("principalId", .string(principalId)))
            members.append(("integrationLatency", .number(String(integrationLatency))))
            return .object(members)
        }
    }

    /// A token claim as a Cognito authorizer of a REST API passes it on: every value a string. Numbers keep their
    /// spelling, except `exp` and `iat`, which become dates (`Fri Jul 29 18:52:53 UTC 2016`); booleans are
    /// `true`/`false`; an array is its elements joined with `,` (`cognito:groups` `["a","b"]` is `a,b`); an object
    /// is its JSON text; a null claim is left out.
    static func claimString(name: String, value: JSONValue) -> String? {
        switch value {
        case .null:
            return nil
        case .number(let text) where name == "exp" || name == "iat":
            guard let seconds = Int64(text) ?? Double(text).flatMap({ Int64(exactly: $0.rounded(.down)) }) else { return text }
            return claimDate(epochSeconds: seconds)
        case .array(let items):
            return items.compactMap { scalarString($0) ?? jsonText($0) }.joined(separator: ",")
        case .object:
            return jsonText(value)
        default:
            return scalarString(value)
        }
    }

    private static func scalarString(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    private static func jsonText(_ value: JSONValue) -> String? {
        if case .null = value { return nil }
        var text = ""
        JSONWriter.write(value, into: &text)
        return text
    }

    /// `requestContext.requestTime`: `10/Mar/2020:00:03:59 +0000`.
    static func requestTime(epochSeconds: Int64) -> String {
        let (days, second) = CivilDate.split(epochSeconds: epochSeconds)
        let (year, month, day) = CivilDate.civil(fromDays: days)
        return CivilDate.pad(day, 2) + "/" + CivilDate.monthAbbreviation(month) + "/" + CivilDate.pad(year, 4) + ":"
            + CivilDate.timeOfDay(second) + " +0000"
    }

    /// A date claim as Java's `Date.toString()` in UTC writes it: `Fri Jul 29 18:52:53 UTC 2016`.
    static func claimDate(epochSeconds: Int64) -> String {
        let (days, second) = CivilDate.split(epochSeconds: epochSeconds)
        let (year, month, day) = CivilDate.civil(fromDays: days)
        return CivilDate.weekdayAbbreviation(days: days) + " " + CivilDate.monthAbbreviation(month) + " " + CivilDate.pad(day, 2) + " "
            + CivilDate.timeOfDay(second) + " UTC " + String(year)
    }
}
