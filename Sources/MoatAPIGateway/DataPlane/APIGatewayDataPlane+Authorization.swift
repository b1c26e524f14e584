import Foundation
import MoatCore

extension APIGatewayDataPlane {
    /// Runs the method's authorizer and says what it established, or refuses the request with API Gateway's answer.
    func authorize(
        _ request: IncomingRequest,
        route: MatchedRoute,
        compiled: CompiledStage,
        note: inout AccessLogNote
    ) async throws -> AuthorizerOutput {
        switch route.method.authorizationType ?? "NONE" {
        case "NONE":
            return .none
        case "COGNITO_USER_POOLS":
            guard let id = route.method.authorizerId, let authorizer = compiled.authorizers[id] else {
                throw Refusal(.apiConfigurationError, detail: "the method's authorizer is not in the deployment")
            }
            return try await userPoolAuthorizer(authorizer, request: request, scopes: route.method.authorizationScopes ?? [])
        case "CUSTOM":
            guard let id = route.method.authorizerId, let authorizer = compiled.authorizers[id] else {
                throw Refusal(.apiConfigurationError, detail: "the method's authorizer is not in the deployment")
            }
            let result = try await lambdaAuthorizer(authorizer, request: request, route: route, compiled: compiled, note: &note)
            note.principalId = result.principalId
            return .lambda(principalId: result.principalId, context: result.context, integrationLatency: note.authorizerLatency ?? 0)
        case "AWS_IAM":
            return try await iamAuthorization(request, stage: compiled.stage)
        default:
            throw Refusal(.apiConfigurationError, detail: "authorization type \(route.method.authorizationType ?? "none") is not served")
        }
    }

    /// An `AWS_IAM` method: the request's SigV4 signature (signing name `execute-api`), then the signer's IAM
    /// policies, which must allow `execute-api:Invoke` on the method's ARN.
    private func iamAuthorization(_ request: IncomingRequest, stage: DeployedStage) async throws -> AuthorizerOutput {
        let principal: Principal
        switch await backends.callers.authenticate(request) {
        case .signed(let signer): principal = signer
        case .unsigned: throw Refusal(.missingAuthenticationToken)
        case .invalidSignature(let message): throw Refusal(.invalidSignature, message: message)
        case .invalidSecurityToken: throw Refusal(.invalidSecurityToken)
        case .expiredSecurityToken: throw Refusal(.expiredSecurityToken)
        case .unavailable(let reason): throw Refusal(.apiConfigurationError, detail: "credentials: \(reason)")
        }
        let methodArn = executeAPIArn(stage, verb: request.httpMethod, path: request.path)
        var keys: [String: [String]] = [
            "aws:SourceIp": [request.sourceIp],
            "aws:CurrentTime": [CivilDate.iso8601(epochSeconds: Int64(request.time.timeIntervalSince1970))],
            "aws:EpochTime": [String(Int64(request.time.timeIntervalSince1970))],
            "aws:SecureTransport": ["false"],
        ]
        if let agent = request.header("User-Agent") { keys["aws:UserAgent"] = [agent] }
        let decision = try await backends.callers.authorize(
            AuthorizationRequest(principal: principal, action: "execute-api:Invoke", resource: methodArn, context: keys, now: request.time)
        )
        let refusal = "User: \(principal.arn) is not authorized to perform: execute-api:Invoke on resource: \(methodArn)"
        switch decision {
        case .allow: return .iam(principal)
        case .explicitDeny: throw Refusal(.iamAccessDenied, message: refusal + " with an explicit deny")
        case .implicitDeny: throw Refusal(.iamAccessDenied, message: refusal)
        }
    }

    /// A `COGNITO_USER_POOLS` authorizer: the token in the identity source (`Authorization` unless configured),
    /// verified against the authorizer's pools.
    private func userPoolAuthorizer(_ authorizer: APIGateway.Authorizer, request: IncomingRequest, scopes: [String]) async throws
        -> AuthorizerOutput
    {
        let header = authorizer.identitySource?.dropPrefix("method.request.header.") ?? "Authorization"
        guard var token = request.header(header)?.trimmingASCIIWhitespace(), !token.isEmpty else {
            throw Refusal(.unauthorized)
        }
        if token.hasPrefixIgnoringASCIICase("bearer "), token.utf8.count > 7 { token = token.dropFirst(7) }
        switch await backends.userPools.verify(token: String(token), userPoolArns: authorizer.providerARNs ?? [], scopes: scopes, now: request.time) {
        case .verified(let claims): return .cognitoUserPools(claims: claims)
        case .expired: throw Refusal(.expiredToken)
        case .unauthorized: throw Refusal(.unauthorized)
        }
    }

