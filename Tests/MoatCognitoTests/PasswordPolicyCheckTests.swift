import MoatCognito
import MoatCore
import Testing

@Suite struct PasswordPolicyCheckTests {
    typealias Policy = Cognito.PasswordPolicyType

    func message(_ password: String, _ policy: Policy? = nil, wording: PasswordPolicyWording = .didNotConform) -> String? {
        PasswordPolicyCheck.violation(of: password, policy: policy)?.message(member: "password", wording: wording)
    }

    @Test func defaultPolicyAcceptsAStrongPassword() {
        #expect(PasswordPolicyCheck.violation(of: "Passw0rd!", policy: nil) == nil)
        #expect(PasswordPolicyCheck.invalidPasswordMessage(for: "Passw0rd!", policy: nil) == nil)
        #expect(PasswordPolicyCheck.violation(of: "Passw0rd!", policy: PasswordPolicyCheck.defaultPolicy) == nil)
    }

    @Test func eachRuleHasAWSsMessage() {
        #expect(message("Pa0!xyz") == "Password did not conform with policy: Password not long enough")
        #expect(message("PASSW0RD!") == "Password did not conform with policy: Password must have lowercase characters")
        #expect(message("passw0rd!") == "Password did not conform with policy: Password must have uppercase characters")
        #expect(message("Password!") == "Password did not conform with policy: Password must have numeric characters")
        #expect(message("Passw0rdd") == "Password did not conform with policy: Password must have symbol characters")
    }

