import Foundation
import MoatCore
import Testing

@testable import MoatPolicy

@Suite("Policy conditions: operators, qualifiers, missing keys")
struct PolicyConditionTests {
    struct ConditionCase: CustomTestStringConvertible, Sendable {
        /// The documentation example the case encodes.
        let name: String
        /// The `Condition` element.
        let condition: String
        let context: [String: [String]]
        let holds: Bool

        init(_ name: String, _ condition: String, _ context: [String: [String]], _ holds: Bool) {
            self.name = name
            self.condition = condition
            self.context = context
            self.holds = holds
        }

        var testDescription: String { name }
    }

    /// IAM User Guide, IAM JSON policy elements: Condition operators (and "Condition element", "Multivalued context
    /// keys", "…IfExists condition operators", "Condition operator to check existence of condition keys").
    static let cases: [ConditionCase] = [
        // String condition operators.
        ConditionCase(
            "StringEquals — aws:PrincipalTag/job-category = iamuser-admin (operators example)",
            #"{"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}"#,
            ["aws:PrincipalTag/job-category": ["iamuser-admin"]],
            true
        ),
        ConditionCase(
            "StringEquals is case-sensitive",
            #"{"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}"#,
            ["aws:PrincipalTag/job-category": ["IAMUser-Admin"]],
            false
        ),
        ConditionCase(
            "StringEquals with a missing key does not match",
            #"{"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}"#,
            [:],
            false
        ),
        ConditionCase(
            "Condition element: several values of one key are OR'ed",
            #"{"StringEquals": {"aws:PrincipalTag/department": ["finance", "hr", "legal"]}}"#,
            ["aws:PrincipalTag/department": ["hr"]],
            true
        ),
        ConditionCase(
            "Condition element: several keys of one operator are AND'ed (second key fails)",
            #"{"StringEquals": {"aws:PrincipalTag/department": "finance", "aws:PrincipalTag/role": "audit"}}"#,
            ["aws:PrincipalTag/department": ["finance"], "aws:PrincipalTag/role": ["dev"]],
            false
        ),
        ConditionCase(
            "Condition element: several operators are AND'ed (both hold)",
            #"{"StringEquals": {"aws:PrincipalTag/department": "finance"}, "Bool": {"aws:SecureTransport": "true"}}"#,
            ["aws:PrincipalTag/department": ["finance"], "aws:SecureTransport": ["true"]],
            true
        ),
        ConditionCase(
            "Condition keys are not case-sensitive",
            #"{"StringEquals": {"AWS:PRINCIPALTAG/Department": "finance"}}"#,
            ["aws:principaltag/department": ["finance"]],
            true
        ),
        ConditionCase(
            "StringNotEquals — value differs",
            #"{"StringNotEquals": {"aws:PrincipalTag/department": ["finance", "hr"]}}"#,
            ["aws:PrincipalTag/department": ["legal"]],
            true
        ),
        ConditionCase(
            "StringNotEquals — value is one of the list",
            #"{"StringNotEquals": {"aws:PrincipalTag/department": ["finance", "hr"]}}"#,
            ["aws:PrincipalTag/department": ["hr"]],
            false
        ),
        ConditionCase(
            "negated operator with the key absent is true (\"the condition is true\")",
            #"{"StringNotEquals": {"aws:PrincipalTag/department": "finance"}}"#,
            [:],
            true
        ),
        ConditionCase(
            "StringEqualsIgnoreCase",
            #"{"StringEqualsIgnoreCase": {"aws:PrincipalTag/name": "Alice"}}"#,
            ["aws:PrincipalTag/name": ["aLiCe"]],
            true
        ),
        ConditionCase(
            "StringNotEqualsIgnoreCase",
            #"{"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/name": "Alice"}}"#,
            ["aws:PrincipalTag/name": ["ALICE"]],
            false
        ),
        ConditionCase(
            "StringLike — s3:prefix home/ with * (operators example)",
            #"{"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}"#,
            ["s3:prefix": ["home/alice/photos"], "aws:username": ["alice"]],
            true
        ),
        ConditionCase(
            "StringLike — ? matches exactly one character",
            #"{"StringLike": {"aws:PrincipalTag/code": "a?c"}}"#,
            ["aws:PrincipalTag/code": ["abbc"]],
            false
        ),
        ConditionCase(
            "StringNotLike with the key absent is true",
            #"{"StringNotLike": {"aws:PrincipalTag/code": "a*"}}"#,
            [:],
            true
        ),
        // Numeric condition operators.
        ConditionCase(
            "NumericLessThanEquals — s3:max-keys 10 (operators example), request 10",
            #"{"NumericLessThanEquals": {"s3:max-keys": "10"}}"#,
            ["s3:max-keys": ["10"]],
            true
        ),
        ConditionCase(
            "NumericLessThanEquals — request 11",
            #"{"NumericLessThanEquals": {"s3:max-keys": 10}}"#,
            ["s3:max-keys": ["11"]],
            false
        ),
        ConditionCase("NumericEquals with a decimal", #"{"NumericEquals": {"s3:max-keys": 2.50}}"#, ["s3:max-keys": ["2.5"]], true),
        ConditionCase("NumericNotEquals", #"{"NumericNotEquals": {"s3:max-keys": 10}}"#, ["s3:max-keys": ["9"]], true),
        ConditionCase("NumericLessThan", #"{"NumericLessThan": {"s3:max-keys": 10}}"#, ["s3:max-keys": ["10"]], false),
        ConditionCase("NumericGreaterThan", #"{"NumericGreaterThan": {"s3:max-keys": 10}}"#, ["s3:max-keys": ["10.5"]], true),
        ConditionCase("NumericGreaterThanEquals", #"{"NumericGreaterThanEquals": {"s3:max-keys": 10}}"#, ["s3:max-keys": ["9"]], false),
        ConditionCase(
            "a request value that is not a number never matches", #"{"NumericLessThan": {"s3:max-keys": 10}}"#, ["s3:max-keys": ["ten"]],
            false),
        // Date condition operators.
        ConditionCase(
            "DateGreaterThan — aws:TokenIssueTime 2020-01-01T00:00:01Z (operators example)",
            #"{"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}"#,
            ["aws:TokenIssueTime": ["2020-01-01T00:00:02Z"]],
            true
        ),
        ConditionCase(
            "DateGreaterThan — token issued before",
            #"{"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}"#,
            ["aws:TokenIssueTime": ["2019-12-31T23:59:59Z"]],
            false
        ),
        ConditionCase(
            "DateLessThan against aws:CurrentTime taken from the injected clock (2024-03-05T10:20:30Z)",
            #"{"DateLessThan": {"aws:CurrentTime": "2024-03-05T10:20:31Z"}}"#,
            [:],
            true
        ),
        ConditionCase(
            "DateGreaterThanEquals, epoch seconds against aws:EpochTime",
            #"{"DateGreaterThanEquals": {"aws:EpochTime": "1709634031"}}"#,
            [:],
            false
        ),
        ConditionCase(
            "DateEquals, ISO 8601 with an offset equals the UTC instant",
            #"{"DateEquals": {"aws:CurrentTime": "2024-03-05T12:20:30+02:00"}}"#,
            [:],
            true
        ),
        ConditionCase(
            "DateNotEquals, date only means midnight UTC",
            #"{"DateNotEquals": {"aws:TokenIssueTime": "2024-03-05"}}"#,
            ["aws:TokenIssueTime": ["2024-03-05T00:00:00.000Z"]],
            false
        ),
        ConditionCase(
            "DateLessThanEquals, epoch request against ISO policy",
            #"{"DateLessThanEquals": {"aws:TokenIssueTime": "2024-03-05T10:20:30Z"}}"#,
            ["aws:TokenIssueTime": ["1709634030"]],
            true
        ),
        // Boolean and binary operators.
        ConditionCase(
            "Bool — aws:SecureTransport false (deny insecure transport example)",
            #"{"Bool": {"aws:SecureTransport": "false"}}"#,
            ["aws:SecureTransport": ["false"]],
            true
        ),
        ConditionCase(
            "Bool — JSON true against \"true\"",
            #"{"Bool": {"aws:MultiFactorAuthPresent": true}}"#,
            ["aws:MultiFactorAuthPresent": ["true"]],
            true
        ),
        ConditionCase(
            "Bool with the key absent is false",
            #"{"Bool": {"aws:MultiFactorAuthPresent": "false"}}"#,
            [:],
            false
        ),
        ConditionCase(
            "BoolIfExists with the key absent is true (MFA example: long-term keys carry no MFA key)",
            #"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}"#,
            [:],
            true
        ),
        ConditionCase(
            "BinaryEquals — base64 value (operators example; its placeholder key given a vendor)",
            #"{"BinaryEquals": {"s3:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#,
            ["s3:key": ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="]],
            true
        ),
        // IP address operators.
        ConditionCase(
            "IpAddress — aws:SourceIp 203.0.113.0/24 (operators example)",
            #"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            ["aws:SourceIp": ["203.0.113.77"]],
            true
        ),
        ConditionCase(
            "IpAddress — outside the block",
            #"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            ["aws:SourceIp": ["203.0.114.1"]],
            false
        ),
        ConditionCase(
            "IpAddress — IPv6 2001:DB8:1234:5678::/64 (operators example)",
            #"{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}"#,
            ["aws:SourceIp": ["2001:db8:1234:5678:abcd::1"]],
            true
        ),
        ConditionCase(
            "IpAddress — IPv6 outside the /64",
            #"{"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}"#,
            ["aws:SourceIp": ["2001:db8:1234:5679::1"]],
            false
        ),
        ConditionCase(
            "IpAddress — an IPv4 address never lies in an IPv6 block",
            #"{"IpAddress": {"aws:SourceIp": "::/0"}}"#,
            ["aws:SourceIp": ["192.0.2.1"]],
            false
        ),
        ConditionCase(
            "IpAddress — single address without a prefix",
            #"{"IpAddress": {"aws:SourceIp": "192.0.2.10"}}"#,
            ["aws:SourceIp": ["192.0.2.10"]],
            true
        ),
        ConditionCase(
            "NotIpAddress — deny outside the corporate range (aws:SourceIp example)",
            #"{"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}"#,
            ["aws:SourceIp": ["198.51.100.7"]],
            true
        ),
        ConditionCase(
            "NotIpAddress — inside the range",
            #"{"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}"#,
            ["aws:SourceIp": ["192.0.2.200"]],
            false
        ),
        // ARN operators.
        ConditionCase(
            "ArnEquals — aws:SourceArn of an SNS topic (operators example)",
            #"{"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:my-topic"}}"#,
            ["aws:SourceArn": ["arn:aws:sns:us-east-1:123456789012:my-topic"]],
            true
        ),
        ConditionCase(
            "ArnLike — wildcards per component",
            #"{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket-*"}}"#,
            ["aws:SourceArn": ["arn:aws:s3:::my-bucket-logs"]],
            true
        ),
        ConditionCase(
            "ArnLike — a component wildcard does not swallow other components",
            #"{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic"}}"#,
            ["aws:SourceArn": ["arn:aws:sns:us-east-1:999:123456789012:topic"]],
            false
        ),
        ConditionCase(
            "ArnNotEquals with the key absent is true",
            #"{"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:my-topic"}}"#,
            [:],
            true
        ),
        ConditionCase(
            "ArnNotLike — matching ARN",
            #"{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/*"}}"#,
            [:],
            false
        ),
        // Null.
        ConditionCase(
            "Null true — aws:TokenIssueTime absent for long-term keys (operators example)",
            #"{"Null": {"aws:TokenIssueTime": "true"}}"#,
            [:],
            true
        ),
        ConditionCase(
            "Null true — key present",
            #"{"Null": {"aws:TokenIssueTime": "true"}}"#,
            ["aws:TokenIssueTime": ["2024-03-05T10:00:00Z"]],
            false
        ),
        ConditionCase(
            "Null false — key present",
            #"{"Null": {"aws:TokenIssueTime": false}}"#,
            ["aws:TokenIssueTime": ["2024-03-05T10:00:00Z"]],
            true
        ),
        // …IfExists.
        ConditionCase(
            "StringLikeIfExists — ec2:InstanceType t1.*/t2.*/m3.* (IfExists example), key absent",
            #"{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}"#,
            [:],
            true
        ),
        ConditionCase(
            "StringLikeIfExists — present and matching",
            #"{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}"#,
            ["ec2:InstanceType": ["t2.micro"]],
            true
        ),
        ConditionCase(
            "StringLikeIfExists — present and not matching",
            #"{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}"#,
            ["ec2:InstanceType": ["m5.large"]],
            false
        ),
        ConditionCase(
            "NumericLessThanIfExists, DateLessThanIfExists, IpAddressIfExists, ArnLikeIfExists — all absent",
            #"{"NumericLessThanIfExists": {"s3:max-keys": 1}, "DateLessThanIfExists": {"aws:TokenIssueTime": "2000-01-01"},"#
                + #" "IpAddressIfExists": {"aws:VpcSourceIp": "10.0.0.0/8"}, "ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::x"}}"#,
            [:],
            true
        ),
        // Set qualifiers.
        ConditionCase(
            "ForAllValues:StringEquals — aws:TagKeys environment, cost-center (multivalued example): subset",
            #"{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}"#,
            ["aws:TagKeys": ["environment"]],
            true
        ),
        ConditionCase(
            "ForAllValues:StringEquals — one request tag outside the list",
            #"{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}"#,
            ["aws:TagKeys": ["environment", "owner"]],
            false
        ),
        ConditionCase(
            "ForAllValues with the key missing is true",
            #"{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}"#,
            [:],
            true
        ),
        ConditionCase(
            "ForAllValues with an empty set is true",
            #"{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment"]}}"#,
            ["aws:TagKeys": []],
            true
        ),
        ConditionCase(
            "ForAnyValue:StringEquals — aws:TagKeys environment, cost-center: one matches",
            #"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}"#,
            ["aws:TagKeys": ["owner", "cost-center"]],
            true
        ),
        ConditionCase(
            "ForAnyValue — none matches",
            #"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}"#,
            ["aws:TagKeys": ["owner"]],
            false
        ),
        ConditionCase(
            "ForAnyValue with the key missing is false",
            #"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}"#,
            [:],
            false
        ),
        ConditionCase(
            "ForAnyValue:StringEqualsIfExists with the key missing is true",
            #"{"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["environment"]}}"#,
            [:],
            true
        ),
        ConditionCase(
            "ForAllValues:StringNotEquals — no request value in the list",
            #"{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}"#,
            ["aws:TagKeys": ["a", "b"]],
            true
        ),
        ConditionCase(
            "ForAnyValue:StringNotEquals — every request value in the list",
            #"{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}"#,
            ["aws:TagKeys": ["a", "b"]],
            false
        ),
        ConditionCase(
            "ForAnyValue:StringLike over service keys",
            #"{"ForAnyValue:StringLike": {"cognito-idp:AttributeNames": ["custom:*"]}}"#,
            ["cognito-idp:AttributeNames": ["email", "custom:tier"]],
            true
        ),
    ]

    @Test("condition operators as the IAM User Guide describes them", arguments: cases)
    func condition(_ testCase: ConditionCase) throws {
        let policy = try PolicyFixtures.allow("s3:GetObject", condition: testCase.condition)
        let decision = PolicyFixtures.evaluate(PolicyFixtures.alice, "s3:GetObject", context: testCase.context, identity: [policy])
        #expect(decision.isAllowed == testCase.holds)
    }

    @Test("every operator parses, with and without IfExists and qualifiers")
    func everyOperatorParses() {
        for base in PolicyConditionOperator.allCases {
            let names = [base.rawValue, "ForAnyValue:\(base.rawValue)", "ForAllValues:\(base.rawValue)"]
            for name in names {
                #expect(PolicyCondition.parseOperator(name) != nil, "\(name)")
                #expect((PolicyCondition.parseOperator(name + "IfExists") != nil) == (base != .null), "\(name)IfExists")
            }
        }
        #expect(PolicyCondition.parseOperator("stringequals") == nil)
    }

    @Test("dates: ISO 8601 forms and epoch seconds")
    func dates() {
        #expect(PolicyDate.seconds(from: "2024-03-05T10:20:30Z") == 1_709_634_030)
        #expect(PolicyDate.seconds(from: "2024-03-05T10:20:30.250Z") == 1_709_634_030.25)
        #expect(PolicyDate.seconds(from: "2024-03-05T11:20:30+0100") == 1_709_634_030)
        #expect(PolicyDate.seconds(from: "2024-03-05T05:20:30-05:00") == 1_709_634_030)
        #expect(PolicyDate.seconds(from: "2024-03-05T10:20Z") == 1_709_634_000)
        #expect(PolicyDate.seconds(from: "2024-02-29") == 1_709_164_800)
        #expect(PolicyDate.seconds(from: "1709634030") == 1_709_634_030)
        #expect(PolicyDate.seconds(from: "2023-02-29") == nil)
        #expect(PolicyDate.seconds(from: "2024-03-05T24:00:00Z") == nil)
        #expect(PolicyDate.seconds(from: "yesterday") == nil)
        #expect(PolicyDate.iso8601(PolicyFixtures.now) == "2024-03-05T10:20:30Z")
        #expect(PolicyDate.iso8601(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }

    @Test("IP ranges: IPv4, IPv6, compressed forms, embedded IPv4, bad input")
    func ipRanges() throws {
        let v4 = try #require(PolicyIPRange("10.1.0.0/16"))
        #expect(v4.contains("10.1.255.255") && !v4.contains("10.2.0.0"))
        let v6 = try #require(PolicyIPRange("2001:db8::/32"))
        #expect(v6.contains("2001:0DB8:ffff::1") && !v6.contains("2001:db9::1"))
        let mapped = try #require(PolicyIPRange("::ffff:192.0.2.0/120"))
        #expect(mapped.contains("::ffff:192.0.2.9"))
        #expect(PolicyIPRange("0.0.0.0/0")?.contains("8.8.8.8") == true)
        #expect(PolicyIPRange("10.0.0.0/33") == nil)
        #expect(PolicyIPRange("10.0.0/8") == nil)
        #expect(PolicyIPRange("1:2:3:4:5:6:7:8:9") == nil)
        #expect(PolicyIPRange("2001:db8::1::2") == nil)
        #expect(PolicyIPRange("256.0.0.1") == nil)
        #expect(PolicyIPRange("2001:db8::+1") == nil)
        #expect(v4.contains("not an address") == false)
    }
}
