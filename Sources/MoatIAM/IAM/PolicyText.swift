import MoatCore
import MoatPolicy

/// Checks on policy documents as IAM stores them.
enum PolicyText {
    /// Parses `text` as IAM would before storing it; a malformed document is `MalformedPolicyDocument`.
    static func check(_ text: String, kind: PolicyKind) throws {
        do {
            _ = try PolicyDocument.parse(text, kind: kind)
        } catch {
            throw ServiceError(IAM.Errors.malformedPolicyDocument, error.message)
        }
    }

    /// The size IAM counts against policy quotas: characters other than whitespace.
    static func size(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { count, scalar in
            scalar == " " || scalar == "\n" || scalar == "\r" || scalar == "\t" ? count : count + 1
        }
    }
}