    /// A `TOKEN` or `REQUEST` Lambda authorizer: its answer for this identity (cached for the authorizer's TTL),
    /// whose policy must allow `execute-api:Invoke` on the request's method ARN.
    private func lambdaAuthorizer(
        _ authorizer: APIGateway.Authorizer,
        request: IncomingRequest,
        route: MatchedRoute,
        compiled: CompiledStage,
        note: inout AccessLogNote
    ) async throws -> LambdaAuthorizerResult {
        let stage = compiled.stage
        let methodArn = executeAPIArn(stage, verb: request.httpMethod, path: request.path)
        let isToken = authorizer.type != .request
        let exchange = Exchange(request: request, compiled: compiled, route: route, authorizer: .none, accountId: accountId)
        let identitySource = isToken ? (authorizer.identitySource ?? "method.request.header.Authorization") : authorizer.identitySource
        guard
            let identity = IdentitySource.values(identitySource, request: request, stageVariables: stage.variables, context: { name in
                exchange.requestParameter("context." + name)
            })
        else { throw Refusal(.unauthorized) }
        if isToken, let expression = authorizer.identityValidationExpression, !expression.isEmpty {
            guard let token = identity.first, patterns.fullMatch(expression, token) else { throw Refusal(.unauthorized) }
        }
        let ttl = authorizer.authorizerResultTtlInSeconds ?? 300
        let cacheKey = ttl > 0 && !identity.isEmpty
            ? AuthorizerResultCache.key(authorizerId: authorizer.id ?? "", identity: identity.joined(separator: "\u{1}")) : nil
        let result: LambdaAuthorizerResult
        if let cacheKey, let cached = authorizerResults.get(cacheKey, now: .now) {
            result = cached
        } else {
            guard let functionArn = LambdaURI.functionArn(authorizer.authorizerUri.map(exchange.substitutingStageVariables)) else {
                throw Refusal(.authorizerConfigurationError, detail: "the authorizer's URI names no Lambda function")
            }
            var event: [(key: String, value: JSONValue)] = [("type", .string(isToken ? "TOKEN" : "REQUEST"))]
            if isToken {
                event += [("authorizationToken", .string(identity.first ?? "")), ("methodArn", .string(methodArn))]
            } else {
                event.append(("methodArn", .string(methodArn)))
                for (key, value) in exchange.proxyEvent().members ?? [] where key != "body" && key != "isBase64Encoded" { event.append((key, value)) }
            }
            let started = ContinuousClock.now
            let sourceArn = "arn:aws:execute-api:\(region):\(accountId):\(stage.restApiId)/authorizers/\(authorizer.id ?? "")"
            let answer = try await invoke(functionArn, sourceArn: sourceArn, payload: ProxyEvent.payload(.object(event)),
                requestId: request.requestId, timeout: settings.integrationTimeout, failure: .authorizerConfigurationError)
            note.authorizerLatency = Self.milliseconds(ContinuousClock.now - started)
            if answer.functionError != nil {
                let message = (try? JSONParser.parse(answer.payload))?["errorMessage"]
                if message == .string("Unauthorized") { throw Refusal(.unauthorized) }
                throw Refusal(.authorizerConfigurationError, detail: "the authorizer function failed")
            }
            guard let parsed = LambdaAuthorizerResult.parse(answer.payload) else {
                throw Refusal(.authorizerConfigurationError, detail: "the authorizer's answer is not a policy document")
            }
            result = parsed
            if let cacheKey { authorizerResults.put(cacheKey, parsed, ttl: .seconds(ttl), now: .now) }
        }
        switch result.decision(methodArn: methodArn, accountId: accountId, now: request.time) {
        case .allow: return result
        case .explicitDeny: throw Refusal(.explicitDeny)
        case .implicitDeny: throw Refusal(.accessDenied)
        }
    }
}
