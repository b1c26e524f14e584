import MoatCognito
import MoatCore
import Testing

@Suite struct UserFilterTests {
    func parse(_ text: String?) throws -> UserFilter? { try UserFilter.parse(text) }

    @Test(arguments: [nil, "", " ", "\t \n"] as [String?])
    func emptyFiltersMeanNone(_ text: String?) throws {
        #expect(try parse(text) == nil)
    }

    @Test func parsesExactAndPrefixFilters() throws {
        #expect(try parse(#"email = "alice@example.com""#) == UserFilter(attribute: .email, kind: .equals, value: "alice@example.com"))
        #expect(try parse(#"email="alice@example.com""#) == UserFilter(attribute: .email, kind: .equals, value: "alice@example.com"))
        #expect(try parse(#"  given_name ^= "Jon"  "#) == UserFilter(attribute: .givenName, kind: .prefix, value: "Jon"))
        #expect(try parse(#"phone_number^="+4474""#) == UserFilter(attribute: .phoneNumber, kind: .prefix, value: "+4474"))
        #expect(try parse("family_name\t=\t\"Reddy\"") == UserFilter(attribute: .familyName, kind: .equals, value: "Reddy"))
        #expect(
            try parse(#"cognito:user_status = "FORCE_CHANGE_PASSWORD""#)
                == UserFilter(attribute: .userStatus, kind: .equals, value: "FORCE_CHANGE_PASSWORD"))
        #expect(try parse(#"status = "Disabled""#) == UserFilter(attribute: .status, kind: .equals, value: "Disabled"))
        #expect(try parse(#"email = """#) == UserFilter(attribute: .email, kind: .equals, value: ""))
        #expect(try parse(#"name = "  spaced  out  ""#) == UserFilter(attribute: .name, kind: .equals, value: "  spaced  out  "))
        #expect(try parse(#"name = "Zoë = ^= 🙂""#) == UserFilter(attribute: .name, kind: .equals, value: "Zoë = ^= 🙂"))
    }

    @Test(arguments: UserFilter.Attribute.allCases)
    func everySearchableAttributeParses(_ attribute: UserFilter.Attribute) throws {
        #expect(try parse("\(attribute.rawValue) = \"x\"") == UserFilter(attribute: attribute, kind: .equals, value: "x"))
        #expect(try parse("\(attribute.rawValue) ^= \"x\"") == UserFilter(attribute: attribute, kind: .prefix, value: "x"))
    }

