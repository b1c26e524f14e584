import MoatCore

/// A pool's attribute schema: Cognito's standard attributes, and the pool's `custom:` ones.
enum Schema {
    /// The standard attributes every pool has, in the order DescribeUserPool lists them.
    static let standard: [Cognito.SchemaAttributeType] = {
        func string(_ name: String, mutable: Bool = true, required: Bool = false, min: String = "0", max: String = "2048")
            -> Cognito.SchemaAttributeType
        {
            Cognito.SchemaAttributeType(
                name: name, attributeDataType: .string, developerOnlyAttribute: false, mutable: mutable, required: required,
                stringAttributeConstraints: Cognito.StringAttributeConstraintsType(minLength: min, maxLength: max)
            )
        }
        func boolean(_ name: String) -> Cognito.SchemaAttributeType {
            Cognito.SchemaAttributeType(
                name: name, attributeDataType: .boolean, developerOnlyAttribute: false, mutable: true, required: false)
        }
        return [
            string("sub", mutable: false, required: true, min: "1"),
            string("name"), string("given_name"), string("family_name"), string("middle_name"), string("nickname"),
            string("preferred_username"), string("profile"), string("picture"), string("website"), string("email"),
            boolean("email_verified"), string("gender"), string("birthdate", min: "10", max: "10"), string("zoneinfo"),
            string("locale"), string("phone_number"), boolean("phone_number_verified"), string("address"),
            Cognito.SchemaAttributeType(
                name: "updated_at", attributeDataType: .number, developerOnlyAttribute: false, mutable: true, required: false,
                numberAttributeConstraints: Cognito.NumberAttributeConstraintsType(minValue: "0")
            ),
            string("identities"),
        ]
    }()

    static let standardNames = Set(standard.compactMap(\.name))
    /// The most custom attributes a pool may have.
    static let maximumCustomAttributes = 50

    /// The schema of a new pool: the standard attributes with the request's changes to them (required, mutable,
    /// constraints), then its custom attributes named `custom:NAME`.
    /// - Throws: InvalidParameterException as Cognito words it for an invalid definition.
    static func make(from requested: [Cognito.SchemaAttributeType]) throws -> [Cognito.SchemaAttributeType] {
        var schema = standard
        var custom: [Cognito.SchemaAttributeType] = []
        for attribute in requested {
            guard let name = attribute.name, !name.isEmpty else {
                throw ServiceError(Cognito.Errors.invalidParameter, "Attribute name is required.")
            }
            if let index = schema.firstIndex(where: { $0.name == name }) {
                if name == "sub" {
                    throw ServiceError(Cognito.Errors.invalidParameter, "sub cannot be modified.")
                }
                if let type = attribute.attributeDataType, type != schema[index].attributeDataType {
                    throw ServiceError(Cognito.Errors.invalidParameter, "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute \(name)")
                }
                if let required = attribute.required { schema[index].required = required }
                if let mutable = attribute.mutable { schema[index].mutable = mutable }
                if let constraints = attribute.stringAttributeConstraints { schema[index].stringAttributeConstraints = constraints }
            } else {
                custom.append(try customAttribute(attribute))
            }
        }
        try checkCustomCount(custom.count)
        return schema + custom
    }

    /// A custom attribute as the schema keeps it (`custom:` prefixed, String by default, mutable by default).
    static func customAttribute(_ attribute: Cognito.SchemaAttributeType) throws -> Cognito.SchemaAttributeType {
        var custom = attribute
        let name = attribute.name ?? ""
        let bare = name.hasPrefix("custom:") ? String(name.dropFirst(7)) : name
        guard (1...20).contains(bare.count) else {
            throw ServiceError(Cognito.Errors.invalidParameter, "Custom attribute names must be between 1 and 20 characters: \(bare)")
        }
        if attribute.required == true {
            throw ServiceError(Cognito.Errors.invalidParameter, "Required custom attributes are not supported currently.")
        }
        custom.name = "custom:" + bare
        custom.attributeDataType = attribute.attributeDataType ?? .string
        custom.developerOnlyAttribute = attribute.developerOnlyAttribute ?? false
        custom.mutable = attribute.mutable ?? true
        custom.required = false
        if custom.attributeDataType == .string, custom.stringAttributeConstraints == nil {
            custom.stringAttributeConstraints = Cognito.StringAttributeConstraintsType()
        }
        return custom
    }

