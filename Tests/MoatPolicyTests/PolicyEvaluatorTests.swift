import MoatCore
import Testing

@testable import MoatPolicy

@Suite("Policy evaluation logic")
struct PolicyEvaluatorTests {
    typealias F = PolicyFixtures

    struct EvaluationCase: CustomTestStringConvertible, Sendable {
        let name: String
        let input: EvaluationInput
        let expected: AuthorizationDecision
        var testDescription: String { name }
    }

    static func input(
        _ principal: PrincipalInfo = F.alice,
        _ action: String,
        _ resource: String = "*",
        context: [String: [String]] = [:],
        identity: [PolicyDocument] = [],
        boundary: PolicyDocument? = nil,
        session: [PolicyDocument] = [],
        resourcePolicy: PolicyDocument? = nil,
        resourceAccount: String? = nil
    ) -> EvaluationInput {
        EvaluationInput(
            principal: principal,
            action: action,
            resource: resource,
            context: context,
            identityPolicies: identity,
            permissionsBoundary: boundary,
            sessionPolicies: session,
            resourcePolicy: resourcePolicy,
            resourceAccountId: resourceAccount,
            now: F.now
        )
    }

    static func implicit(_ policyType: String, _ action: String) -> AuthorizationDecision {
        .implicitDeny(reason: "no \(policyType) allows the \(action) action")
    }

    static let identityDeny = AuthorizationDecision.explicitDeny(policyType: "identity-based policy")
    static let resourceDeny = AuthorizationDecision.explicitDeny(policyType: "resource-based policy")

    // MARK: IAM User Guide, Policy evaluation logic: "Example identity-based and resource-based policy evaluation".

    static let carlos = PrincipalInfo.user(accountId: "777788889999", name: "carlossalazar", userId: "AIDACARLOSEXAMPLE0001")

    /// The policy attached to the `carlossalazar` IAM user in the guide's example.
    static let carlosPolicy = try! PolicyDocument.parse(
        """
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "AllowS3ListRead", "Effect": "Allow",
           "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"],
           "Resource": "arn:aws:s3:::*"},
          {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
           "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
          {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}
        ]}
        """
    )

    /// The bucket policy of `amzn-s3-demo-bucket-carlossalazar`: only carlossalazar may use the bucket.
    static let carlosBucketPolicy = try! PolicyDocument.parse(
        """
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:user/carlossalazar"}, "Action": "s3:*",
           "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*"}
        ]}
        """,
        kind: .resource
    )