    @Test func theOtherOperationsWordItDifferently() {
        #expect(message("Pa0!xyz", wording: .doesNotConform) == "Password does not conform to policy: Password not long enough")
        #expect(
            message("PASSW0RD!", wording: .doesNotConform) == "Password does not conform to policy: Password must have lowercase characters"
        )
        #expect(
            message("passw0rd!", wording: .doesNotConform) == "Password does not conform to policy: Password must have uppercase characters"
        )
        #expect(
            message("Password!", wording: .doesNotConform) == "Password does not conform to policy: Password must have numeric characters")
        #expect(
            message("Passw0rdd", wording: .doesNotConform) == "Password does not conform to policy: Password must have symbol characters")
        #expect(
            PasswordPolicyCheck.invalidPasswordMessage(for: "Passw0rdd", policy: nil, wording: .doesNotConform)
                == "Password does not conform to policy: Password must have symbol characters")
    }

    @Test func rulesApplyInCognitosOrder() {
        // Length first, then lowercase, uppercase, numbers, symbols: "12341234" is reported for lowercase and
        // "TestTest" for numbers, as clients observe.
        #expect(PasswordPolicyCheck.violation(of: "short", policy: nil) == .tooShort)
        #expect(PasswordPolicyCheck.violation(of: "12341234", policy: nil) == .missingLowercase)
        #expect(PasswordPolicyCheck.violation(of: "TestTest", policy: nil) == .missingNumber)
        #expect(PasswordPolicyCheck.violation(of: "testtest", policy: nil) == .missingUppercase)
        #expect(PasswordPolicyCheck.violation(of: "!!!!!!!!", policy: nil) == .missingLowercase)
        // Input validation comes before the policy.
        #expect(PasswordPolicyCheck.violation(of: " a", policy: nil) == .invalidParameter(tooLong: false, whitespace: true))
    }

    @Test func rulesTheFlagsDoNotRequireAreNotApplied() {
        let lengthOnly = Policy(
            minimumLength: 6, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: false)
        #expect(PasswordPolicyCheck.violation(of: "abcdef", policy: lengthOnly) == nil)
        #expect(PasswordPolicyCheck.violation(of: "123456", policy: lengthOnly) == nil)
        #expect(PasswordPolicyCheck.violation(of: "abcde", policy: lengthOnly) == .tooShort)

        let symbolsOnly = Policy(
            minimumLength: 6, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: true)
        #expect(PasswordPolicyCheck.violation(of: "abcdef", policy: symbolsOnly) == .missingSymbol)
        #expect(PasswordPolicyCheck.violation(of: "abcde!", policy: symbolsOnly) == nil)

        let long = Policy(minimumLength: 99, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: false)
        #expect(PasswordPolicyCheck.violation(of: String(repeating: "a", count: 98), policy: long) == .tooShort)
        #expect(PasswordPolicyCheck.violation(of: String(repeating: "a", count: 99), policy: long) == nil)
    }

    @Test func membersLeftOutOfAPolicyReadAsCognitoStoresThem() {
        let empty = Policy()
        #expect(
            EffectivePasswordPolicy(empty)
                == EffectivePasswordPolicy(
                    Policy(minimumLength: 8, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: false)
                ))
        #expect(PasswordPolicyCheck.violation(of: "abcdefgh", policy: empty) == nil)
        #expect(PasswordPolicyCheck.violation(of: "abcdefg", policy: empty) == .tooShort)

        let none = EffectivePasswordPolicy(nil)
        #expect(none.minimumLength == 8 && none.requireUppercase && none.requireLowercase && none.requireNumbers && none.requireSymbols)
    }

    @Test func everyDocumentedSymbolCounts() {
        let documented = #"^$*.[]{}()?"!@#%&/\,><':;|_~`=+-"#
        #expect(PasswordPolicyCheck.symbols.count == documented.unicodeScalars.count + 1, "the list plus the space")
        for symbol in documented {
            #expect(PasswordPolicyCheck.violation(of: "Passw0rd\(symbol)", policy: nil) == nil, "\(symbol)")
            #expect(PasswordPolicyCheck.violation(of: "\(symbol)Passw0rd", policy: nil) == nil, "\(symbol)")
        }
        // The space is a symbol inside a password.
        #expect(PasswordPolicyCheck.violation(of: "Pass w0rd", policy: nil) == nil)
        #expect(PasswordPolicyCheck.violation(of: "correct Horse battery 5taple", policy: nil) == nil)
    }

    @Test func onlyBasicLatinLettersAndASCIIDigitsCount() {
        // Other characters are accepted but count for no class.
        #expect(PasswordPolicyCheck.violation(of: "PÄSSW0RD!", policy: nil) == .missingLowercase)
        #expect(PasswordPolicyCheck.violation(of: "pässw0rd!", policy: nil) == .missingUppercase)
        #expect(PasswordPolicyCheck.violation(of: "ÄÖÜäöüß0!", policy: nil) == .missingLowercase)
        #expect(PasswordPolicyCheck.violation(of: "Passw\u{663}rd!", policy: nil) == .missingNumber, "Arabic-Indic three")
        #expect(PasswordPolicyCheck.violation(of: "Passwor\u{FF10}!", policy: nil) == .missingNumber, "full-width zero")
        #expect(PasswordPolicyCheck.violation(of: "Passw0rd€", policy: nil) == .missingSymbol)
        #expect(PasswordPolicyCheck.violation(of: "Passw0rd§", policy: nil) == .missingSymbol)
        #expect(PasswordPolicyCheck.violation(of: "Pässw0rd!", policy: nil) == nil)
    }

    @Test func lengthCountsUnicodeScalars() {
        let lengthOnly = Policy(
            minimumLength: 8, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: false)
        #expect(PasswordPolicyCheck.violation(of: "🔑🔑🔑🔑🔑🔑🔑🔑", policy: lengthOnly) == nil)
        #expect(PasswordPolicyCheck.violation(of: "🔑🔑🔑🔑🔑🔑🔑", policy: lengthOnly) == .tooShort)
        // One grapheme, two scalars each.
        #expect(PasswordPolicyCheck.violation(of: String(repeating: "e\u{301}", count: 4), policy: lengthOnly) == nil)
    }

    @Test func cognitosLengthLimitIsInputValidation() throws {
        let longest = "Aa1!" + String(repeating: "a", count: 252)
        #expect(longest.unicodeScalars.count == 256)
        #expect(PasswordPolicyCheck.violation(of: longest, policy: nil) == nil)

        let violation = try #require(PasswordPolicyCheck.violation(of: longest + "a", policy: nil))
        #expect(violation == .invalidParameter(tooLong: true, whitespace: false))
        #expect(violation.isInvalidParameter && violation.descriptor == Cognito.Errors.invalidParameter)
        #expect(
            violation.message(member: "password", wording: .didNotConform)
                == "1 validation error detected: Value at 'password' failed to satisfy constraint: "
                + "Member must have length less than or equal to 256")
        #expect(PasswordPolicyCheck.invalidPasswordMessage(for: longest + "a", policy: nil) == nil, "not a policy message")
    }

    @Test(arguments: [
        " Passw0rd!", "Passw0rd! ", "\tPassw0rd!", "Passw0rd!\n", "\r\nPassw0rd!", "Passw0rd!\u{0B}", "Passw0rd!\u{0C}", "Pass \n w0rd!",
        "Pass\r\nw0rd!", "Pass \u{2028} w0rd!", "", "a", " ", "        ",
    ])
    func leadingOrTrailingWhitespaceIsRefusedAsInputValidation(_ password: String) throws {
        let violation = try #require(PasswordPolicyCheck.violation(of: password, policy: nil))
        #expect(violation == .invalidParameter(tooLong: false, whitespace: true))
        #expect(
            violation.message(member: "proposedPassword", wording: .doesNotConform)
                == "1 validation error detected: Value at 'proposedPassword' failed to satisfy constraint: "
                + #"Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$"#)
        #expect(violation.serviceError(member: "password", wording: .didNotConform).code == "InvalidParameterException")
    }

    @Test func whitespaceInsideIsAllowed() {
        for password in ["Pass w0rd!", "Pass   w0rd!", "Pass\tw0rd!", "Pass \t w0rd!", "Pass\u{2028}w0rd!", "Pass\u{A0}w0rd!"] {
            #expect(PasswordPolicyCheck.violation(of: password, policy: nil) == nil, "\(password.debugDescription)")
        }
    }

    @Test func bothInputRulesAreReportedTogether() {
        let violation = PasswordPolicyCheck.violation(of: " " + String(repeating: "Aa1!", count: 64), policy: nil)
        #expect(violation == .invalidParameter(tooLong: true, whitespace: true))
        #expect(
            violation?.message(member: "password", wording: .didNotConform)
                == "2 validation errors detected: "
                + "Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256; "
                + #"Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$"#)
    }

    @Test func policyViolationsAreInvalidPasswordExceptions() {
        let cases: [PasswordPolicyViolation] = [.tooShort, .missingLowercase, .missingUppercase, .missingNumber, .missingSymbol]
        for violation in cases {
            #expect(!violation.isInvalidParameter)
            let error = violation.serviceError(member: "password", wording: .didNotConform)
            #expect(error.code == "InvalidPasswordException" && error.httpStatus == 400)
            #expect(error.message == violation.message(member: "ignored", wording: .didNotConform))
        }
    }

    @Test func descriptionsNameCodeAndMessage() {
        #expect(
            PasswordPolicyViolation.tooShort.description
                == "InvalidPasswordException: Password did not conform with policy: Password not long enough")
        #expect(
            PasswordPolicyViolation.missingSymbol.description
                == "InvalidPasswordException: Password did not conform with policy: Password must have symbol characters")
        #expect(
            PasswordPolicyViolation.invalidParameter(tooLong: false, whitespace: true).description
                == "InvalidParameterException: 1 validation error detected: Value at 'password' failed to satisfy constraint: "
                + #"Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$"#)
    }

    @Test func temporaryPasswordsSatisfyRandomPolicies() {
        var generator = SystemRandomNumberGenerator()
        let unsafeForPasting: Set<Unicode.Scalar> = [" ", "\"", "'", "\\", "`"]
        for round in 0..<500 {
            let policy: Policy? =
                round % 10 == 0
                ? nil
                : Policy(
                    minimumLength: round % 7 == 0 ? nil : Int.random(in: 6...99, using: &generator),
                    requireUppercase: round % 11 == 0 ? nil : Bool.random(using: &generator),
                    requireLowercase: Bool.random(using: &generator),
                    requireNumbers: Bool.random(using: &generator),
                    requireSymbols: round % 13 == 0 ? nil : Bool.random(using: &generator))
            let password = PasswordPolicyCheck.generateTemporaryPassword(policy: policy)
            #expect(PasswordPolicyCheck.violation(of: password, policy: policy) == nil, "\(password) for \(String(describing: policy))")
            #expect(PasswordPolicyCheck.violation(of: password, policy: nil) == nil, "satisfies the strictest classes too")
            #expect(password.unicodeScalars.count == max(policy?.minimumLength ?? 8, 12))
            #expect(password.unicodeScalars.allSatisfy { $0.isASCII && !unsafeForPasting.contains($0) })
        }
    }

    @Test func temporaryPasswordsDiffer() {
        let passwords = Set((0..<200).map { _ in PasswordPolicyCheck.generateTemporaryPassword(policy: nil) })
        #expect(passwords.count == 200)
    }
}
