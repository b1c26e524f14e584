/// Comparison of secrets whose running time depends only on their lengths: signatures, password hashes, client
/// secrets.
package enum ConstantTime {
    /// Whether `lhs` and `rhs` are equal, looking at every byte whatever the first difference.
    package static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
