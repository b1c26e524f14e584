/// Random identifiers in the formats AWS hands out.
package enum RandomText {
    /// `count` characters drawn uniformly from `alphabet` with the system CSPRNG (rejection sampling, no modulo bias).
    package static func make(_ count: Int, from alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