    @Test func searchableAttributesAreAWSsList() {
        #expect(
            Set(UserFilter.Attribute.allCases.map(\.rawValue))
                == [
                    "username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status",
                    "status", "sub",
                ])
    }

    @Test func backslashEscapesTheNextCharacter() throws {
        #expect(try parse(#"name = "say \"hi\"""#)?.value == #"say "hi""#)
        #expect(try parse(#"name = "back\\slash""#)?.value == #"back\slash"#)
        #expect(try parse(#"name = "ends with \\""#)?.value == #"ends with \"#)
        #expect(try parse(#"name = "\"""#)?.value == #"""#)
        #expect(try parse(#"name = "\a\b""#)?.value == "ab")
    }

    @Test(arguments: [
        "foo", "email", "email =", "email = ", #"= "x""#, #"email "x""#, #"email == "x""#, #"email ^ "x""#, #"email != "x""#,
        #"email ~= "x""#, #"email => "x""#, "email = x", "email = 'x'", #"email = "unterminated"#, #"email = "trailing backslash\"#,
        #"email = "x" extra"#, #"email = "x" "y""#, #"email = "x"""#, #""email" = "x""#, #"email = "a" and name = "b""#,
        #"e mail = "x""#, #"email. = "x""#, #"émail = "x""#, #"email = “x”"#,
    ])
    func badSyntaxIsAParseError(_ text: String) {
        #expect(throws: ServiceError(Cognito.Errors.invalidParameter, "")) { try UserFilter.parse(text) }
        do {
            _ = try UserFilter.parse(text)
        } catch {
            #expect(error.code == "InvalidParameterException" && error.httpStatus == 400)
            #expect(error.message == "Error while parsing filter.")
        }
    }

    @Test(arguments: [
        (#"custom:department = "sales""#, "custom:department"),
        (#"dev:custom:secret ^= "x""#, "dev:custom:secret"),
        (#"Email = "a@b.c""#, "Email"),
        (#"address = "Main St""#, "address"),
        (#"email_verified = "true""#, "email_verified"),
        (#"user-name = "x""#, "user-name"),
    ])
    func unsearchableAttributesAreRefusedByName(_ text: String, _ name: String) {
        do {
            _ = try UserFilter.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.code == "InvalidParameterException")
            #expect(error.message == "Invalid search attribute: \(name)")
        }
    }

    // MARK: - Matching

    let attributes = [
        "sub": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "email": "Alice@Example.com", "phone_number": "+447400123456",
        "name": "Alice Liddell",
        "given_name": "Alice", "family_name": "Liddell", "preferred_username": "alice",
    ]

    func matches(
        _ filter: String, username: String = "Alice", status: String = "CONFIRMED", enabled: Bool = true, caseSensitive: Bool = false
    ) throws
        -> Bool
    {
        let parsed = try #require(try UserFilter.parse(filter))
        return parsed.matches(
            username: username, attributes: attributes, status: status, enabled: enabled, usernameCaseSensitive: caseSensitive)
    }

    @Test func exactAndPrefixMatchAttributes() throws {
        #expect(try matches(#"email = "Alice@Example.com""#))
        #expect(try !matches(#"email = "alice@example.com""#), "attribute values compare case-sensitively")
        #expect(try !matches(#"email = "Alice@Example""#))
        #expect(try matches(#"email ^= "Alice@""#))
        #expect(try matches(#"email ^= """#), "an empty prefix matches any user with the attribute")
        #expect(try !matches(#"email ^= "Alice@Example.com.au""#))
        #expect(try matches(#"phone_number ^= "+4474""#))
        #expect(try matches(#"name = "Alice Liddell""#))
        #expect(try matches(#"given_name = "Alice""#) && matches(#"family_name ^= "Lid""#))
        #expect(try matches(#"preferred_username = "alice""#))
        #expect(try matches(#"sub = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0""#))
        #expect(try matches(#"sub ^= "0f1e""#))
    }

    @Test func aMissingAttributeNeverMatches() throws {
        let filter = try #require(try UserFilter.parse(#"email ^= """#))
        #expect(!filter.matches(username: "bob", attributes: ["sub": "x"], status: "CONFIRMED", enabled: true, usernameCaseSensitive: true))
    }

    @Test func usernameFollowsThePoolsCaseSensitivity() throws {
        #expect(try matches(#"username = "alice""#, caseSensitive: false))
        #expect(try matches(#"username ^= "ALI""#, caseSensitive: false))
        #expect(try !matches(#"username = "alice""#, caseSensitive: true))
        #expect(try matches(#"username = "Alice""#, caseSensitive: true))
        #expect(try !matches(#"username = "Alic""#, caseSensitive: false))
    }

    @Test func userStatusIgnoresCase() throws {
        #expect(try matches(#"cognito:user_status = "CONFIRMED""#))
        #expect(try matches(#"cognito:user_status = "confirmed""#))
        #expect(try matches(#"cognito:user_status ^= "Conf""#))
        #expect(try !matches(#"cognito:user_status = "UNCONFIRMED""#))
        #expect(try matches(#"cognito:user_status = "force_change_password""#, status: "FORCE_CHANGE_PASSWORD"))
    }

    @Test func statusIsEnabledOrDisabledCaseSensitively() throws {
        #expect(try matches(#"status = "Enabled""#, enabled: true))
        #expect(try !matches(#"status = "Enabled""#, enabled: false))
        #expect(try matches(#"status = "Disabled""#, enabled: false))
        #expect(try !matches(#"status = "enabled""#, enabled: true))
        #expect(try matches(#"status ^= "Dis""#, enabled: false))
    }

    @Test func valuesCompareWithoutNormalization() throws {
        let composed = try #require(try UserFilter.parse("name = \"Zo\u{EB}\""))
        #expect(
            composed.matches(
                username: "z", attributes: ["name": "Zo\u{EB}"], status: "CONFIRMED", enabled: true, usernameCaseSensitive: true))
        #expect(
            !composed.matches(
                username: "z", attributes: ["name": "Zoe\u{308}"], status: "CONFIRMED", enabled: true, usernameCaseSensitive: true))
        let prefix = try #require(try UserFilter.parse("name ^= \"Zoe\""))
        #expect(
            prefix.matches(
                username: "z", attributes: ["name": "Zoe\u{308}"], status: "CONFIRMED", enabled: true, usernameCaseSensitive: true))
    }

    @Test func escapedValuesMatchTheUnescapedText() throws {
        let filter = try #require(try UserFilter.parse(#"name = "The \"Boss\" \\o/""#))
        #expect(
            filter.matches(
                username: "b", attributes: ["name": #"The "Boss" \o/"#], status: "CONFIRMED", enabled: true, usernameCaseSensitive: true))
    }
}