    static let carlosCases: [EvaluationCase] = [
        EvaluationCase(
            name:
                "Example identity-based and resource-based policy evaluation: carlossalazar saves a file to the -logs bucket (DenyS3Logs)",
            input: input(
                carlos, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/report.txt", identity: [carlosPolicy]),
            expected: identityDeny
        ),
        EvaluationCase(
            name:
                "Example identity-based and resource-based policy evaluation: carlossalazar saves to his own bucket"
                + " (AllowS3Self + bucket policy)",
            input: input(
                carlos,
                "s3:PutObject",
                "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/report.txt",
                identity: [carlosPolicy],
                resourcePolicy: carlosBucketPolicy
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Example identity-based and resource-based policy evaluation: AllowS3ListRead lists all buckets",
            input: input(carlos, "s3:ListAllMyBuckets", "arn:aws:s3:::", identity: [carlosPolicy]),
            expected: .allow
        ),
        EvaluationCase(
            name: "Example identity-based and resource-based policy evaluation: \"If either the identity-based policy or the resource-based"
                + " policy within the same account allows the request\" — bucket policy alone",
            input: input(carlos, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/a", resourcePolicy: carlosBucketPolicy),
            expected: .allow
        ),
        EvaluationCase(
            name: "Example identity-based and resource-based policy evaluation: another bucket, no Allow anywhere",
            input: input(carlos, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-other/a", identity: [carlosPolicy]),
            expected: implicit("identity-based policy", "s3:GetObject")
        ),
    ]

    @Test("IAM User Guide example: carlossalazar", arguments: carlosCases)
    func carlosExample(_ testCase: EvaluationCase) {
        #expect(PolicyEvaluator.evaluate(testCase.input) == testCase.expected)
    }

    // MARK: Deny, allow, implicit deny; Action/NotAction, Resource/NotResource, wildcards.

    static let basicCases: [EvaluationCase] = [
        EvaluationCase(
            name: "Policy evaluation logic: implicit deny when no policy allows (\"no identity-based policy allows the … action\")",
            input: input(F.alice, "iam:CreateUser", "arn:aws:iam::123456789012:user/new"),
            expected: implicit("identity-based policy", "iam:CreateUser")
        ),
        EvaluationCase(
            name: "Policy evaluation logic: an explicit deny overrides any allow",
            input: input(
                F.alice,
                "iam:DeleteUser",
                "arn:aws:iam::123456789012:user/bob",
                identity: [try! F.allow("*"), try! F.deny("iam:DeleteUser", on: "arn:aws:iam::123456789012:user/*")]
            ),
            expected: identityDeny
        ),
        EvaluationCase(
            name: "Policy evaluation logic: allow from one of several identity policies",
            input: input(F.alice, "iam:GetUser", identity: [try! F.allow("s3:*"), try! F.allow("iam:Get*")]),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: Action — action names are not case-sensitive",
            input: input(F.alice, "IAM:getuser", identity: [try! F.allow("iam:GetUser")]),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: Action — iam:*AccessKey* matches iam:ListAccessKeys",
            input: input(F.alice, "iam:ListAccessKeys", identity: [try! F.allow("iam:*AccessKey*")]),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: Action — iam:*AccessKey* does not match iam:ListUsers",
            input: input(F.alice, "iam:ListUsers", identity: [try! F.allow("iam:*AccessKey*")]),
            expected: implicit("identity-based policy", "iam:ListUsers")
        ),
        EvaluationCase(
            name: "Action wildcard ? matches one character",
            input: input(F.alice, "iam:GetUser", identity: [try! F.allow("iam:Get?ser")]),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: NotAction — allow everything except IAM: s3 allowed",
            input: input(F.alice, "s3:ListBucket", identity: [try! F.identity(notActionIAM)]),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: NotAction — allow everything except IAM: iam:CreateUser not allowed",
            input: input(F.alice, "iam:CreateUser", identity: [try! F.identity(notActionIAM)]),
            expected: implicit("identity-based policy", "iam:CreateUser")
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: NotAction with Deny — deny everything but IAM without MFA (BoolIfExists)",
            input: input(F.alice, "s3:GetObject", identity: [try! F.allow("*"), try! F.identity(denyNotIAMWithoutMFA)]),
            expected: identityDeny
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: NotAction with Deny — IAM actions stay allowed without MFA",
            input: input(F.alice, "iam:ChangePassword", identity: [try! F.allow("*"), try! F.identity(denyNotIAMWithoutMFA)]),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: NotAction with Deny — with MFA everything allowed",
            input: input(
                F.alice,
                "s3:GetObject",
                context: ["aws:MultiFactorAuthPresent": ["true"]],
                identity: [try! F.allow("*"), try! F.identity(denyNotIAMWithoutMFA)]
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: NotResource — deny outside HRBucket/Payroll: inside allowed",
            input: input(F.alice, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv", identity: [try! F.identity(payrollOnly)]),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: NotResource — deny outside HRBucket/Payroll: elsewhere denied",
            input: input(F.alice, "s3:GetObject", "arn:aws:s3:::HRBucket/Benefits/plan.pdf", identity: [try! F.identity(payrollOnly)]),
            expected: identityDeny
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: Resource — resource ARNs are case-sensitive",
            input: input(
                F.alice, "s3:GetObject", "arn:aws:s3:::hrbucket/payroll/june.csv",
                identity: [try! F.allow("s3:*", on: "arn:aws:s3:::HRBucket/*")]),
            expected: implicit("identity-based policy", "s3:GetObject")
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: Resource — user/* covers users with paths",
            input: input(
                F.alice,
                "iam:GetUser",
                "arn:aws:iam::123456789012:user/division/bob",
                identity: [try! F.allow("iam:GetUser", on: "arn:aws:iam::123456789012:user/*")]
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: Resource — a trailing * in an ARN segment matches past colons",
            input: input(
                F.alice,
                "logs:PutLogEvents",
                "arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:1",
                identity: [try! F.allow("logs:*", on: "arn:aws:logs:us-east-1:*")]
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "IAM JSON policy elements: Resource — a * inside an ARN segment stays in the segment",
            input: input(
                F.alice,
                "sns:Publish",
                "arn:aws:sns:us-east-1:123456789011:topic",
                identity: [try! F.allow("sns:*", on: "arn:aws:sns:us-*1:topic")]
            ),
            expected: implicit("identity-based policy", "sns:Publish")
        ),
        EvaluationCase(
            name: "Resource * matches actions without a resource",
            input: input(F.alice, "iam:ListUsers", "*", identity: [try! F.allow("iam:ListUsers")]),
            expected: .allow
        ),
        EvaluationCase(
            name: "Condition: deny when aws:SourceIp is outside the corporate range (aws:SourceIp example)",
            input: input(
                F.alice,
                "s3:GetObject",
                context: ["aws:SourceIp": ["198.51.100.1"]],
                identity: [
                    try! F.allow("*"),
                    try! F.deny("*", condition: #"{"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}"#),
                ]
            ),
            expected: identityDeny
        ),
        EvaluationCase(
            name: "Condition: deny long-term keys (Null aws:TokenIssueTime) — a role session is not denied",
            input: input(
                F.deployerSession,
                "s3:GetObject",
                context: ["aws:TokenIssueTime": ["2024-03-05T10:00:00Z"]],
                identity: [try! F.allow("*"), try! F.deny("*", condition: #"{"Null": {"aws:TokenIssueTime": "true"}}"#)]
            ),
            expected: .allow
        ),
    ]

    static let notActionIAM = #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}"#
    static let denyNotIAMWithoutMFA =
        #"{"Version": "2012-10-17", "Statement": {"Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny","#
        + #" "NotAction": "iam:*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}}"#
    static let payrollOnly =
        #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},"#
        + #" {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}]}"#

    @Test("deny, allow, implicit deny, NotAction, NotResource, wildcards", arguments: basicCases)
    func basics(_ testCase: EvaluationCase) {
        #expect(PolicyEvaluator.evaluate(testCase.input) == testCase.expected)
    }

    // MARK: Permissions boundaries and session policies.

    /// IAM User Guide, Permissions boundaries for IAM entities: ShirleyRodriguez's boundary allows only S3,
    /// CloudWatch and EC2.
    static let shirleyBoundary = try! PolicyDocument.parse(
        #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}}"#
    )
    static let shirley = PrincipalInfo.user(accountId: F.account, name: "ShirleyRodriguez", userId: "AIDASHIRLEYEXAMPLE001")

    /// A session policy that narrows a role session to reading one bucket.
    static let readOnlySession = try! PolicyDocument.parse(
        #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::artifacts/*"}}"#,
        kind: .session
    )

    static func bucketPolicy(principal: String, action: String = "s3:PutObject") -> PolicyDocument {
        try! PolicyDocument.parse(
            #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "\#(principal)"},"#
                + #" "Action": "\#(action)", "Resource": "arn:aws:s3:::artifacts/*"}}"#,
            kind: .resource
        )
    }

    static let boundaryAndSessionCases: [EvaluationCase] = [
        EvaluationCase(
            name: "Permissions boundaries: identity policy allows iam:CreateUser, boundary does not (ShirleyRodriguez)",
            input: input(shirley, "iam:CreateUser", identity: [try! F.allow("iam:CreateUser")], boundary: shirleyBoundary),
            expected: implicit("permissions boundary", "iam:CreateUser")
        ),
        EvaluationCase(
            name: "Permissions boundaries: both allow s3 — effective permissions are the intersection",
            input: input(shirley, "s3:GetObject", identity: [try! F.allow("s3:*")], boundary: shirleyBoundary),
            expected: .allow
        ),
        EvaluationCase(
            name: "Permissions boundaries: the boundary alone grants nothing",
            input: input(shirley, "ec2:RunInstances", boundary: shirleyBoundary),
            expected: implicit("identity-based policy", "ec2:RunInstances")
        ),
        EvaluationCase(
            name: "Permissions boundaries: an explicit deny in the boundary",
            input: input(
                shirley,
                "s3:DeleteBucket",
                identity: [try! F.allow("s3:*")],
                boundary: try! F.identity(
                    #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},"#
                        + #" {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}"#
                )
            ),
            expected: .explicitDeny(policyType: "permissions boundary")
        ),
        EvaluationCase(
            name: "Permissions boundaries: a same-account resource policy naming the user ARN is not limited by the boundary",
            input: input(
                shirley,
                "sns:Publish",
                "arn:aws:sns:us-east-1:123456789012:alerts",
                boundary: shirleyBoundary,
                resourcePolicy: try! F.resource(
                    #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow","#
                        + #" "Principal": {"AWS": "arn:aws:iam::123456789012:user/ShirleyRodriguez"},"#
                        + #" "Action": "sns:Publish", "Resource": "arn:aws:sns:us-east-1:123456789012:alerts"}}"#
                )
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Permissions boundaries: a resource policy naming the role ARN is limited by the role's boundary",
            input: input(
                F.deployerSession,
                "s3:PutObject",
                "arn:aws:s3:::artifacts/a",
                boundary: try! F.allow("s3:GetObject"),
                resourcePolicy: bucketPolicy(principal: F.deployerRoleArn)
            ),
            expected: implicit("permissions boundary", "s3:PutObject")
        ),
        EvaluationCase(
            name: "Session policies: the session's permissions are the intersection of role and session policies",
            input: input(
                F.deployerSession,
                "s3:GetObject",
                "arn:aws:s3:::artifacts/build.zip",
                identity: [try! F.allow("s3:*")],
                session: [readOnlySession]
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Session policies: the role allows s3:PutObject, the session policy does not",
            input: input(
                F.deployerSession,
                "s3:PutObject",
                "arn:aws:s3:::artifacts/build.zip",
                identity: [try! F.allow("s3:*")],
                session: [readOnlySession]
            ),
            expected: implicit("session policy", "s3:PutObject")
        ),
        EvaluationCase(
            name:
                "Session policies: \"You cannot use session policies to grant more permissions than those allowed by the"
                + " identity-based policy\"",
            input: input(F.deployerSession, "s3:GetObject", "arn:aws:s3:::artifacts/build.zip", session: [readOnlySession]),
            expected: implicit("identity-based policy", "s3:GetObject")
        ),
        EvaluationCase(
            name: "Session policies: inline and managed session policies together form one filter",
            input: input(
                F.deployerSession,
                "s3:PutObject",
                "arn:aws:s3:::artifacts/build.zip",
                identity: [try! F.allow("s3:*")],
                session: [
                    readOnlySession,
                    try! F.session(#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Put*", "Resource": "*"}}"#),
                ]
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Session policies: a resource policy naming the session ARN adds permissions after the session policy",
            input: input(
                F.deployerSession,
                "s3:PutObject",
                "arn:aws:s3:::artifacts/a",
                identity: [try! F.allow("s3:*")],
                session: [readOnlySession],
                resourcePolicy: bucketPolicy(principal: F.deployerSessionArn)
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Session policies: a resource policy naming the role ARN is limited by the session policy",
            input: input(
                F.deployerSession,
                "s3:PutObject",
                "arn:aws:s3:::artifacts/a",
                session: [readOnlySession],
                resourcePolicy: bucketPolicy(principal: F.deployerRoleArn)
            ),
            expected: implicit("session policy", "s3:PutObject")
        ),
        EvaluationCase(
            name: "Session policies: a resource policy naming the role ARN grants without identity policy when the session allows",
            input: input(
                F.deployerSession,
                "s3:GetObject",
                "arn:aws:s3:::artifacts/a",
                session: [readOnlySession],
                resourcePolicy: bucketPolicy(principal: F.deployerRoleArn, action: "s3:GetObject")
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Session policies: an explicit deny in a session policy",
            input: input(
                F.deployerSession,
                "s3:DeleteObject",
                identity: [try! F.allow("s3:*")],
                session: [
                    try! F.session(#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}}"#)
                ]
            ),
            expected: .explicitDeny(policyType: "session policy")
        ),
        EvaluationCase(
            name: "Session policies: a federated user session named in the resource policy is not limited by its session policy",
            input: input(
                PrincipalInfo.federatedUser(accountId: F.account, name: "Bob", issuingUserArn: "arn:aws:iam::123456789012:user/broker"),
                "s3:PutObject",
                "arn:aws:s3:::artifacts/a",
                session: [readOnlySession],
                resourcePolicy: bucketPolicy(principal: "arn:aws:sts::123456789012:federated-user/Bob")
            ),
            expected: .allow
        ),
    ]

    @Test("permissions boundaries and session policies", arguments: boundaryAndSessionCases)
    func boundariesAndSessions(_ testCase: EvaluationCase) {
        #expect(PolicyEvaluator.evaluate(testCase.input) == testCase.expected)
    }

    // MARK: Resource-based policies and principals.

    static func functionPolicy(_ principal: String, effect: String = "Allow", notPrincipal: Bool = false, condition: String? = nil)
        -> PolicyDocument
    {
        let element = notPrincipal ? "NotPrincipal" : "Principal"
        let conditionMember = condition.map { #", "Condition": \#($0)"# } ?? ""
        return try! PolicyDocument.parse(
            #"{"Version": "2012-10-17", "Statement": {"Effect": "\#(effect)", "\#(element)": \#(principal),"#
                + #" "Action": "lambda:InvokeFunction","#
                + #" "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"\#(conditionMember)}}"#,
            kind: .resource
        )
    }

    static let function = "arn:aws:lambda:us-east-1:123456789012:function:f"
    static let invoke = "lambda:InvokeFunction"

    static let principalCases: [EvaluationCase] = [
        EvaluationCase(
            name: "Principal: \"*\" — everyone, same account, no identity policy needed",
            input: input(F.bob, invoke, function, resourcePolicy: functionPolicy(#""*""#)),
            expected: .allow
        ),
        EvaluationCase(
            name: "Principal: {\"AWS\": \"*\"} is equivalent to \"*\"",
            input: input(F.deployerSession, invoke, function, session: [readOnlySession], resourcePolicy: functionPolicy(#"{"AWS": "*"}"#)),
            expected: .allow
        ),
        EvaluationCase(
            name: "Principal: user ARN grants on its own within the account",
            input: input(F.alice, invoke, function, resourcePolicy: functionPolicy(#"{"AWS": "arn:aws:iam::123456789012:user/alice"}"#)),
            expected: .allow
        ),
        EvaluationCase(
            name: "Principal: another user's ARN does not match",
            input: input(F.bob, invoke, function, resourcePolicy: functionPolicy(#"{"AWS": "arn:aws:iam::123456789012:user/alice"}"#)),
            expected: implicit("identity-based policy", invoke)
        ),
        EvaluationCase(
            name: "Principal: account id only delegates to IAM — identity policy missing",
            input: input(F.alice, invoke, function, resourcePolicy: functionPolicy(#"{"AWS": "123456789012"}"#)),
            expected: implicit("identity-based policy", invoke)
        ),
        EvaluationCase(
            name: "Principal: account root ARN delegates to IAM — identity policy allows",
            input: input(
                F.alice,
                invoke,
                function,
                identity: [try! F.allow("lambda:Invoke*")],
                resourcePolicy: functionPolicy(#"{"AWS": "arn:aws:iam::123456789012:root"}"#)
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Principal: assumed-role session ARN arn:aws:sts::ACCT:assumed-role/ROLE/SESSION",
            input: input(F.deployerSession, invoke, function, resourcePolicy: functionPolicy(#"{"AWS": "\#(F.deployerSessionArn)"}"#)),
            expected: .allow
        ),
        EvaluationCase(
            name: "Principal: role ARN covers its sessions",
            input: input(F.deployerSession, invoke, function, resourcePolicy: functionPolicy(#"{"AWS": "\#(F.deployerRoleArn)"}"#)),
            expected: .allow
        ),
        EvaluationCase(
            name: "Principal: another session of the same role is not the named session",
            input: input(
                PrincipalInfo.assumedRole(
                    accountId: F.account, roleName: "Deployer", rolePath: "/ops/", sessionName: "other", roleId: "AROADEPLOYEREXAMPLE01"),
                invoke,
                function,
                resourcePolicy: functionPolicy(#"{"AWS": "\#(F.deployerSessionArn)"}"#)
            ),
            expected: implicit("identity-based policy", invoke)
        ),
        EvaluationCase(
            name: "Principal: {\"Service\": \"s3.amazonaws.com\"} with ArnLike aws:SourceArn (Lambda resource-based policy example)",
            input: input(
                PrincipalInfo.service("s3.amazonaws.com"),
                invoke,
                function,
                context: ["aws:SourceArn": ["arn:aws:s3:::amzn-s3-demo-bucket"], "aws:SourceAccount": ["123456789012"]],
                resourcePolicy: functionPolicy(
                    #"{"Service": "s3.amazonaws.com"}"#,
                    condition:
                        #"{"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"},"#
                            + #" "StringEquals": {"aws:SourceAccount": "123456789012"}}"#
                )
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Principal: service principal, wrong source ARN",
            input: input(
                PrincipalInfo.service("s3.amazonaws.com"),
                invoke,
                function,
                context: ["aws:SourceArn": ["arn:aws:s3:::someone-elses-bucket"]],
                resourcePolicy: functionPolicy(
                    #"{"Service": "s3.amazonaws.com"}"#,
                    condition: #"{"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"}}"#
                )
            ),
            expected: implicit("resource-based policy", invoke)
        ),
        EvaluationCase(
            name: "Principal: a different service does not match",
            input: input(
                PrincipalInfo.service("sns.amazonaws.com"), invoke, function,
                resourcePolicy: functionPolicy(#"{"Service": "s3.amazonaws.com"}"#)),
            expected: implicit("resource-based policy", invoke)
        ),
        EvaluationCase(
            name: "Principal: a service has no identity-based policies",
            input: input(PrincipalInfo.service("s3.amazonaws.com"), invoke, function, identity: [try! F.allow("*")]),
            expected: implicit("resource-based policy", invoke)
        ),
        EvaluationCase(
            name: "Principal: an explicit deny in the resource policy beats an identity allow",
            input: input(
                F.alice,
                invoke,
                function,
                identity: [try! F.allow("*")],
                resourcePolicy: functionPolicy(#"{"AWS": "arn:aws:iam::123456789012:user/alice"}"#, effect: "Deny")
            ),
            expected: resourceDeny
        ),
        EvaluationCase(
            name: "NotPrincipal with Deny: the excluded user and its account are not denied",
            input: input(
                F.alice,
                invoke,
                function,
                identity: [try! F.allow("*")],
                resourcePolicy: functionPolicy(
                    #"{"AWS": ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:root"]}"#,
                    effect: "Deny",
                    notPrincipal: true
                )
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "NotPrincipal with Deny: everyone else is denied",
            input: input(
                F.bob,
                invoke,
                function,
                identity: [try! F.allow("*")],
                resourcePolicy: functionPolicy(
                    #"{"AWS": ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:root"]}"#,
                    effect: "Deny",
                    notPrincipal: true
                )
            ),
            expected: resourceDeny
        ),
        EvaluationCase(
            name:
                "NotPrincipal with Deny: without the account ARN the excluded user is denied too"
                + " (\"you must also include the account ARN\")",
            input: input(
                F.alice,
                invoke,
                function,
                identity: [try! F.allow("*")],
                resourcePolicy: functionPolicy(#"{"AWS": "arn:aws:iam::123456789012:user/alice"}"#, effect: "Deny", notPrincipal: true)
            ),
            expected: resourceDeny
        ),
        EvaluationCase(
            name: "NotPrincipal with Deny: a role session is excluded only with role ARN, session ARN and account",
            input: input(
                F.deployerSession,
                invoke,
                function,
                identity: [try! F.allow("*")],
                resourcePolicy: functionPolicy(
                    #"{"AWS": ["\#(F.deployerSessionArn)", "\#(F.deployerRoleArn)", "arn:aws:iam::123456789012:root"]}"#,
                    effect: "Deny",
                    notPrincipal: true
                )
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "NotPrincipal with Deny: the role ARN alone does not exclude its session",
            input: input(
                F.deployerSession,
                invoke,
                function,
                identity: [try! F.allow("*")],
                resourcePolicy: functionPolicy(
                    #"{"AWS": ["\#(F.deployerRoleArn)", "arn:aws:iam::123456789012:root"]}"#,
                    effect: "Deny",
                    notPrincipal: true
                )
            ),
            expected: resourceDeny
        ),
    ]

    @Test("resource-based policies and the Principal element", arguments: principalCases)
    func principals(_ testCase: EvaluationCase) {
        #expect(PolicyEvaluator.evaluate(testCase.input) == testCase.expected)
    }

    // MARK: Trust policies, root, cross-account.

    static let trustUser = try! PolicyDocument.parse(
        #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"},"#
            + #" "Action": "sts:AssumeRole"}}"#,
        kind: .trust
    )
    static let trustAccount = try! PolicyDocument.parse(
        #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},"#
            + #" "Action": "sts:AssumeRole"}}"#,
        kind: .trust
    )
    static let trustOtherAccount = try! PolicyDocument.parse(
        #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}}"#,
        kind: .trust
    )
    static let trustCognito = try! PolicyDocument.parse(
        #"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},"#
            + #" "Action": "sts:AssumeRoleWithWebIdentity","#
            + #" "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"},"#
            + #" "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}}"#,
        kind: .trust
    )
    static let role = "arn:aws:iam::123456789012:role/Target"

    static let accountCases: [EvaluationCase] = [
        EvaluationCase(
            name: "Trust policy naming the user: AssumeRole allowed without an identity policy",
            input: input(F.alice, "sts:AssumeRole", role, resourcePolicy: trustUser),
            expected: .allow
        ),
        EvaluationCase(
            name: "Trust policy naming another user: \"IAM role trust policies … must explicitly allow access\"",
            input: input(F.bob, "sts:AssumeRole", role, identity: [try! F.allow("sts:AssumeRole")], resourcePolicy: trustUser),
            expected: implicit("resource-based policy", "sts:AssumeRole")
        ),
        EvaluationCase(
            name: "Trust policy naming the account: the user also needs an identity-based allow",
            input: input(F.bob, "sts:AssumeRole", role, resourcePolicy: trustAccount),
            expected: implicit("identity-based policy", "sts:AssumeRole")
        ),
        EvaluationCase(
            name: "Trust policy naming the account, identity policy allows sts:AssumeRole on the role",
            input: input(F.bob, "sts:AssumeRole", role, identity: [try! F.allow("sts:AssumeRole", on: role)], resourcePolicy: trustAccount),
            expected: .allow
        ),
        EvaluationCase(
            name: "Trust policy for Cognito identity pools (Federated principal with aud/amr conditions)",
            input: input(
                PrincipalInfo.identityProvider("cognito-identity.amazonaws.com"),
                "sts:AssumeRoleWithWebIdentity",
                role,
                context: [
                    "cognito-identity.amazonaws.com:aud": ["us-east-1:pool"],
                    "cognito-identity.amazonaws.com:amr": ["authenticated", "cognito-idp"],
                ],
                resourcePolicy: trustCognito
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Trust policy for Cognito identity pools: unauthenticated identity refused",
            input: input(
                PrincipalInfo.identityProvider("cognito-identity.amazonaws.com"),
                "sts:AssumeRoleWithWebIdentity",
                role,
                context: [
                    "cognito-identity.amazonaws.com:aud": ["us-east-1:pool"], "cognito-identity.amazonaws.com:amr": ["unauthenticated"],
                ],
                resourcePolicy: trustCognito
            ),
            expected: implicit("resource-based policy", "sts:AssumeRoleWithWebIdentity")
        ),
        EvaluationCase(
            name: "Root user: not subject to identity-based policies — allowed with none",
            input: input(F.root, "iam:CreateUser", "arn:aws:iam::123456789012:user/x"),
            expected: .allow
        ),
        EvaluationCase(
            name: "Root user: identity-based denies do not apply",
            input: input(F.root, "iam:CreateUser", identity: [try! F.deny("*")]),
            expected: .allow
        ),
        EvaluationCase(
            name: "Root user: an explicit deny in a resource-based policy applies",
            input: input(
                F.root,
                invoke,
                function,
                resourcePolicy: functionPolicy(#"{"AWS": "arn:aws:iam::123456789012:root"}"#, effect: "Deny")
            ),
            expected: resourceDeny
        ),
        EvaluationCase(
            name: "Cross-account policy evaluation: identity allow and resource policy naming the account",
            input: input(
                F.foreignUser,
                invoke,
                function,
                identity: [try! F.allow(invoke)],
                resourcePolicy: functionPolicy(#"{"AWS": "111122223333"}"#),
                resourceAccount: F.account
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Cross-account policy evaluation: resource policy alone is not enough",
            input: input(
                F.foreignUser, invoke, function, resourcePolicy: functionPolicy(#"{"AWS": "111122223333"}"#), resourceAccount: F.account),
            expected: implicit("identity-based policy", invoke)
        ),
        EvaluationCase(
            name: "Cross-account policy evaluation: identity policy alone is not enough",
            input: input(F.foreignUser, invoke, function, identity: [try! F.allow(invoke)], resourceAccount: F.account),
            expected: implicit("resource-based policy", invoke)
        ),
        EvaluationCase(
            name: "Cross-account policy evaluation: trust policy trusting account 111122223333",
            input: input(
                F.foreignUser,
                "sts:AssumeRole",
                role,
                identity: [try! F.allow("sts:AssumeRole", on: role)],
                resourcePolicy: trustOtherAccount,
                resourceAccount: F.account
            ),
            expected: .allow
        ),
        EvaluationCase(
            name: "Cross-account policy evaluation: the root of another account needs the resource policy",
            input: input(PrincipalInfo.root(accountId: F.otherAccount), invoke, function, resourceAccount: F.account),
            expected: implicit("resource-based policy", invoke)
        ),
    ]

    @Test("trust policies, root, cross-account", arguments: accountCases)
    func accounts(_ testCase: EvaluationCase) {
        #expect(PolicyEvaluator.evaluate(testCase.input) == testCase.expected)
    }

    @Test("global condition keys of each kind of principal")
    func principalContextKeys() {
        func keys(_ principal: PrincipalInfo) -> PolicyRequestContext {
            PolicyEvaluator.requestContext(Self.input(principal, "s3:GetObject"))
        }
        let user = keys(F.alice)
        #expect(user["aws:username"] == ["alice"])
        #expect(user["aws:userid"] == ["AIDAALICEEXAMPLE00001"])
        #expect(user["aws:PrincipalType"] == ["User"])
        #expect(user["aws:PrincipalArn"] == ["arn:aws:iam::123456789012:user/alice"])
        #expect(user["aws:PrincipalAccount"] == ["123456789012"])
        #expect(user["aws:PrincipalIsAWSService"] == ["false"])
        #expect(user["aws:CurrentTime"] == ["2024-03-05T10:20:30Z"])
        #expect(user["aws:EpochTime"] == ["1709634030"])
        let session = keys(F.deployerSession)
        #expect(session["aws:username"] == nil)
        #expect(session["aws:userid"] == ["AROADEPLOYEREXAMPLE01:build-42"])
        #expect(session["aws:PrincipalType"] == ["AssumedRole"])
        #expect(session["aws:PrincipalArn"] == [F.deployerRoleArn])
        let root = keys(F.root)
        #expect(root["aws:PrincipalType"] == ["Account"])
        #expect(root["aws:userid"] == ["123456789012"])
        let service = keys(.service("lambda.amazonaws.com"))
        #expect(service["aws:PrincipalIsAWSService"] == ["true"])
        #expect(service["aws:PrincipalServiceName"] == ["lambda.amazonaws.com"])
        #expect(service["aws:PrincipalArn"] == nil)
        let given = PolicyEvaluator.requestContext(
            Self.input(F.alice, "s3:GetObject", context: ["aws:CurrentTime": ["2030-01-01T00:00:00Z"]]))
        #expect(given["aws:CurrentTime"] == ["2030-01-01T00:00:00Z"])
    }

    @Test("PrincipalInfo from a verified request's Principal")
    func principalFromCore() {
        let user = Principal(
            kind: .user,
            accountId: F.account,
            arn: "arn:aws:iam::123456789012:user/alice",
            userId: "AIDAALICEEXAMPLE00001",
            entityName: "alice",
            entityArn: "arn:aws:iam::123456789012:user/alice",
            accessKeyId: "AKIAEXAMPLE"
        )
        #expect(PrincipalInfo(user) == F.alice)
        let session = Principal(
            kind: .assumedRole,
            accountId: F.account,
            arn: F.deployerSessionArn,
            userId: "AROADEPLOYEREXAMPLE01:build-42",
            entityName: "Deployer",
            entityArn: F.deployerRoleArn,
            accessKeyId: "ASIAEXAMPLE",
            sessionId: "s-1"
        )
        #expect(PrincipalInfo(session) == F.deployerSession)
        let rootSession = Principal(
            kind: .userSession,
            accountId: F.account,
            arn: "arn:aws:iam::123456789012:root",
            userId: F.account,
            entityName: nil,
            entityArn: "arn:aws:iam::123456789012:root",
            accessKeyId: "ASIAROOT"
        )
        #expect(PrincipalInfo(rootSession) == F.root)
        let userSession = Principal(
            kind: .userSession,
            accountId: F.account,
            arn: "arn:aws:iam::123456789012:user/alice",
            userId: "AIDAALICEEXAMPLE00001",
            entityName: "alice",
            entityArn: "arn:aws:iam::123456789012:user/alice",
            accessKeyId: "ASIAALICE"
        )
        #expect(PrincipalInfo(userSession) == F.alice)
    }
}
