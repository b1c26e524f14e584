import MoatCore
import Testing

@testable import MoatPolicy

@Suite("Policy documents: grammar and validation")
struct PolicyParsingTests {
    struct MalformedCase: CustomTestStringConvertible, Sendable {
        let name: String
        let kind: PolicyKind
        let requiresCurrentVersion: Bool
        let json: String
        let message: String

        init(_ name: String, kind: PolicyKind = .identity, current: Bool = false, _ json: String, _ message: String) {
            self.name = name
            self.kind = kind
            self.requiresCurrentVersion = current
            self.json = json
            self.message = message
        }

        var testDescription: String { name }
    }

    static let syntax = "Syntax errors in policy."

    /// Messages as IAM's `MalformedPolicyDocument` errors word them (CreatePolicy, PutUserPolicy, CreateRole,
    /// UpdateAssumeRolePolicy).
    static let malformed: [MalformedCase] = [
        MalformedCase("not JSON, identity policy", "{\"Version\": ", syntax),
        MalformedCase("not JSON, trust policy", kind: .trust, "Version: 2012-10-17", "This policy contains invalid Json"),
        MalformedCase(
            "trailing comma (JSON error)", kind: .trust, #"{"Statement": [{"Effect": "Allow",}]}"#, "This policy contains invalid Json"),
        MalformedCase("document is an array", #"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]"#, syntax),
        MalformedCase(
            "unknown top-level element",
            #"{"Version": "2012-10-17", "Statements": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
            syntax
        ),
        MalformedCase("no Statement", #"{"Version": "2012-10-17"}"#, syntax),
        MalformedCase("empty Statement array", #"{"Version": "2012-10-17", "Statement": []}"#, syntax),
        MalformedCase(
            "unknown version", #"{"Version": "2011-04-01", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#, syntax),
        MalformedCase(
            "unknown statement element",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Actions": "s3:*", "Resource": "*"}}"#,
            syntax
        ),
        MalformedCase("missing Effect", #"{"Version": "2012-10-17", "Statement": {"Action": "s3:*", "Resource": "*"}}"#, syntax),
        MalformedCase(
            "invalid Effect", #"{"Version": "2012-10-17", "Statement": {"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}}"#, syntax),
        MalformedCase(
            "duplicate Effect",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}}"#,
            syntax
        ),
        MalformedCase(
            "lower-case Effect fails legacy parsing",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "allow", "Action": "s3:*", "Resource": "*"}}"#,
            "The policy failed legacy parsing"
        ),
        MalformedCase(
            "both Action and NotAction",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}}"#,
            syntax
        ),
        MalformedCase(
            "Action of the wrong type",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": 7, "Resource": "*"}}"#,
            syntax
        ),
        MalformedCase(
            "managed policy of version 2008-10-17",
            current: true,
            #"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#,
            "Policy document must be version 2012-10-17 or greater."
        ),
        MalformedCase(
            "managed policy without Version",
            current: true,
            #"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#,
            "Policy document must be version 2012-10-17 or greater."
        ),
        MalformedCase(
            "duplicate Sid",
            #"{"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},"#
                + #" {"Sid": "A", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}"#,
            "Statement IDs (SID) in a single policy must be unique."
        ),
        MalformedCase(
            "Sid that is not alphanumeric",
            #"{"Version": "2012-10-17", "Statement": {"Sid": "allow s3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#,
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
        ),
        MalformedCase(
            "no Action",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Resource": "*"}}"#,
            "Policy statement must contain actions."
        ),
        MalformedCase(
            "empty Action list",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}"#,
            "Policy statement must contain actions."
        ),
        MalformedCase(
            "Resource not an ARN",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "my-bucket"}}"#,
            "Resource my-bucket must be in ARN format or \"*\"."
        ),
        MalformedCase(
            "action without vendor",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "CreateUser", "Resource": "*"}}"#,
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        ),
        MalformedCase(
            "action with two colons",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:Create:User", "Resource": "*"}}"#,
            "Actions/Condition can contain only one colon."
        ),
        MalformedCase(
            "invalid vendor",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "i am:CreateUser", "Resource": "*"}}"#,
            "Vendor i am is not valid"
        ),
        MalformedCase(
            "condition key without vendor",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*","#
                + #" "Condition": {"StringEquals": {"username": "alice"}}}}"#,
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        ),
        MalformedCase(
            "unknown condition operator",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*","#
                + #" "Condition": {"StringEqualz": {"aws:username": "alice"}}}}"#,
            syntax
        ),
        MalformedCase(
            "unknown set qualifier",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*","#
                + #" "Condition": {"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}}}}"#,
            syntax
        ),
        MalformedCase(
            "NullIfExists",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*","#
                + #" "Condition": {"NullIfExists": {"aws:TokenIssueTime": "true"}}}}"#,
            syntax
        ),
        MalformedCase(
            "condition value null",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*","#
                + #" "Condition": {"StringEquals": {"aws:username": null}}}}"#,
            syntax
        ),
        MalformedCase(
            "unreadable date",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*","#
                + #" "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-13-01T00:00:00Z"}}}}"#,
            "The policy failed legacy parsing"
        ),
        MalformedCase(
            "identity policy with Principal",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}"#,
            "Policy document should not specify a principal."
        ),
        MalformedCase(
            "session policy with NotPrincipal",
            kind: .session,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"},"#
                + #" "Action": "s3:*", "Resource": "*"}}"#,
            "Policy document should not specify a principal."
        ),
        MalformedCase(
            "identity policy without Resource",
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}}"#,
            "Policy statement must contain resources."
        ),
        MalformedCase(
            "resource policy without Principal",
            kind: .resource,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}}"#,
            "Missing required field Principal"
        ),
        MalformedCase(
            "trust policy without Principal",
            kind: .trust,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}}"#,
            "Missing required field Principal"
        ),
        MalformedCase(
            "trust policy with Resource",
            kind: .trust,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},"#
                + #" "Action": "sts:AssumeRole", "Resource": "*"}}"#,
            "Has prohibited field Resource."
        ),
        MalformedCase(
            "trust policy with a non-STS action",
            kind: .trust,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},"#
                + #" "Action": ["sts:AssumeRole", "s3:GetObject"]}}"#,
            "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
        ),
        MalformedCase(
            "principal that is not an account or ARN",
            kind: .trust,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "sts:AssumeRole"}}"#,
            #"Invalid principal in policy: "AWS":"bob""#
        ),
        MalformedCase(
            "wildcard inside a principal ARN",
            kind: .resource,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/*"},"#
                + #" "Action": "s3:*", "Resource": "*"}}"#,
            #"Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*""#
        ),
        MalformedCase(
            "Principal string other than *",
            kind: .resource,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "123456789012", "Action": "s3:*", "Resource": "*"}}"#,
            syntax
        ),
        MalformedCase(
            "unknown principal type",
            kind: .resource,
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"User": "alice"},"#
                + #" "Action": "s3:*", "Resource": "*"}}"#,
            syntax
        ),
    ]

    @Test("malformed documents are refused with AWS's message", arguments: malformed)
    func malformedDocument(_ testCase: MalformedCase) {
        #expect(throws: MalformedPolicy(testCase.message)) {
            try PolicyDocument.parse(testCase.json, kind: testCase.kind, requiresCurrentVersion: testCase.requiresCurrentVersion)
        }
    }

    @Test("error description names AWS's error code")
    func errorDescription() {
        #expect(MalformedPolicy.syntax.description == "MalformedPolicyDocument: Syntax errors in policy.")
        #expect(MalformedPolicy.syntax.message == "Syntax errors in policy.")
    }

    struct ValidCase: CustomTestStringConvertible, Sendable {
        let name: String
        let kind: PolicyKind
        let json: String
        let statements: Int
        var testDescription: String { name }
    }

    static let valid: [ValidCase] = [
        ValidCase(
            name: "Statement as a single object, no Version (IAM User Guide, Version: defaults to 2008-10-17)",
            kind: .identity,
            json: #"{"Statement": {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"}}"#,
            statements: 1
        ),
        ValidCase(
            name: "IAM User Guide, Action: allow all actions of a service and wildcard verbs",
            kind: .identity,
            json:
                #"{"Version": "2012-10-17", "Id": "p1", "Statement": [{"Sid": "1", "Effect": "Allow","#
                + #" "Action": ["s3:*", "iam:*AccessKey*"],"#
                + #" "Resource": ["*"]}, {"Sid": "", "Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::*:user/*"}]}"#,
            statements: 2
        ),
        ValidCase(
            name: "condition values as numbers, booleans and lists; unknown operator with nothing under it",
            kind: .identity,
            json: #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*","#
                + #" "Condition": {"NumericLessThanEquals": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": true},"#
                + #" "ForAnyValue:StringLike": {"aws:TagKeys": ["env*", "team"]}, "Whatever": {},"#
                + #" "StringEquals": {"aws:ResourceTag/aws:cloudformation:stack-name": "s"}}}}"#,
            statements: 1
        ),
        ValidCase(
            name: "trust policy for a service, with Sid",
            kind: .trust,
            json: #"{"Version": "2012-10-17", "Statement": [{"Sid": "Lambda", "Effect": "Allow","#
                + #" "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"}]}"#,
            statements: 1
        ),
        ValidCase(
            name: "trust policy for Cognito identity pools (Federated) with an OIDC condition key",
            kind: .trust,
            json:
                #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},"#
                + #" "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"], "Condition": {"StringEquals":"#
                + #" {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456789012"}}}}"#,
            statements: 1
        ),
        ValidCase(
            name: "resource policy with every principal form",
            kind: .resource,
            json: #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["123456789012","#
                + #" "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/alice","#
                + #" "arn:aws:sts::123456789012:assumed-role/Deployer/build-42", "AIDAJQABLZS4A3QDU576Q"],"#
                + #" "Service": "sns.amazonaws.com", "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"#
                + #" "Action": "lambda:InvokeFunction", "Resource": "*"}, {"Effect": "Deny", "NotPrincipal": {"AWS": "*"},"#
                + #" "Action": "lambda:*", "Resource": "*"}]}"#,
            statements: 2
        ),
        ValidCase(
            name: "escaped characters and a byte order mark",
            kind: .identity,
            json: "\u{FEFF}" + #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:\u0047et*","#
                + #" "Resource": "arn:aws:s3:::b/caf\u00e9/\ud83d\ude00"}}"#,
            statements: 1
        ),
    ]

    @Test("valid documents parse", arguments: valid)
    func validDocument(_ testCase: ValidCase) throws {
        let document = try PolicyDocument.parse(testCase.json, kind: testCase.kind)
        #expect(document.statements.count == testCase.statements)
        #expect(document.kind == testCase.kind)
    }

    @Test("version decides whether policy variables are recognised")
    func versionAndVariables() throws {
        let current = try PolicyFixtures.identity(
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#
        )
        let legacy = try PolicyFixtures.identity(
            #"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#
        )
        let none = try PolicyFixtures.identity(#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#)
        #expect(current.version == "2012-10-17" && current.supportsVariables)
        #expect(legacy.version == "2008-10-17" && !legacy.supportsVariables)
        #expect(none.version == nil && !none.supportsVariables)
    }

    @Test("JSON reader keeps number spelling, decodes escapes and refuses hostile nesting")
    func jsonReader() throws {
        let value = try PolicyJSON.parse(#" {"n": -1.50e3, "s": "a\"\\\/\n\u00e9\ud83d\ude00", "b": [true, false, null]} "#)
        #expect(value["n"] == .number("-1.50e3"))
        #expect(value["s"] == .string("a\"\\/\né😀"))
        #expect(value["b"] == .array([.bool(true), .bool(false), .null]))
        #expect(throws: JSONParseError.self) {
            try PolicyJSON.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100))
        }
        #expect(throws: JSONParseError.self) { try PolicyJSON.parse(#"{"a": 1} x"#) }
        #expect(throws: JSONParseError.self) { try PolicyJSON.parse(#"{"a": 01}"#) }
        #expect(throws: JSONParseError.self) { try PolicyJSON.parse(#"{"a": "\ud83d"}"#) }
        #expect(throws: JSONParseError.self) { try PolicyJSON.parse("{\"a\": \"tab\there\"}") }
        #expect(throws: JSONParseError.self) { try PolicyJSON.parse(#"{"a": 1, "a": 2}"#) }
    }
}
