import MoatCore

/// What a policy document is attached as; it decides which elements the document must or must not have.
public enum PolicyKind: String, Sendable {
    /// Inline or managed policies of users, groups and roles, and permissions boundaries: no `Principal`.
    case identity
    /// A resource's own policy (a function's, a topic's): every statement names a `Principal`.
    case resource
    /// A role's trust policy: a `Principal`, only `sts:` actions, no `Resource`.
    case trust
    /// A session policy passed to `AssumeRole*` or `GetFederationToken`: no `Principal`.
    case session
}

/// A parsed IAM JSON policy document.
///
/// Create one with ``parse(_:kind:requiresCurrentVersion:)``; evaluate with ``PolicyEvaluator``.
public struct PolicyDocument: Sendable, Equatable {
    public let kind: PolicyKind
    /// `2012-10-17`, `2008-10-17`, or nil when the document has no `Version` (read as 2008-10-17).
    public let version: String?
    public let id: String?
    let statements: [PolicyStatement]

    /// Whether `${…}` policy variables are substituted: only under version 2012-10-17.
    public var supportsVariables: Bool { version == PolicyDocument.currentVersion }

    static let currentVersion = "2012-10-17"
    static let legacyVersion = "2008-10-17"
}

enum PolicyEffect: String, Sendable {
    case allow = "Allow"
    case deny = "Deny"
}

/// One statement of a policy.
struct PolicyStatement: Sendable, Equatable {
    let sid: String?
    let effect: PolicyEffect
    /// `Action` or `NotAction` patterns, lowercased (actions match without regard to case).
    let actions: [PolicyPattern]
    let isNotAction: Bool
    /// `Resource` or `NotResource` values; nil when the statement has neither (trust policies).
    let resources: [PolicyValueTemplate]?
    let isNotResource: Bool
    let principal: PolicyPrincipal?
    let isNotPrincipal: Bool
    /// Every key of every operator; all must hold.
    let conditions: [PolicyCondition]
}

/// One request, as statements are matched against it.
struct PolicyRequest: Sendable {
    let principal: PrincipalInfo
    let action: String
    let resource: String
    let context: PolicyRequestContext
}

extension PolicyStatement {
    /// Whether the statement applies to the request and, if so, how it named the principal
    /// (`.session` when it has no `Principal` element, as in identity-based policies).
    func applies(to request: PolicyRequest) -> PrincipalMatch? {
        var match = PrincipalMatch.session
        if let principal {
            if isNotPrincipal {
                guard !principal.excludes(request.principal) else { return nil }
            } else {
                guard let found = principal.match(request.principal) else { return nil }
                match = found
            }
        }
        // Patterns were lowercased when parsed: action names match without regard to case.
        let action = request.action.lowercased()
        let actionMatches = actions.contains { $0.matches(action) }
        guard actionMatches != isNotAction else { return nil }
        if let resources {
            let resourceMatches = resources.contains { template in
                template.resolve(in: request.context)?.resourceMatches(request.resource) ?? false
            }
            guard resourceMatches != isNotResource else { return nil }
        }
        guard conditions.allSatisfy({ $0.isSatisfied(by: request.context) }) else { return nil }
        return match
    }
}

extension PolicyDocument {
    /// The strongest principal match among the statements with `effect` that apply, or nil when none applies.
    func match(_ effect: PolicyEffect, _ request: PolicyRequest) -> PrincipalMatch? {
        var best: PrincipalMatch?
        for statement in statements where statement.effect == effect {
            guard let found = statement.applies(to: request) else { continue }
            if found == .session { return found }
            if best.map({ found > $0 }) ?? true { best = found }
        }
        return best
    }

    func allows(_ request: PolicyRequest) -> Bool { match(.allow, request) != nil }

    func denies(_ request: PolicyRequest) -> Bool { match(.deny, request) != nil }
}
