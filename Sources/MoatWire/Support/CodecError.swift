/// Input that a codec could not turn into the shape the model asks for.
///
/// The endpoint answers it with the service's own validation error, naming `path`.
struct CodecError: Error, Sendable {
    /// The member path in AWS's validation style (`maxItems`, `tags.1.member.key`).
    let path: String
    let message: String

    static func typeMismatch(path: String, expected: String, value: String) -> CodecError {
        CodecError(path: path, message: "Value '\(value)' at '\(path)' failed to satisfy constraint: Member must be \(expected)")
    }
}