    static func checkCustomCount(_ count: Int) throws {
        if count > maximumCustomAttributes {
            throw ServiceError(Cognito.Errors.limitExceeded, "The number of custom attributes exceeds the limit of \(maximumCustomAttributes).")
        }
    }

    /// Checks attributes a caller writes against the pool's schema: known names, mutable ones only once the user
    /// exists, values within their constraints.
    /// - Parameters:
    ///   - attributes: the attributes to write.
    ///   - schema: the pool's schema.
    ///   - creating: whether the user is being created (immutable attributes may be set then).
    static func checkWrite(_ attributes: [Cognito.AttributeType], schema: [Cognito.SchemaAttributeType], creating: Bool) throws {
        for attribute in attributes {
            guard attribute.name != "sub" else {
                throw ServiceError(Cognito.Errors.invalidParameter, "Cannot modify the non-mutable attribute sub")
            }
            guard let definition = schema.first(where: { $0.name == attribute.name }) else {
                throw ServiceError(Cognito.Errors.invalidParameter, "Attribute does not exist in the schema.")
            }
            if !creating, definition.mutable == false {
                throw ServiceError(Cognito.Errors.invalidParameter, "Cannot modify the non-mutable attribute \(attribute.name)")
            }
            let value = attribute.value ?? ""
            switch definition.attributeDataType {
            case .boolean?:
                guard value == "true" || value == "false" else {
                    throw ServiceError(Cognito.Errors.invalidParameter, "Invalid value for boolean attribute \(attribute.name): \(value)")
                }
            case .number?:
                guard Double(value) != nil else {
                    throw ServiceError(Cognito.Errors.invalidParameter, "\(attribute.name): Number attribute requires a numeric value.")
                }
            default:
                let constraints = definition.stringAttributeConstraints
                let maximum = constraints?.maxLength.flatMap { Int($0) } ?? 2048
                let minimum = constraints?.minLength.flatMap { Int($0) } ?? 0
                if value.count > maximum || value.count < minimum {
                    throw ServiceError(
                        Cognito.Errors.invalidParameter,
                        "\(attribute.name): String must be no longer than \(maximum) characters and no shorter than \(minimum) characters."
                    )
                }
            }
            if attribute.name == "email", !value.isEmpty, !isEmail(value) {
                throw ServiceError(Cognito.Errors.invalidParameter, "Invalid email address format.")
            }
            if attribute.name == "phone_number", !value.isEmpty, !isPhoneNumber(value) {
                throw ServiceError(Cognito.Errors.invalidParameter, "Invalid phone number format.")
            }
        }
    }

    /// The required attributes of the schema that `attributes` lacks, as Cognito names them in its message.
    static func missingRequired(_ attributes: [String: String], schema: [Cognito.SchemaAttributeType]) -> [String] {
        schema.filter { $0.required == true && $0.name != "sub" }.compactMap(\.name).filter { (attributes[$0] ?? "").isEmpty }
    }

    /// `local@domain` with one `@`, no spaces, a dot-free local part allowed; what Cognito accepts as an email.
    static func isEmail(_ value: String) -> Bool {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !value.contains(where: \.isWhitespace)
    }

    /// E.164: `+` and 1 to 15 digits.
    static func isPhoneNumber(_ value: String) -> Bool {
        value.hasPrefix("+") && (2...16).contains(value.count) && value.dropFirst().allSatisfy(\.isASCII) && value.dropFirst().allSatisfy(\.isNumber)
    }
}
