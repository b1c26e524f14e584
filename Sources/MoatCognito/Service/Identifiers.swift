import Foundation
import MoatCore

/// The random identifiers and secrets Cognito hands out, in its formats.
enum Identifiers {
    private static let alphanumeric = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    private static let lowerAlphanumeric = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    /// `REGION_` and 9 letters or digits: `us-east-1_AbC123xyZ`.
    static func poolId(region: String) -> String { region + "_" + RandomText.make(9, from: alphanumeric) }

    /// 26 lowercase letters or digits.
    static func clientId() -> String { RandomText.make(26, from: lowerAlphanumeric) }

    /// 51 lowercase letters or digits, as long as Cognito's generated client secrets.
    static func clientSecret() -> String { RandomText.make(51, from: lowerAlphanumeric) }

    /// A version 4 UUID in lowercase, as Cognito writes `sub`, `jti` and `event_id`.
    static func uuid() -> String { UUID().uuidString.lowercased() }
}
