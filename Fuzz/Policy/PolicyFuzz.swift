import Foundation
import MoatCore
import MoatPolicy

/// IAM policies: one input is a policy document's text.
///
/// The text is parsed as every kind of policy, with and without the version requirement, and written back from its
/// JSON value and parsed again. An identity policy that parses is evaluated for a handful of requests, built partly
/// from the document's own strings so that patterns, variables and conditions meet values they can match; a
/// resource policy that parses is evaluated as a resource's own policy.
///
/// Invariants: no trap; the parser's answer depends only on the JSON value, not on its spelling; and these hold
/// between evaluations of an identity policy P: P as its own permissions boundary, or as the session policy of a role
/// session, changes nothing; P next to an allow-all policy allows unless P denies; P next to a deny-all policy denies.
struct PolicyFuzz: Sendable {
    static let shared = PolicyFuzz()

    static let accountId = "123456789012"
    static let now = Date(timeIntervalSince1970: 1_767_225_600)
    static let allowAll = policy(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
    static let denyAll = policy(#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#)
    static let kinds: [PolicyKind] = [.identity, .resource, .trust, .session]

    private static func policy(_ text: String) -> PolicyDocument {
        do {
            return try PolicyDocument.parse(text)
        } catch {
            fatalError("harness policy refused: \(error)")
        }
    }

    func run(_ bytes: [UInt8]) {
        let text = FuzzDriver.text(bytes)
        var parsed: [PolicyKind: PolicyDocument] = [:]
        for kind in Self.kinds {
            let result = Self.parse(text, kind: kind)
            if case .success(let document) = result { parsed[kind] = document }
            if case .success(let current) = Self.parse(text, kind: kind, requiresCurrentVersion: true) {
                FuzzDriver.require(result == .success(current), "the version requirement changes a \(kind) document")
            }
            if let value = try? JSONParser.parse(Array(text.utf8), maximumDepth: 32, rejectsDuplicateKeys: true) {
                var written = ""
                JSONWriter.write(value, into: &written)
                FuzzDriver.require(
                    Self.parse(written, kind: kind) == result,
                    "a \(kind) document parses differently once rewritten: \(written)"
                )
            }
        }

        let strings = Self.strings(in: bytes)
        if let identity = parsed[.identity] {
            for request in Self.requests(strings) { checkIdentity(identity, request) }
        }
        if let resource = parsed[.resource] {
            for request in Self.requests(strings) {
                for principal in [Self.user, Self.role, .root(accountId: Self.accountId), .service("lambda.amazonaws.com")] {
                    var input = request
                    input.principal = principal
                    input.identityPolicies = [Self.allowAll]
                    input.resourcePolicy = resource
                    _ = PolicyEvaluator.evaluate(input)
                    input.resourceAccountId = "210987654321"
                    _ = PolicyEvaluator.evaluate(input)
                }
            }
        }
        if let trust = parsed[.trust], let request = Self.requests(strings).first {
            var input = request
            input.principal = .identityProvider("cognito-identity.amazonaws.com")
            input.action = "sts:AssumeRoleWithWebIdentity"
            input.resourcePolicy = trust
            _ = PolicyEvaluator.evaluate(input)
        }
    }

    private func checkIdentity(_ policy: PolicyDocument, _ request: EvaluationInput) {
        var alone = request
        alone.identityPolicies = [policy]
        let decision = PolicyEvaluator.evaluate(alone)

        var bounded = alone
        bounded.permissionsBoundary = policy
        FuzzDriver.require(PolicyEvaluator.evaluate(bounded) == decision, "P as its own boundary changes \(decision)")

        var allowed = alone
        allowed.identityPolicies = [policy, Self.allowAll]
        let expected: AuthorizationDecision = if case .explicitDeny = decision { decision } else { .allow }
        FuzzDriver.require(PolicyEvaluator.evaluate(allowed) == expected, "P with allow-all: \(PolicyEvaluator.evaluate(allowed))")

        var denied = alone
        denied.identityPolicies = [Self.denyAll, policy]
        FuzzDriver.require(
            PolicyEvaluator.evaluate(denied) == .explicitDeny(policyType: "identity-based policy"),
            "P with deny-all: \(PolicyEvaluator.evaluate(denied))"
        )

        var session = alone
        session.principal = Self.role
        let roleDecision = PolicyEvaluator.evaluate(session)
        session.sessionPolicies = [policy]
        FuzzDriver.require(PolicyEvaluator.evaluate(session) == roleDecision, "P as its own session policy changes \(roleDecision)")
    }

    private static func parse(
        _ text: String,
        kind: PolicyKind,
        requiresCurrentVersion: Bool = false
    ) -> Result<PolicyDocument, MalformedPolicy> {
        do throws(MalformedPolicy) {
            return .success(try PolicyDocument.parse(text, kind: kind, requiresCurrentVersion: requiresCurrentVersion))
        } catch {
            return .failure(error)
        }
    }

    static let user = PrincipalInfo.user(accountId: accountId, name: "alice", path: "/team/", userId: "AIDAFUZZEXAMPLE00001")
    static let role = PrincipalInfo.assumedRole(
        accountId: accountId,
        roleName: "builder",
        sessionName: "alice",
        roleId: "AROAFUZZEXAMPLE00001"
    )

    /// A few requests: a fixed one, then one per string of the document, used as action, resource and context value.
    static func requests(_ strings: [String]) -> [EvaluationInput] {
        let base: [String: [String]] = [
            "aws:SourceIp": ["203.0.113.7"],
            "aws:SecureTransport": ["false"],
            "aws:RequestTag/team": ["blue"],
            "aws:TagKeys": ["team", "cost"],
            "s3:max-keys": ["10"],
        ]
        var requests = [
            EvaluationInput(
                principal: user,
                action: "iam:GetUser",
                resource: "arn:aws:iam::\(accountId):user/team/alice",
                context: base,
                now: now
            )
        ]
        for text in strings.prefix(4) {
            var context = base
            context[text] = [text]
            context["aws:RequestTag/team"] = [text]
            requests.append(EvaluationInput(principal: user, action: text, resource: text, context: context, now: now))
        }
        return requests
    }

    /// The distinct strings of a JSON document (member names included), in document order.
    static func strings(in bytes: [UInt8]) -> [String] {
        guard let value = try? JSONParser.parse(bytes, maximumDepth: 32) else { return [] }
        var found: [String] = []
        func visit(_ value: JSONValue) {
            switch value {
            case .string(let text):
                if !found.contains(text) { found.append(text) }
            case .array(let items):
                items.forEach(visit)
            case .object(let members):
                for (key, item) in members {
                    if !found.contains(key) { found.append(key) }
                    visit(item)
                }
            case .null, .bool, .number:
                break
            }
        }
        visit(value)
        return found.filter { !["Version", "Statement", "Effect", "Action", "Resource", "Condition", "Sid"].contains($0) }
    }
}

#if MOAT_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    PolicyFuzz.shared.run(FuzzDriver.bytes(data, size))
    return 0
}
#else
@main
enum PolicyReplay {
    static func main() {
        exit(FuzzDriver.replay(Array(CommandLine.arguments.dropFirst()), PolicyFuzz.shared.run))
    }
}
#endif
