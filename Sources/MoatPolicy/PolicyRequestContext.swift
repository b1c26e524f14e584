import MoatCore

/// The request context keys of one evaluation, looked up without regard to case.
///
/// IAM User Guide, IAM JSON policy elements: Condition: "Condition key names are not case-sensitive."
struct PolicyRequestContext: Sendable {
    private var values: [String: [String]] = [:]

    init(_ context: [String: [String]] = [:]) {
        for (key, keyValues) in context {
            values[key.lowercased(), default: []] += keyValues
        }
    }

    /// The values of `key`, or nil when the request does not carry it.
    subscript(key: String) -> [String]? {
        get { values[key.lowercased()] }
        set { values[key.lowercased()] = newValue }
    }

    /// Whether the key is present with at least one value.
    func contains(_ key: String) -> Bool {
        !(values[key.lowercased()] ?? []).isEmpty
    }
}
