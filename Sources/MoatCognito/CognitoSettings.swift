public import Foundation

/// The costs and delays of Cognito that an install may change. Every default is AWS's value (or, for the password
/// hash, OWASP's); tests lower them so they need not wait minutes.
public struct CognitoSettings: Sendable {
    /// PBKDF2-HMAC-SHA256 iterations for new password hashes (OWASP 2023: 600,000).
    public var passwordHashIterations: Int
    /// Consecutive failed sign-ins before the first lockout (Cognito: 5).
    public var lockoutThreshold: Int
    /// The first lockout; each further failure doubles it (Cognito: 1 s).
    public var lockoutBase: TimeInterval
    /// The longest lockout (Cognito: about 15 minutes).
    public var lockoutMaximum: TimeInterval
    /// The shortest access and ID token validity a client may set (Cognito: 5 minutes).
    public var minimumTokenValidity: TimeInterval
    /// The shortest refresh token validity a client may set (Cognito: 60 minutes).
    public var minimumRefreshTokenValidity: TimeInterval
    /// How long a sign-up confirmation or attribute verification code is valid (Cognito: 24 hours).
    public var confirmationCodeValidity: TimeInterval
    /// How long a ForgotPassword code is valid (Cognito: 1 hour).
    public var passwordResetCodeValidity: TimeInterval
    /// Wrong guesses of a code before it is withdrawn (LimitExceededException).
    public var codeAttempts: Int

    public init(
        passwordHashIterations: Int = 600_000,
        lockoutThreshold: Int = 5,
        lockoutBase: TimeInterval = 1,
        lockoutMaximum: TimeInterval = 900,
        minimumTokenValidity: TimeInterval = 300,
        minimumRefreshTokenValidity: TimeInterval = 3600,
        confirmationCodeValidity: TimeInterval = 86_400,
        passwordResetCodeValidity: TimeInterval = 3600,
        codeAttempts: Int = 5
    ) {
        self.passwordHashIterations = passwordHashIterations
        self.lockoutThreshold = lockoutThreshold
        self.lockoutBase = lockoutBase
        self.lockoutMaximum = lockoutMaximum
        self.minimumTokenValidity = minimumTokenValidity
        self.minimumRefreshTokenValidity = minimumRefreshTokenValidity
        self.confirmationCodeValidity = confirmationCodeValidity
        self.passwordResetCodeValidity = passwordResetCodeValidity
        self.codeAttempts = codeAttempts
    }

    /// Until when a user is locked out after `failures` consecutive failures at `now`, or nil when not yet.
    func lockedUntil(failures: Int, now: Date) -> Date? {
        guard failures >= lockoutThreshold else { return nil }
        let doublings = min(failures - lockoutThreshold, 30)
        return now.addingTimeInterval(min(lockoutBase * pow(2, Double(doublings)), lockoutMaximum))
    }
}
