/// What the service needs of a password hash: ``PasswordHasher`` in production, a counting wrapper in tests that
/// check that every sign-in path costs one hash.
protocol PasswordHashing: Sendable {
    func hash(_ password: String) -> String
    func verify(_ password: String, against stored: String) -> Bool
    /// One hash computation's worth of work, for sign-ins of users who do not exist.
    func burn(_ password: String)
}

extension PasswordHasher: PasswordHashing {}
