import MoatCore

/// How a resource policy statement named the caller. Ordered by how much the grant stands on its own.
///
/// IAM User Guide, Policy evaluation logic, "Evaluating identity-based policies with resource-based policies" and
/// "Session policies": within one account, a resource-policy Allow for the caller's own ARN (a user ARN, a role
/// session ARN, a federated user session ARN) is enough; one for the IAM entity behind a session (the role ARN,
/// the issuing user's ARN) is still limited by permissions boundary and session policies; one for the account
/// (`123456789012`, `arn:aws:iam::123456789012:root`) only delegates to the account's identity-based policies.
enum PrincipalMatch: Int, Sendable, Comparable {
    case account
    case entity
    case session

    static func < (lhs: PrincipalMatch, rhs: PrincipalMatch) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The `Principal` or `NotPrincipal` element of a statement.
///
/// IAM User Guide, AWS JSON policy elements: Principal. `"*"` and `{"AWS": "*"}` are equivalent and mean
/// everyone; an account is named by its id or root ARN; users, roles and role sessions by ARN; services by
/// `{"Service": …}`; identity providers by `{"Federated": …}`. Wildcards are not allowed inside a value.
struct PolicyPrincipal: Sendable, Equatable {
    /// `"*"` or `{"AWS": "*"}`, anywhere in the element.
    let isEveryone: Bool
    let aws: [String]
    let service: [String]
    let federated: [String]
    let canonicalUser: [String]

    /// The strongest way this element names `principal`, or nil when it does not.
    func match(_ principal: PrincipalInfo) -> PrincipalMatch? {
        if isEveryone { return .session }
        switch principal.kind {
        case .service:
            return service.contains { $0.lowercased() == principal.arn.lowercased() } ? .session : nil
        case .identityProvider:
            return federated.contains(principal.arn) ? .session : nil
        case .root, .user, .assumedRole, .federatedUser:
            var best: PrincipalMatch?
            for value in aws {
                let found: PrincipalMatch? =
                    if names(account: principal.accountId, value) {
                        principal.kind == .root ? .session : .account
                    } else if value == principal.arn {
                        .session
                    } else if value == principal.entityArn {
                        .entity
                    } else {
                        nil
                    }
                if let found, best.map({ found > $0 }) ?? true { best = found }
            }
            return best
        }
    }

    /// Whether a `NotPrincipal` element leaves `principal` out, so that the statement applies to it.
    ///
    /// IAM User Guide, AWS JSON policy elements: NotPrincipal: a request is checked against every identity it
    /// carries — the session, the role or user behind it, and the account — so an exclusion holds only when all
    /// of them are listed ("you must also include the account ARN", "both the role ARN and the assumed-role ARN").
    func excludes(_ principal: PrincipalInfo) -> Bool {
        if isEveryone { return true }
        switch principal.kind {
        case .service:
            return service.contains { $0.lowercased() == principal.arn.lowercased() }
        case .identityProvider:
            return federated.contains(principal.arn)
        case .root:
            return aws.contains { names(account: principal.accountId, $0) }
        case .user, .assumedRole, .federatedUser:
            let identities = Set([principal.arn, principal.entityArn])
            return identities.allSatisfy(aws.contains) && aws.contains { names(account: principal.accountId, $0) }
        }
    }

    private func names(account: String?, _ value: String) -> Bool {
        guard let account else { return false }
        return value == account || value == "arn:aws:iam::\(account):root"
    }
}

extension PolicyPrincipal {
    /// Reads a `Principal`/`NotPrincipal` value.
    static func parse(_ json: PolicyJSON) throws(MalformedPolicy) -> PolicyPrincipal {
        if case .string(let value) = json {
            guard value == "*" else { throw .syntax }
            return PolicyPrincipal(isEveryone: true, aws: [], service: [], federated: [], canonicalUser: [])
        }
        guard let members = json.members, !members.isEmpty else { throw .syntax }
        var aws: [String] = []
        var service: [String] = []
        var federated: [String] = []
        var canonicalUser: [String] = []
        for (type, value) in members {
            let values: [String]
            switch value {
            case .string(let single): values = [single]
            case .array(let elements):
                values = try elements.map { element throws(MalformedPolicy) -> String in
                    guard case .string(let text) = element else { throw .syntax }
                    return text
                }
            default: throw .syntax
            }
            for value in values {
                guard isValid(value, type: type) else { throw .invalidPrincipal(type: type, value: value) }
            }
            switch type {
            case "AWS": aws += values
            case "Service": service += values
            case "Federated": federated += values
            case "CanonicalUser": canonicalUser += values
            default: throw .syntax
            }
        }
        return PolicyPrincipal(
            isEveryone: aws.contains("*"), aws: aws, service: service, federated: federated, canonicalUser: canonicalUser)
    }

    private static func isValid(_ value: String, type: String) -> Bool {
        guard !value.isEmpty else { return false }
        switch type {
        case "AWS":
            if value == "*" { return true }
            if value.count == 12, value.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
            // The unique id IAM keeps in place of a deleted user's or role's ARN (`AIDA…`, `AROA…`).
            if value.count >= 16, value.count <= 128, value.first == "A",
                value.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
            {
                return true
            }
            let fields = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard fields.count == 6, fields[0] == "arn", fields[1].hasPrefix("aws"), fields[2] == "iam" || fields[2] == "sts",
                fields[3].isEmpty, fields[4].count == 12, fields[4].allSatisfy({ $0.isASCII && $0.isNumber }), !fields[5].isEmpty
            else { return false }
            return !value.contains("*") && !value.contains("?")
        case "Service", "Federated", "CanonicalUser":
            return !value.contains("*")
        default:
            return true
        }
    }
}
