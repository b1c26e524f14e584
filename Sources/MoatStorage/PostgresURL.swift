import Foundation

/// A parsed `postgres://` URL. Parse errors name the part that is wrong and never quote the password.
struct PostgresURL: Sendable, Equatable {
    enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var sslMode: SSLMode

    init(parsing text: String) throws {
        func invalid(_ reason: String) -> StorageError {
            StorageError(.invalidConfiguration, "invalid PostgreSQL URL: \(reason)")
        }
        guard let components = URLComponents(string: text) else {
            throw invalid("expected postgres://user:password@host:port/database")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        guard let user = components.user, !user.isEmpty else {
            throw invalid("a user name is required")
        }
        guard let host = components.host, !host.isEmpty else {
            throw invalid("a host is required")
        }
        // URLComponents rejects some malformed ports itself; range-check the ones it accepts.
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else {
            throw invalid("the port must be between 1 and 65535")
        }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.contains("/") else {
            throw invalid("the path must be a single database name")
        }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                    let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw invalid("sslmode must be one of \(modes)")
                }
                sslMode = mode
            default:
                throw invalid("unsupported parameter '\(item.name)' (supported: sslmode)")
            }
        }
        self.user = user
        self.password = components.password
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.database = path.isEmpty ? user : path
        self.sslMode = sslMode
    }

    /// The URL with the password replaced by `***`, for logs.
    var redacted: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = self.user
        components.host = self.host.contains(":") ? "[\(self.host)]" : self.host
        components.port = self.port
        components.path = "/" + self.database
        components.queryItems = [URLQueryItem(name: "sslmode", value: self.sslMode.rawValue)]
        let text = components.string ?? "postgres://\(self.host)"
        guard self.password != nil, let at = text.range(of: "@") else { return text }
        return text.replacingCharacters(in: at, with: ":***@")
    }
}
