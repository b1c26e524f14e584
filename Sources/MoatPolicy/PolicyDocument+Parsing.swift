import MoatCore

extension PolicyDocument {
    /// Parses and validates a policy document the way IAM does before storing it.
    ///
    /// Checks run in IAM's order, and the first failure is reported: grammar ("Syntax errors in policy."),
    /// version, IAM's case-sensitive legacy pass, unique `Sid`s, actions present, resource format, action vendors,
    /// then what `kind` requires (`Principal` forbidden or required; a trust policy's `sts:` actions and lack of
    /// `Resource`; resources present). Size limits are the caller's.
    ///
    /// - Parameters:
    ///   - json: The document text.
    ///   - kind: What the document is attached as.
    ///   - requiresCurrentVersion: Refuse documents that are not version 2012-10-17 (managed policies).
    public static func parse(
        _ json: String,
        kind: PolicyKind = .identity,
        requiresCurrentVersion: Bool = false
    ) throws(MalformedPolicy) -> PolicyDocument {
        let root: PolicyJSON
        do {
            root = try PolicyJSON.parse(json)
        } catch {
            throw kind == .identity || kind == .session ? .syntax : .invalidJSON
        }
        var parser = PolicyParser(kind: kind)
        return try parser.document(root, requiresCurrentVersion: requiresCurrentVersion)
    }
}

/// The raw elements of one statement, between the grammar check and the semantic checks.
private struct RawStatement {
    var sid: String?
    var effect: String
    var actions: [String]?
    var isNotAction = false
    var resources: [String]?
    var isNotResource = false
    var principal: PolicyPrincipal?
    var isNotPrincipal = false
    var conditions: [RawCondition] = []
}

/// One key of one condition operator, its values as written.
private struct RawCondition {
    let operatorName: String
    let qualifier: PolicySetQualifier?
    let conditionOperator: PolicyConditionOperator
    let ifExists: Bool
    let key: String
    let values: [String]
}

private struct PolicyParser {
    let kind: PolicyKind

    static let topLevelElements: Set<String> = ["Version", "Id", "Statement"]
    static let statementElements: Set<String> = [
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition",
    ]

    mutating func document(_ root: PolicyJSON, requiresCurrentVersion: Bool) throws(MalformedPolicy) -> PolicyDocument {
        // 1. Grammar.
        guard let members = root.members else { throw .syntax }
        for (key, _) in members where !Self.topLevelElements.contains(key) { throw .syntax }
        var version: String?
        if let value = root["Version"] {
            guard case .string(let text) = value, text == PolicyDocument.currentVersion || text == PolicyDocument.legacyVersion else {
                throw .syntax
            }
            version = text
        }
        var id: String?
        if let value = root["Id"] {
            guard case .string(let text) = value else { throw .syntax }
            id = text
        }
        let statementValues: [PolicyJSON]
        switch root["Statement"] {
        case .object?: statementValues = [root["Statement"]!]
        case .array(let elements)?: statementValues = elements
        default: throw .syntax
        }
        guard !statementValues.isEmpty else { throw .syntax }
        let raws = try statementValues.map { value throws(MalformedPolicy) in try rawStatement(value) }

        // 2. Version.
        if requiresCurrentVersion, version != PolicyDocument.currentVersion { throw .version }
        let variables = version == PolicyDocument.currentVersion

        // 3. Legacy parsing: effects are case-sensitive, dates must be readable.
        for raw in raws {
            guard PolicyEffect(rawValue: raw.effect) != nil else { throw .legacyParsing }
            for condition in raw.conditions where condition.conditionOperator.isDate {
                for value in condition.values where !(variables && value.contains("${")) {
                    guard PolicyDate.seconds(from: value) != nil else { throw .legacyParsing }
                }
            }
        }

        // 4. Statement ids.
        var sids: Set<String> = []
        for raw in raws {
            guard let sid = raw.sid, !sid.isEmpty else { continue }
            guard sids.insert(sid).inserted else { throw .duplicateSid }
        }
        if kind != .resource {
            for raw in raws {
                guard let sid = raw.sid, !sid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { continue }
                throw .sidNotAlphanumeric
            }
        }

        // 5. Actions present.
        for raw in raws {
            guard let actions = raw.actions, !actions.isEmpty else { throw .missingActions }
        }

        // 6. Resource format.
        for raw in raws {
            for resource in raw.resources ?? [] where resource != "*" && !resource.contains(":") {
                throw .resourceFormat(resource)
            }
        }

        // 7. Vendors of actions and condition keys. Condition keys only need a vendor: theirs may hold more colons
        // (`aws:ResourceTag/aws:cloudformation:stack-name`) and slashes (`oidc.eks….amazonaws.com/id/…:sub`).
        for raw in raws {
            for action in raw.actions ?? [] { try Self.checkVendor(action) }
            for condition in raw.conditions where !condition.key.contains(":") { throw .missingVendor }
        }

        // 8. What the kind of policy requires.
        for raw in raws {
            switch kind {
            case .identity, .session:
                if raw.principal != nil { throw .principalNotAllowed }
            case .resource, .trust:
                if raw.principal == nil { throw .missingPrincipal }
            }
        }
        if kind == .trust {
            for raw in raws where !raw.isNotAction {
                for action in raw.actions ?? [] where !action.lowercased().hasPrefix("sts:") { throw .trustPolicyAction }
            }
            for raw in raws where raw.resources != nil { throw .resourceInTrustPolicy }
        } else {
            for raw in raws {
                guard let resources = raw.resources, !resources.isEmpty else { throw .missingResources }
            }
        }

        let statements = raws.map { raw in
            PolicyStatement(
                sid: raw.sid,
                effect: PolicyEffect(rawValue: raw.effect)!,
                actions: (raw.actions ?? []).map { PolicyPattern(wildcards: $0.lowercased()) },
                isNotAction: raw.isNotAction,
                resources: raw.resources.map { $0.map { PolicyValueTemplate($0, variables: variables) } },
                isNotResource: raw.isNotResource,
                principal: raw.principal,
                isNotPrincipal: raw.isNotPrincipal,
                conditions: raw.conditions.map { condition in
                    PolicyCondition(
                        operatorName: condition.operatorName,
                        conditionOperator: condition.conditionOperator,
                        qualifier: condition.qualifier,
                        ifExists: condition.ifExists,
                        key: condition.key,
                        values: condition.values.map {
                            // IAM User Guide: policy variables cannot be used with the Null operator.
                            PolicyValueTemplate($0, variables: variables && condition.conditionOperator != .null)
                        }
                    )
                }
            )
        }
        return PolicyDocument(kind: kind, version: version, id: id, statements: statements)
    }

