import ArgumentParser
import Foundation
import MoatCognito

#if canImport(Glibc)
import Glibc
#endif

/// `moat user …`: tutorial 004's `cognito_user.py` as a command: create a user of a pool and sign them in.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create and sign in Cognito users of a running Moat, printing their tokens.",
        discussion: """
            Talks to the Moat at AWS_ENDPOINT_URL (default http://127.0.0.1:4566), signing with MOAT_ROOT_ACCESS_KEY_ID / \
            MOAT_ROOT_SECRET_ACCESS_KEY, or else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. The app client must allow \
            ALLOW_ADMIN_USER_PASSWORD_AUTH. The password is read from the terminal without echo, or from the first line \
            of standard input when it is not a terminal.
            """,
        subcommands: [Create.self, Login.self]
    )

    struct Target: ParsableArguments {
        @Argument(help: "The username (an email address in pools that sign in with email).")
        var username: String

        @Argument(help: "The user pool id.")
        var userPoolId: String

        @Argument(help: "The app client id.")
        var clientId: String

        @Option(help: "The app client's secret, when it has one (for SECRET_HASH).")
        var clientSecret: String?
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user with a temporary password, set the password read from the prompt, print the tokens."
        )

        @OptionGroup var target: Target

        func run() async throws {
            let password = try readPassword()
            let client = try UserPoolAdmin(target: target)
            var attributes: [[String: String]] = []
            if target.username.contains("@") {
                attributes = [["Name": "email", "Value": target.username], ["Name": "email_verified", "Value": "true"]]
            }
            let temporary = UserPoolAdmin.temporaryPassword()
            _ = try await client.call(
                "AdminCreateUser",
                [
                    "UserPoolId": target.userPoolId, "Username": target.username, "TemporaryPassword": temporary,
                    "MessageAction": "SUPPRESS", "UserAttributes": attributes,
                ]
            )
            let started = try await client.signIn(password: temporary)
            guard started["ChallengeName"] as? String == "NEW_PASSWORD_REQUIRED", let session = started["Session"] as? String else {
                throw ValidationError("expected the NEW_PASSWORD_REQUIRED challenge, got \(started["ChallengeName"] ?? "tokens")")
            }
            var responses = ["USERNAME": target.username, "NEW_PASSWORD": password]
            if let hash = client.secretHash { responses["SECRET_HASH"] = hash }
            let answered = try await client.call(
                "AdminRespondToAuthChallenge",
                [
                    "UserPoolId": target.userPoolId, "ClientId": target.clientId, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                    "Session": session, "ChallengeResponses": responses,
                ]
            )
            try printTokens(answered)
        }
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a user in with the password read from the prompt; print the tokens.")

        @OptionGroup var target: Target

        func run() async throws {
            let password = try readPassword()
            let client = try UserPoolAdmin(target: target)
            let answer = try await client.signIn(password: password)
            if let challenge = answer["ChallengeName"] as? String {
                throw ValidationError("the user must answer \(challenge) first (moat user create sets a permanent password)")
            }
            try printTokens(answer)
        }
    }
}

/// The admin sign-in calls of the user commands.
struct UserPoolAdmin {
    let client: AWSJSONClient
    let target: UserCommand.Target

    init(target: UserCommand.Target) throws {
        client = try AWSJSONClient(
            service: "cognito-idp", targetPrefix: "AWSCognitoIdentityProviderService", environment: ProcessInfo.processInfo.environment)
        self.target = target
    }

    func call(_ operation: String, _ input: [String: Any]) async throws -> [String: Any] {
        try await client.call(operation, input)
    }

    /// `Base64(HMAC-SHA256(secret, username ‖ clientId))` when the client has a secret.
    var secretHash: String? {
        target.clientSecret.map { SecretHash.compute(secret: $0, username: target.username, clientId: target.clientId) }
    }

    /// AdminInitiateAuth with ADMIN_USER_PASSWORD_AUTH, as `cognito_user.py` signs in.
    func signIn(password: String) async throws -> [String: Any] {
        var parameters = ["USERNAME": target.username, "PASSWORD": password]
        if let secretHash { parameters["SECRET_HASH"] = secretHash }
        return try await call(
            "AdminInitiateAuth",
            ["UserPoolId": target.userPoolId, "ClientId": target.clientId, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": parameters]
        )
    }

    /// A throwaway password that meets any Cognito policy: it is replaced at once by the user's.
    static func temporaryPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return "Tmp-" + String((0..<24).map { _ in letters.randomElement(using: &generator)! }) + "a1A!"
    }
}

/// Prints `Token: ID_TOKEN` (what tutorial 004's script prints and its API calls carry), then the other tokens.
func printTokens(_ answer: [String: Any]) throws {
    guard let result = answer["AuthenticationResult"] as? [String: Any], let idToken = result["IdToken"] as? String else {
        throw ValidationError("the sign-in returned no tokens")
    }
    var lines = ["Token: \(idToken)"]
    if let access = result["AccessToken"] as? String { lines.append("AccessToken: \(access)") }
    if let refresh = result["RefreshToken"] as? String { lines.append("RefreshToken: \(refresh)") }
    FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
}

/// The password: from the terminal without echo, else the first line of standard input.
func readPassword() throws -> String {
    let password: String?
    if isatty(STDIN_FILENO) != 0 {
        FileHandle.standardError.write(Data("User password: ".utf8))
        var settings = termios()
        tcgetattr(STDIN_FILENO, &settings)
        var silent = settings
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        password = readLine(strippingNewline: true)
        tcsetattr(STDIN_FILENO, TCSANOW, &settings)
        FileHandle.standardError.write(Data("\n".utf8))
    } else {
        password = readLine(strippingNewline: true)
    }
    guard let password, !password.isEmpty else { throw ValidationError("no password given") }
    return password
}
