import MoatCodegen
import Testing

@Suite struct NamingTests {
    @Test(arguments: [
        ("UserName", "userName"),
        ("SAMLProviderList", "samlProviderList"),
        ("ARN", "arn"),
        ("Arn", "arn"),
        ("ID", "id"),
        ("PolicyARNs", "policyARNs"),
        ("ARNs", "arns"),
        ("IDsToKeep", "idsToKeep"),
        ("EC2InstanceId", "ec2InstanceId"),
        ("S3Bucket", "s3Bucket"),
        ("MFADevices", "mfaDevices"),
        ("IsTruncated", "isTruncated"),
        ("restApiId", "restApiId"),
        ("X509Certificate", "x509Certificate"),
        ("AWSAccountId", "awsAccountId"),
        ("", ""),
    ])
    func lowerCamel(name: String, expected: String) {
        #expect(Naming.lowerCamel(name) == expected)
    }

    @Test(arguments: [
        ("default", "`default`"),
        ("protocol", "`protocol`"),
        ("self", "`self`"),
        ("internal", "`internal`"),
        ("userName", "userName"),
        ("type", "type"),
    ])
    func escaping(name: String, expected: String) {
        #expect(Naming.escaped(name) == expected)
    }

    @Test(arguments: [
        ("Active", "active"),
        ("AWS_SERVICE", "awsService"),
        ("ADMIN_NO_SRP_AUTH", "adminNoSrpAuth"),
        ("nodejs18.x", "nodejs18X"),
        ("us-east-1", "usEast1"),
        ("PermissionsBoundaryPolicy", "permissionsBoundaryPolicy"),
        ("SHA-256", "sha256"),
        ("1_HOUR", "_1Hour"),
        ("application/json", "applicationJson"),
        ("", "_empty"),
        ("*", "_2a"),
    ])
    func enumCase(value: String, expected: String) {
        #expect(Naming.enumCase(value) == expected)
    }

    @Test(arguments: [
        ("NoSuchEntityException", "noSuchEntity"),
        ("IDPRejectedClaimException", "idpRejectedClaim"),
        ("ServiceFailureException", "serviceFailure"),
        ("InternalErrorException", "internalError"),
        ("InternalException", "internal"),
        ("Exception", "exception"),
        ("AuthorizationError", "authorizationError"),
    ])
    func errorName(shape: String, expected: String) {
        #expect(Naming.errorName(shape) == expected)
    }

    @Test func upperCamel() {
        #expect(Naming.upperCamel("statusType") == "StatusType")
        #expect(Naming.upperCamel("User") == "User")
    }

    @Test func uniqueNames() {
        var used: Set<String> = ["active"]
        #expect(Naming.unique("active", in: &used) == "active_2")
        #expect(Naming.unique("active", in: &used) == "active_3")
        #expect(Naming.unique("inactive", in: &used) == "inactive")
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        (#"[\w+=,.@-]+"#, ##"#"[\w+=,.@-]+"#"##),
        (#"say "hi""#, ##"#"say "hi""#"##),
        (##"odd"#"##, ###"##"odd"#"##"###),
        ("tab\there", #""tab\there""#),
        ("bell\u{7}", #""bell\u{7}""#),
    ])
    func stringLiterals(text: String, expected: String) {
        #expect(Naming.stringLiteral(text) == expected)
    }
}
