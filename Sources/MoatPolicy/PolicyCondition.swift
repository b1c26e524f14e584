import MoatCore

/// The condition operators of the IAM policy language, without set qualifier or `IfExists`.
///
/// IAM User Guide, IAM JSON policy elements: Condition operators.
enum PolicyConditionOperator: String, Sendable, CaseIterable {
    case stringEquals = "StringEquals"
    case stringNotEquals = "StringNotEquals"
    case stringEqualsIgnoreCase = "StringEqualsIgnoreCase"
    case stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
    case stringLike = "StringLike"
    case stringNotLike = "StringNotLike"
    case numericEquals = "NumericEquals"
    case numericNotEquals = "NumericNotEquals"
    case numericLessThan = "NumericLessThan"
    case numericLessThanEquals = "NumericLessThanEquals"
    case numericGreaterThan = "NumericGreaterThan"
    case numericGreaterThanEquals = "NumericGreaterThanEquals"
    case dateEquals = "DateEquals"
    case dateNotEquals = "DateNotEquals"
    case dateLessThan = "DateLessThan"
    case dateLessThanEquals = "DateLessThanEquals"
    case dateGreaterThan = "DateGreaterThan"
    case dateGreaterThanEquals = "DateGreaterThanEquals"
    case bool = "Bool"
    case binaryEquals = "BinaryEquals"
    case ipAddress = "IpAddress"
    case notIpAddress = "NotIpAddress"
    case arnEquals = "ArnEquals"
    case arnLike = "ArnLike"
    case arnNotEquals = "ArnNotEquals"
    case arnNotLike = "ArnNotLike"
    case null = "Null"

    /// Operators that hold when the key does *not* match: "If the policy condition requires that the key is not
    /// matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
    var isNegated: Bool {
        switch self {
        case .stringNotEquals, .stringNotEqualsIgnoreCase, .stringNotLike, .numericNotEquals, .dateNotEquals,
            .notIpAddress, .arnNotEquals, .arnNotLike:
            true
        default:
            false
        }
    }

    var isDate: Bool { rawValue.hasPrefix("Date") }

    /// Whether one request value matches one policy value, for the operator without its negation.
    func positiveMatch(requestValue: String, policyValue: PolicyPattern) -> Bool {
        switch self {
        case .stringEquals, .stringNotEquals:
            return requestValue == policyValue.text
        case .stringEqualsIgnoreCase, .stringNotEqualsIgnoreCase:
            return requestValue.lowercased() == policyValue.text.lowercased()
        case .stringLike, .stringNotLike:
            return policyValue.matches(requestValue)
        case .numericEquals, .numericNotEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan,
            .numericGreaterThanEquals:
            guard let request = Double(requestValue), let policy = Double(policyValue.text), request.isFinite, policy.isFinite else {
                return false
            }
            return compare(request, policy)
        case .dateEquals, .dateNotEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            guard let request = PolicyDate.seconds(from: requestValue), let policy = PolicyDate.seconds(from: policyValue.text) else {
                return false
            }
            return compare(request, policy)
        case .bool:
            return requestValue.lowercased() == policyValue.text.lowercased()
        case .binaryEquals:
            return requestValue == policyValue.text
        case .ipAddress, .notIpAddress:
            return PolicyIPRange(policyValue.text)?.contains(requestValue) ?? false
        case .arnEquals, .arnLike, .arnNotEquals, .arnNotLike:
            return policyValue.arnMatches(requestValue)
        case .null:
            return false
        }
    }

    private func compare(_ request: Double, _ policy: Double) -> Bool {
        switch self {
        case .numericEquals, .numericNotEquals, .dateEquals, .dateNotEquals: request == policy
        case .numericLessThan, .dateLessThan: request < policy
        case .numericLessThanEquals, .dateLessThanEquals: request <= policy
        case .numericGreaterThan, .dateGreaterThan: request > policy
        case .numericGreaterThanEquals, .dateGreaterThanEquals: request >= policy
        default: false
        }
    }
}

/// `ForAnyValue:` / `ForAllValues:`, which compare sets of request values.
enum PolicySetQualifier: String, Sendable {
    case forAnyValue = "ForAnyValue"
    case forAllValues = "ForAllValues"
}

/// One key of one condition operator: `"StringEquals": {"aws:username": ["alice", "bob"]}` gives one.
struct PolicyCondition: Sendable, Equatable {
    /// The operator as written (`ForAllValues:StringLikeIfExists`).
    let operatorName: String
    let conditionOperator: PolicyConditionOperator
    let qualifier: PolicySetQualifier?
    let ifExists: Bool
    let key: String
    let values: [PolicyValueTemplate]

    /// Reads an operator name; nil when IAM does not know it.
    static func parseOperator(_ name: String) -> (PolicySetQualifier?, PolicyConditionOperator, ifExists: Bool)? {
        var rest = Substring(name)
        var qualifier: PolicySetQualifier?
        if let colon = rest.firstIndex(of: ":") {
            guard let value = PolicySetQualifier(rawValue: String(rest[..<colon])) else { return nil }
            qualifier = value
            rest = rest[rest.index(after: colon)...]
        }
        var ifExists = false
        if rest.hasSuffix("IfExists") {
            ifExists = true
            rest = rest.dropLast("IfExists".count)
        }
        guard let conditionOperator = PolicyConditionOperator(rawValue: String(rest)) else { return nil }
        // `NullIfExists` would be self-contradictory; IAM documents `…IfExists` for every operator "except Null".
        if conditionOperator == .null, ifExists { return nil }
        return (qualifier, conditionOperator, ifExists)
    }

    /// Whether the condition holds for the request.
    ///
    /// IAM User Guide, Condition operators and "Multivalued context keys":
    /// - several values for the key match if any one does (OR); a negated operator holds when none does;
    /// - a key missing from the request: false, except negated operators (true) and `…IfExists` (true);
    /// - `ForAnyValue`: true if at least one request value matches; false when the key is missing or empty;
    /// - `ForAllValues`: true if every request value matches; true when the key is missing or empty;
    /// - `Null`: `true` holds when the key is absent, `false` when it is present.
    func isSatisfied(by context: PolicyRequestContext) -> Bool {
        let requestValues = context[key] ?? []
        if conditionOperator == .null {
            let present = !requestValues.isEmpty
            return values.contains { value in
                switch value.raw.lowercased() {
                case "true": !present
                case "false": present
                default: false
                }
            }
        }
        let policyValues = values.compactMap { $0.resolve(in: context) }
        func matchesAny(_ requestValue: String) -> Bool {
            policyValues.contains { conditionOperator.positiveMatch(requestValue: requestValue, policyValue: $0) }
        }
        let negated = conditionOperator.isNegated
        switch qualifier {
        case nil:
            if requestValues.isEmpty { return ifExists || negated }
            return negated ? !requestValues.contains(where: matchesAny) : requestValues.contains(where: matchesAny)
        case .forAnyValue:
            if requestValues.isEmpty { return ifExists }
            return negated ? requestValues.contains { !matchesAny($0) } : requestValues.contains(where: matchesAny)
        case .forAllValues:
            if requestValues.isEmpty { return true }
            return negated ? requestValues.allSatisfy { !matchesAny($0) } : requestValues.allSatisfy(matchesAny)
        }
    }
}
