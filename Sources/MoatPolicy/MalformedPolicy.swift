import MoatCore

/// A policy document IAM refuses, with the message of AWS's `MalformedPolicyDocument` error.
///
/// The operation that received the document turns it into its service's error (IAM `MalformedPolicyDocument`,
/// a resource policy's `MalformedPolicy`/`InvalidParameterValueException`, …).
public struct MalformedPolicy: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text AWS answers with, such as `Syntax errors in policy.`.
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "MalformedPolicyDocument: \(message)" }
}

extension MalformedPolicy {
    /// JSON that does not follow the policy grammar (IAM identity and session policies; also bad JSON there).
    static let syntax = MalformedPolicy("Syntax errors in policy.")
    /// Text that is not JSON at all, in a trust or resource policy.
    static let invalidJSON = MalformedPolicy("This policy contains invalid Json")
    static let version = MalformedPolicy("Policy document must be version 2012-10-17 or greater.")
    /// IAM's second, case-sensitive pass: `"Effect": "allow"`, unreadable dates.
    static let legacyParsing = MalformedPolicy("The policy failed legacy parsing")
    static let duplicateSid = MalformedPolicy("Statement IDs (SID) in a single policy must be unique.")
    static let sidNotAlphanumeric = MalformedPolicy(
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    )
    static let missingActions = MalformedPolicy("Policy statement must contain actions.")
    static let missingResources = MalformedPolicy("Policy statement must contain resources.")
    static let missingVendor = MalformedPolicy("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
    static let extraColon = MalformedPolicy("Actions/Condition can contain only one colon.")
    static let principalNotAllowed = MalformedPolicy("Policy document should not specify a principal.")
    static let missingPrincipal = MalformedPolicy("Missing required field Principal")
    static let resourceInTrustPolicy = MalformedPolicy("Has prohibited field Resource.")
    static let trustPolicyAction = MalformedPolicy(
        "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
    )

    static func invalidVendor(_ vendor: String) -> MalformedPolicy { MalformedPolicy("Vendor \(vendor) is not valid") }

    static func resourceFormat(_ resource: String) -> MalformedPolicy {
        MalformedPolicy("Resource \(resource) must be in ARN format or \"*\".")
    }

    static func invalidPrincipal(type: String, value: String) -> MalformedPolicy {
        MalformedPolicy("Invalid principal in policy: \"\(type)\":\"\(value)\"")
    }
}
