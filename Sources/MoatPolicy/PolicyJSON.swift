import MoatCore

/// Policy documents are JSON read strictly: IAM refuses duplicate keys and keeps the spelling of numbers.
typealias PolicyJSON = JSONValue

extension JSONValue {
    /// Policies need four levels of nesting; this bounds recursion on hostile input.
    static let maximumPolicyDepth = 32

    /// Parses a policy document's text; IAM accepts a leading byte order mark.
    static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        let body = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        return try JSONParser.parse(Array(body.utf8), maximumDepth: maximumPolicyDepth, rejectsDuplicateKeys: true)
    }
}