    /// The grammar of one statement.
    private func rawStatement(_ value: PolicyJSON) throws(MalformedPolicy) -> RawStatement {
        guard let members = value.members else { throw .syntax }
        for (key, _) in members where !Self.statementElements.contains(key) { throw .syntax }
        if value["Action"] != nil, value["NotAction"] != nil { throw .syntax }
        if value["Resource"] != nil, value["NotResource"] != nil { throw .syntax }
        if value["Principal"] != nil, value["NotPrincipal"] != nil { throw .syntax }

        guard case .string(let effect)? = value["Effect"], ["allow", "deny"].contains(effect.lowercased()) else { throw .syntax }
        var raw = RawStatement(effect: effect)
        if let sid = value["Sid"] {
            guard case .string(let text) = sid else { throw .syntax }
            raw.sid = text
        }
        if let actions = value["Action"] {
            raw.actions = try Self.strings(actions)
        } else if let actions = value["NotAction"] {
            raw.actions = try Self.strings(actions)
            raw.isNotAction = true
        }
        if let resources = value["Resource"] {
            raw.resources = try Self.strings(resources)
        } else if let resources = value["NotResource"] {
            raw.resources = try Self.strings(resources)
            raw.isNotResource = true
        }
        if let principal = value["Principal"] {
            raw.principal = try PolicyPrincipal.parse(principal)
        } else if let principal = value["NotPrincipal"] {
            raw.principal = try PolicyPrincipal.parse(principal)
            raw.isNotPrincipal = true
        }
        if let condition = value["Condition"] {
            guard let operators = condition.members else { throw .syntax }
            for (operatorName, block) in operators {
                guard let keys = block.members else { throw .syntax }
                guard let (qualifier, conditionOperator, ifExists) = PolicyCondition.parseOperator(operatorName) else {
                    // An unknown operator is tolerated only with nothing under it.
                    if keys.isEmpty { continue }
                    throw .syntax
                }
                for (key, values) in keys {
                    raw.conditions.append(
                        RawCondition(
                            operatorName: operatorName,
                            qualifier: qualifier,
                            conditionOperator: conditionOperator,
                            ifExists: ifExists,
                            key: key,
                            values: try Self.conditionValues(values)
                        )
                    )
                }
            }
        }
        return raw
    }

    /// A string or an array of strings.
    private static func strings(_ value: PolicyJSON) throws(MalformedPolicy) -> [String] {
        switch value {
        case .string(let text):
            return [text]
        case .array(let elements):
            return try elements.map { element throws(MalformedPolicy) -> String in
                guard case .string(let text) = element else { throw .syntax }
                return text
            }
        default:
            throw .syntax
        }
    }

    /// A condition value: a string, number or boolean, or an array of them.
    private static func conditionValues(_ value: PolicyJSON) throws(MalformedPolicy) -> [String] {
        func scalar(_ value: PolicyJSON) throws(MalformedPolicy) -> String {
            switch value {
            case .string(let text): return text
            case .number(let text): return text
            case .bool(let flag): return flag ? "true" : "false"
            default: throw .syntax
            }
        }
        if case .array(let elements) = value {
            return try elements.map { element throws(MalformedPolicy) in try scalar(element) }
        }
        return [try scalar(value)]
    }

    /// IAM's check of an action or condition key: `*`, or `vendor:name` with one colon and a plain vendor.
    private static func checkVendor(_ name: String) throws(MalformedPolicy) {
        if name == "*" { return }
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1 { throw .missingVendor }
        if parts.count > 2 { throw .extraColon }
        let vendor = parts[0]
        if vendor != "*", vendor.isEmpty || !vendor.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) {
            throw .invalidVendor(String(vendor))
        }
    }
}
