import Foundation
import MoatCore
import MoatPolicy
import Synchronization

/// What a `TOKEN` or `REQUEST` Lambda authorizer returned, checked as API Gateway checks it: a `principalId`, an IAM
/// policy, and an optional `context` of string, number and boolean values.
struct LambdaAuthorizerResult: Sendable {
    let principalId: String
    let policy: PolicyDocument
    let context: JSONValue?

    /// Reads the function's answer.
    /// - Returns: nil when it is not a valid authorizer answer (API Gateway answers 500 `AuthorizerConfigurationException`).
    static func parse(_ payload: [UInt8]) -> LambdaAuthorizerResult? {
        guard let document = try? JSONParser.parse(payload), document.members != nil,
            let principalId = scalarText(document["principalId"]),
            let policyValue = document["policyDocument"], policyValue.members != nil
        else { return nil }
        var policyText = ""
        JSONWriter.write(policyValue, into: &policyText)
        guard let policy = try? PolicyDocument.parse(policyText, kind: .identity) else { return nil }
        var context: JSONValue?
        switch document["context"] {
        case nil, .null?: context = nil
        case .object(let members)?:
            for (_, value) in members {
                switch value {
                case .string, .number, .bool: continue
                default: return nil
                }
            }
            context = .object(members)
        default: return nil
        }
        return LambdaAuthorizerResult(principalId: principalId, policy: policy, context: context)
    }

    private static func scalarText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number(let text)?: text
        case .bool(let flag)?: flag ? "true" : "false"
        default: nil
        }
    }

    /// Whether the policy lets the caller invoke the method: `execute-api:Invoke` on its ARN.
    func decision(methodArn: String, accountId: String, now: Date) -> AuthorizationDecision {
        PolicyEvaluator.evaluate(
            EvaluationInput(
                principal: PrincipalInfo(
                    kind: .user,
                    accountId: accountId,
                    arn: "arn:aws:iam::\(accountId):user/\(principalId)",
                    entityArn: "arn:aws:iam::\(accountId):user/\(principalId)",
                    userId: principalId
                ),
                action: "execute-api:Invoke",
                resource: methodArn,
                identityPolicies: [policy],
                resourceAccountId: accountId,
                now: now
            )
        )
    }
}

/// Lambda authorizers' answers by authorizer and identity, for each authorizer's `authorizerResultTtlInSeconds`.
///
/// As on API Gateway, the cached policy is evaluated again for every request, against that request's method ARN:
/// a policy that allows only the first method called refuses the others until it expires.
final class AuthorizerResultCache: Sendable {
    private struct Entry {
        let result: LambdaAuthorizerResult
        let expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = max(capacity, 1) }

    static func key(authorizerId: String, identity: String) -> String { authorizerId + "\u{0}" + identity }

    func get(_ key: String, now: ContinuousClock.Instant) -> LambdaAuthorizerResult? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard now < entry.expires else {
                entries.removeValue(forKey: key)
                return nil
            }
            return entry.result
        }
    }

    func put(_ key: String, _ result: LambdaAuthorizerResult, ttl: Duration, now: ContinuousClock.Instant) {
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= capacity {
                entries = entries.filter { now < $0.value.expires }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = Entry(result: result, expires: now + ttl)
        }
    }
}

/// Where an authorizer reads the caller's identity: `method.request.header.Authorization`,
/// `method.request.querystring.token`, `stageVariables.name` or `context.name`, comma-separated for `REQUEST`
/// authorizers.
enum IdentitySource {
    /// The values of every source, in order; nil when one of them is missing or empty (API Gateway then answers 401
    /// without invoking the authorizer).
    static func values(
        _ sources: String?,
        request: IncomingRequest,
        stageVariables: [String: String],
        context: (String) -> String?
    ) -> [String]? {
        guard let sources, !sources.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        var values: [String] = []
        for source in sources.split(separator: ",") {
            let source = source.trimmingCharacters(in: .whitespaces)
            let value: String?
            if let name = source.dropPrefix("method.request.header.") {
                value = request.header(name)
            } else if let name = source.dropPrefix("method.request.querystring.") {
                value = request.query.last { $0.name == name }?.value
            } else if let name = source.dropPrefix("stageVariables.") {
                value = stageVariables[name]
            } else if let name = source.dropPrefix("context.") {
                value = context(name)
            } else {
                value = nil
            }
            guard let value, !value.isEmpty else { return nil }
            values.append(value)
        }
        return values
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it.
    func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
