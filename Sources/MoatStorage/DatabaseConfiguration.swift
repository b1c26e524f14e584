/// Which database Moat stores its state in.
///
/// ``description`` never shows a password, so a configuration may be logged.
public enum DatabaseConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite database file, the single-node default (`<data directory>/moat.sqlite`).
    ///
    /// Opened in WAL mode with `synchronous=FULL`, `foreign_keys=ON` and a busy timeout; a new file is created with
    /// mode 0600 and its parent directory with mode 0700. See ``Database`` for the connection model.
    case sqlite(path: String)
    /// A private in-memory SQLite database, fresh and empty at each ``Database/open(_:logger:)``; for tests.
    case sqliteInMemory
    /// A PostgreSQL server, for several nodes sharing one database.
    ///
    /// `postgres://user:password@host:port/database?sslmode=disable` (scheme `postgres` or `postgresql`; user,
    /// password and database percent-encoded; port 5432 and database = user by default). `sslmode` is `disable`,
    /// `allow` or `prefer` (the default: TLS when the server offers it), or `require`, `verify-ca`, `verify-full`
    /// (TLS required, and the certificate and host name always verified against the system trust roots).
    case postgres(url: String)

    /// The dialect this configuration opens.
    public var dialect: DatabaseDialect {
        switch self {
        case .sqlite, .sqliteInMemory: .sqlite
        case .postgres: .postgres
        }
    }

    /// Checks the configuration without connecting (a PostgreSQL URL is parsed), so a command line can reject it early.
    ///
    /// - Throws: ``StorageError/invalidConfiguration`` saying what is wrong, without quoting the password.
    public func validate() throws {
        switch self {
        case .sqlite(let path):
            guard !path.isEmpty else { throw StorageError(.invalidConfiguration, "the SQLite path is empty") }
        case .sqliteInMemory:
            break
        case .postgres(let url):
            _ = try PostgresURL(parsing: url)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .sqliteInMemory: "sqlite::memory:"
        case .postgres(let url): (try? PostgresURL(parsing: url).redacted) ?? "postgres:(invalid URL)"
        }
    }
}
