import MoatCore
import Testing

@testable import MoatPolicy

@Suite("Policy variables")
struct PolicyVariableTests {
    struct VariableCase: CustomTestStringConvertible, Sendable {
        let name: String
        let version: String?
        let resource: String
        let condition: String?
        let principal: PrincipalInfo
        let requestResource: String
        let context: [String: [String]]
        let allowed: Bool

        init(
            _ name: String,
            version: String? = "2012-10-17",
            resource: String,
            condition: String? = nil,
            principal: PrincipalInfo = PolicyFixtures.alice,
            request: String,
            context: [String: [String]] = [:],
            allowed: Bool
        ) {
            self.name = name
            self.version = version
            self.resource = resource
            self.condition = condition
            self.principal = principal
            self.requestResource = request
            self.context = context
            self.allowed = allowed
        }

        var testDescription: String { name }
    }

    /// IAM User Guide, IAM policy elements: Variables and tags.
    static let cases: [VariableCase] = [
        VariableCase(
            "${aws:username} home folder example — own folder",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
            allowed: true
        ),
        VariableCase(
            "${aws:username} home folder example — another user's folder",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt",
            allowed: false
        ),
        VariableCase(
            "variable names are not case-sensitive",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${AWS:UserName}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
            allowed: true
        ),
        VariableCase(
            "version 2008-10-17: ${aws:username} is literal text",
            version: "2008-10-17",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
            allowed: false
        ),
        VariableCase(
            "version 2008-10-17: the literal text itself matches",
            version: "2008-10-17",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/notes.txt",
            allowed: true
        ),
        VariableCase(
            "no Version element: variables are literal (\"the default is 2008-10-17\")",
            version: nil,
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
            allowed: false
        ),
        VariableCase(
            "${aws:userid} of a role session is roleId:sessionName",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:userid}/*",
            principal: PolicyFixtures.deployerSession,
            request: "arn:aws:s3:::amzn-s3-demo-bucket/AROADEPLOYEREXAMPLE01:build-42/a",
            allowed: true
        ),
        VariableCase(
            "${aws:username} has no value for a role session: the resource matches nothing",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
            principal: PolicyFixtures.deployerSession,
            request: "arn:aws:s3:::amzn-s3-demo-bucket/home//a",
            allowed: false
        ),
        VariableCase(
            "${aws:PrincipalType} in a condition",
            resource: "*",
            condition: #"{"StringEquals": {"aws:PrincipalTag/kind": "${aws:PrincipalType}"}}"#,
            request: "arn:aws:s3:::b/k",
            context: ["aws:PrincipalTag/kind": ["User"]],
            allowed: true
        ),
        VariableCase(
            "${aws:SourceIp} in a condition",
            resource: "*",
            condition: #"{"StringEquals": {"s3:x-amz-meta-uploader-ip": "${aws:SourceIp}"}}"#,
            request: "arn:aws:s3:::b/k",
            context: ["aws:SourceIp": ["192.0.2.4"], "s3:x-amz-meta-uploader-ip": ["192.0.2.4"]],
            allowed: true
        ),
        VariableCase(
            "any request context key: ${aws:PrincipalTag/team}",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/blue/x",
            context: ["aws:PrincipalTag/team": ["blue"]],
            allowed: true
        ),
        VariableCase(
            "default value: ${aws:PrincipalTag/team, 'company-wide'} with the tag absent",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/x",
            allowed: true
        ),
        VariableCase(
            "default value is not used when the key has a value",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/x",
            context: ["aws:PrincipalTag/team": ["blue"]],
            allowed: false
        ),
        VariableCase(
            "no value and no default: the resource does not match",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*",
            request: "arn:aws:s3:::amzn-s3-demo-bucket//x",
            allowed: false
        ),
        VariableCase(
            "special characters: ${*} is a literal asterisk",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${*}",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/*",
            allowed: true
        ),
        VariableCase(
            "special characters: ${*} is not a wildcard",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${*}",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/anything",
            allowed: false
        ),
        VariableCase(
            "special characters: ${?} and ${$}",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/what${?}/${$}5",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/what?/$5",
            allowed: true
        ),
        VariableCase(
            "a variable's value is literal: a tag value * does not widen the resource",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/x",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/red/x",
            context: ["aws:PrincipalTag/team": ["*"]],
            allowed: false
        ),
        VariableCase(
            "a multivalued key is no variable value",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/x",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/red/x",
            context: ["aws:PrincipalTag/team": ["red", "blue"]],
            allowed: false
        ),
        VariableCase(
            "condition variable with no value: StringEquals does not match",
            resource: "*",
            condition: #"{"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}"#,
            request: "arn:aws:s3:::b/k",
            context: ["aws:ResourceTag/team": ["red"]],
            allowed: false
        ),
        VariableCase(
            "condition variable with no value: StringNotEquals holds (nothing equals it)",
            resource: "*",
            condition: #"{"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}"#,
            request: "arn:aws:s3:::b/k",
            context: ["aws:ResourceTag/team": ["red"]],
            allowed: true
        ),
        VariableCase(
            "text that only looks like a variable stays literal",
            resource: "arn:aws:s3:::amzn-s3-demo-bucket/${not a key}",
            request: "arn:aws:s3:::amzn-s3-demo-bucket/${not a key}",
            allowed: true
        ),
    ]

    @Test("variables in Resource and Condition", arguments: cases)
    func variable(_ testCase: VariableCase) throws {
        let version = testCase.version.map { #""Version": "\#($0)", "# } ?? ""
        let condition = testCase.condition.map { #", "Condition": \#($0)"# } ?? ""
        let policy = try PolicyFixtures.identity(
            #"{\#(version)"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "\#(testCase.resource)"\#(condition)}}"#
        )
        let decision = PolicyFixtures.evaluate(
            testCase.principal,
            "s3:GetObject",
            testCase.requestResource,
            context: testCase.context,
            identity: [policy]
        )
        #expect(decision.isAllowed == testCase.allowed)
    }

    @Test("principal keys come from the principal, not from the request context")
    func principalKeysAreAuthoritative() throws {
        let policy = try PolicyFixtures.allow("s3:GetObject", on: "arn:aws:s3:::b/${aws:username}/*")
        let decision = PolicyFixtures.evaluate(
            PolicyFixtures.alice,
            "s3:GetObject",
            "arn:aws:s3:::b/bob/x",
            context: ["aws:username": ["bob"]],
            identity: [policy]
        )
        #expect(decision == .implicitDeny(reason: "no identity-based policy allows the s3:GetObject action"))
    }

    @Test("NotResource resolves variables too")
    func notResourceVariables() throws {
        let policy = try PolicyFixtures.identity(
            #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},"#
                + #" {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/home/${aws:username}/*"}]}"#
        )
        #expect(PolicyFixtures.evaluate(PolicyFixtures.alice, "s3:PutObject", "arn:aws:s3:::b/home/alice/x", identity: [policy]) == .allow)
        #expect(
            PolicyFixtures.evaluate(PolicyFixtures.alice, "s3:PutObject", "arn:aws:s3:::b/home/bob/x", identity: [policy])
                == .explicitDeny(policyType: "identity-based policy")
        )
    }
}
