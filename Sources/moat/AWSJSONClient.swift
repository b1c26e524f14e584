import ArgumentParser
import Foundation
import MoatWire
import NIOHTTP1

/// A minimal awsJson 1.1 client of one service of a running Moat, signed with SigV4 (`moat logs`, `moat user`).
///
/// Credentials: MOAT_ROOT_ACCESS_KEY_ID / MOAT_ROOT_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
/// (and AWS_SESSION_TOKEN); endpoint: AWS_ENDPOINT_URL, else http://127.0.0.1:4566.
struct AWSJSONClient {
    let endpoint: URL
    let signer: RequestSigner
    /// The `X-Amz-Target` prefix: `Logs_20140328`, `AWSCognitoIdentityProviderService`.
    let targetPrefix: String

    init(service: String, targetPrefix: String, environment: [String: String]) throws {
        self.targetPrefix = targetPrefix
        let accessKeyId = environment["MOAT_ROOT_ACCESS_KEY_ID"] ?? environment["AWS_ACCESS_KEY_ID"]
        let secret = environment["MOAT_ROOT_SECRET_ACCESS_KEY"] ?? environment["AWS_SECRET_ACCESS_KEY"]
        guard let accessKeyId, let secret, !accessKeyId.isEmpty, !secret.isEmpty else {
            throw ValidationError("set MOAT_ROOT_ACCESS_KEY_ID and MOAT_ROOT_SECRET_ACCESS_KEY, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let sessionToken = environment["MOAT_ROOT_ACCESS_KEY_ID"] == nil ? environment["AWS_SESSION_TOKEN"] : nil
        guard let endpoint = URL(string: environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:4566"), endpoint.host != nil else {
            throw ValidationError("AWS_ENDPOINT_URL is not a URL")
        }
        self.endpoint = endpoint
        self.signer = RequestSigner(
            accessKeyId: accessKeyId,
            secretAccessKey: secret,
            sessionToken: sessionToken,
            region: environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1",
            service: service
        )
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func call(_ operation: String, _ input: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: input)
        let host = endpoint.port.map { "\(endpoint.host ?? ""):\($0)" } ?? (endpoint.host ?? "")
        let signed = signer.sign(
            method: "POST",
            path: "/",
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "\(targetPrefix).\(operation)"),
            ],
            body: Array(body),
            host: host,
            date: Date()
        )
        guard endpoint.scheme == "http", let hostName = endpoint.host else {
            throw Failure(description: "moat speaks plain HTTP to Moat; \(endpoint) is not an http:// URL")
        }
        let answer = try await PlainHTTPClient.send(
            host: hostName,
            port: endpoint.port ?? 80,
            method: .POST,
            path: "/",
            headers: signed.headers.filter { $0.name.lowercased() != "host" } + [(name: "Host", value: host)],
            body: Array(body)
        )
        let data = Data(answer.body)
        let status = answer.status
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard (200..<300).contains(status) else {
            let code = (object["__type"] as? String).map { $0.split(separator: "#").last.map(String.init) ?? $0 } ?? "HTTP \(status)"
            throw Failure(description: "\(code): \(object["message"] as? String ?? object["Message"] as? String ?? "")")
        }
        return object
    }
}
