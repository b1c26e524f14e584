import Crypto
import CryptoExtras
import Foundation
import MoatCognito
import MoatCore
import MoatTokenVerifier
import Synchronization

/// A user pool's signing key as Moat holds it, with its private half at hand for tokens Moat would never sign.
struct TestKey: Sendable {
    /// Key generation is slow in a debug build: the suites share three keys.
    static let pool = try! TestKey()
    static let otherPool = try! TestKey()
    static let rotatedIn = try! TestKey()

    let moat: TokenSigningKey
    let privateKey: _RSA.Signing.PrivateKey

    init() throws {
        moat = try TokenSigningKey.generate()
        privateKey = try _RSA.Signing.PrivateKey(derRepresentation: moat.pkcs8DER)
    }

    var kid: String { moat.kid }

    /// A token as Moat's Cognito signs it.
    func sign(_ claims: JSONValue) throws -> String {
        try TokenSigner.sign(claims: claims, with: moat)
    }

    /// A token with any header, RS256-signed with this key whatever the header says.
    func sign(header: JSONValue, claims: JSONValue) throws -> String {
        let input = Self.encode(header) + "." + Self.encode(claims)
        let signature = try privateKey.signature(for: Array(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// A JSON value as a base64url token part.
    static func encode(_ value: JSONValue) -> String {
        var text = ""
        JSONWriter.write(value, into: &text)
        return Base64URL.encode(Array(text.utf8))
    }

    /// The JWKS document Moat serves for these keys.
    static func jwks(_ keys: TestKey...) -> String { JWKS.json(keys: keys.map(\.moat)) }

    /// The key set of these keys.
    static func set(_ keys: TestKey...) throws -> JSONWebKeySet {
        try JSONWebKeySet(json: Array(JWKS.json(keys: keys.map(\.moat)).utf8))
    }
}

/// Claims shaped as Moat's Cognito issues them (`CognitoService.issueTokens`).
enum Claims {
    static let issuer = "http://localhost:4566/us-east-1_TestPool1"
    static let client = "5eb9ctkq1cg0rk5ti2mdv9ntvl"
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func id(
        issuer: String = issuer,
        audience: JSONValue = .string(client),
        tokenUse: String = "id",
        issuedAt: Date = now,
        lifetime: Int64 = 3600
    ) -> JSONValue {
        let iat = Int64(issuedAt.timeIntervalSince1970)
        return .object([
            ("sub", .string("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
            ("cognito:groups", .array([.string("admins"), .string("staff")])),
            ("email_verified", .bool(true)),
            ("iss", .string(issuer)),
            ("cognito:username", .string("alice")),
            ("origin_jti", .string("6a7b8c9d-0000-4000-8000-000000000001")),
            ("aud", audience),
            ("event_id", .string("6a7b8c9d-0000-4000-8000-000000000002")),
            ("token_use", .string(tokenUse)),
            ("auth_time", .number(String(iat))),
            ("exp", .number(String(iat + lifetime))),
            ("iat", .number(String(iat))),
            ("jti", .string("6a7b8c9d-0000-4000-8000-000000000003")),
            ("email", .string("alice@example.com")),
            ("custom:tenant", .string("acme")),
        ])
    }

    static func access(
        issuer: String = issuer,
        clientId: String = client,
        scope: String = "aws.cognito.signin.user.admin orders/read",
        tokenUse: String = "access",
        issuedAt: Date = now,
        lifetime: Int64 = 3600
    ) -> JSONValue {
        let iat = Int64(issuedAt.timeIntervalSince1970)
        return .object([
            ("sub", .string("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
            ("cognito:groups", .array([.string("admins")])),
            ("iss", .string(issuer)),
            ("client_id", .string(clientId)),
            ("origin_jti", .string("6a7b8c9d-0000-4000-8000-000000000001")),
            ("event_id", .string("6a7b8c9d-0000-4000-8000-000000000002")),
            ("token_use", .string(tokenUse)),
            ("scope", .string(scope)),
            ("auth_time", .number(String(iat))),
            ("exp", .number(String(iat + lifetime))),
            ("iat", .number(String(iat))),
            ("jti", .string("6a7b8c9d-0000-4000-8000-000000000004")),
            ("username", .string("alice")),
        ])
    }

    /// `claims` with one member replaced (or added at the end).
    static func with(_ claims: JSONValue, _ name: String, _ value: JSONValue) -> JSONValue {
        var members = claims.members ?? []
        if let index = members.firstIndex(where: { $0.key == name }) {
            members[index].value = value
        } else {
            members.append((name, value))
        }
        return .object(members)
    }

    /// `claims` without one member.
    static func without(_ claims: JSONValue, _ name: String) -> JSONValue {
        .object((claims.members ?? []).filter { $0.key != name })
    }
}

/// A key source that answers from a script and records every call, in order.
///
/// Each call takes the next answer of the script; the last answer is repeated.
final class ScriptedKeySource: JSONWebKeySource {
    private let state: Mutex<(answers: [JSONWebKeySet?], calls: [Bool])>

    /// - Parameter answers: the sets to answer, one per call; nil answers with an error.
    init(_ answers: [JSONWebKeySet?]) {
        state = Mutex((answers, []))
    }

    /// The `refresh` argument of every call so far.
    var calls: [Bool] { state.withLock { $0.calls } }

    func keys(refresh: Bool) async throws -> JSONWebKeySet {
        let answer = state.withLock { state in
            state.calls.append(refresh)
            return state.answers.count > 1 ? state.answers.removeFirst() : state.answers.first ?? nil
        }
        guard let answer else { throw SourceFailure() }
        return answer
    }

    struct SourceFailure: Error {}
}

/// A clock that moves only when told to.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Claims.now) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}
