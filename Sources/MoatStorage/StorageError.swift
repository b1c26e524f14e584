import PostgresKit
import SQLiteKit

/// An error of the storage layer, in terms a domain can act on.
///
/// Drivers report failures in their own types (`SQLiteError`, `PSQLError`, connection-pool errors). The SQL handles
/// of ``Database`` translate the ones a domain must react to into a `StorageError`, so domains never import a
/// driver: `.uniqueViolation` becomes `EntityAlreadyExists` or `UsernameExistsException`, `.foreignKeyViolation` a
/// `DeleteConflict`, `.unavailable` the service's internal failure. Compare with `==`, which looks at the code only:
///
/// ```swift
/// } catch let error as StorageError where error == .uniqueViolation {
///     throw IAMErrors.entityAlreadyExists("User with name \(name) already exists.")
/// }
/// ```
///
/// ``message`` and ``description`` never contain SQL text, bound values or driver messages; the driver's error
/// stays in ``cause`` for operators' logs only.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: String, Sendable {
        case uniqueViolation
        case foreignKeyViolation
        case notFound
        case unavailable
        case invalidConfiguration
        case invalidMigration
    }

    let code: Code
    /// A short, client-safe explanation.
    public let message: String
    /// The driver error this one was translated from, for logs; never show it to clients.
    public let cause: (any Error)?

    init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A row with the same unique key (primary key or unique index) already exists.
    public static var uniqueViolation: StorageError { .init(.uniqueViolation, "a row with the same unique key already exists") }
    /// A foreign key would dangle: a referenced row is missing, or a row still referenced was deleted.
    public static var foreignKeyViolation: StorageError { .init(.foreignKeyViolation, "a foreign key constraint failed") }
    /// The row a store expected does not exist.
    public static var notFound: StorageError { .init(.notFound, "the requested row does not exist") }
    /// The database cannot serve the request now (unreachable, closed, busy, out of space).
    public static var unavailable: StorageError { .init(.unavailable, "the database is unavailable") }
    /// A ``DatabaseConfiguration`` is invalid (its message says why, never quoting a password).
    public static var invalidConfiguration: StorageError { .init(.invalidConfiguration, "the database configuration is invalid") }
    /// A list of ``Migration``s is invalid: duplicate names, an unknown placeholder.
    public static var invalidMigration: StorageError { .init(.invalidMigration, "the migration is invalid") }

    public var description: String { "StorageError.\(self.code.rawValue): \(self.message)" }

    public static func == (lhs: StorageError, rhs: StorageError) -> Bool { lhs.code == rhs.code }

    /// Turns a driver error into a ``StorageError`` when it is one a domain must handle; returns anything else
    /// unchanged (domain errors thrown from a transaction body pass through untouched).
    ///
    /// Recognised: SQLite `SQLITE_CONSTRAINT_UNIQUE` / `_PRIMARYKEY` / `_ROWID` and PostgreSQL SQLSTATE `23505` as
    /// ``uniqueViolation``; SQLite `SQLITE_CONSTRAINT_FOREIGNKEY` and PostgreSQL `23503` as ``foreignKeyViolation``;
    /// busy, locked, I/O, full-disk and unopenable SQLite databases, lost or refused PostgreSQL connections, server
    /// shutdowns (`57P01`–`57P03`), connection exceptions (class `08`), too many connections (`53300`) and
    /// connection-pool timeouts as ``unavailable``.
    ///
    /// - Parameter error: Any error; translating a ``StorageError`` again returns it unchanged.
    public static func translate(_ error: any Error) -> any Error {
        switch error {
        case let error as StorageError:
            return error
        case let error as SQLiteError:
            return self.translate(sqlite: error) ?? error
        case let error as PSQLError:
            return self.translate(postgres: error) ?? error
        case let error as ConnectionPoolError:
            return StorageError(.unavailable, "the database connection pool is shut down", cause: error)
        case let error as ConnectionPoolTimeoutError:
            return StorageError(.unavailable, "timed out waiting for a database connection", cause: error)
        default:
            return error
        }
    }

    private static func translate(sqlite error: SQLiteError) -> StorageError? {
        switch error.reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintUniqueRowIDFailed:
            return StorageError(.uniqueViolation, Self.uniqueViolation.message, cause: error)
        case .constraintForeignKeyFailed:
            return StorageError(.foreignKeyViolation, Self.foreignKeyViolation.message, cause: error)
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .lockedBySharedCache, .lockedVirtualTable,
            .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .cantOpenCygwinPath, .cantOpenUnfollowedSymlink,
            .full, .ioError, .ioErrorFailedRead, .ioErrorIncompleteRead, .ioErrorFailedWrite, .ioErrorFailedSync,
            .ioErrorFailedDirSync, .ioErrorFailedTruncate, .ioErrorFailedStat, .ioErrorFailedUnlock,
            .ioErrorFailedReadLock, .ioErrorFailedDelete, .ioErrorNoMemory, .ioErrorFailedAccess,
            .ioErrorFailedLockCheck, .ioErrorFailedAdvisoryLock, .ioErrorFailedClose, .ioErrorFailedSharedMemOpen,
            .ioErrorFailedSharedMemSize, .ioErrorFailedSharedMemMap, .ioErrorFailedDeleteNonexistent,
            .ioErrorFailedMemoryMap, .readOnly, .readonlyInRecovery, .readonlyCantLock, .readonlyInRollback,
            .readonlyBackingMoved, .readonlyDirectory, .noMemory:
            return StorageError(.unavailable, Self.unavailable.message, cause: error)
        default:
            return nil
        }
    }

    private static func translate(postgres error: PSQLError) -> StorageError? {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            switch state {
            case "23505":
                return StorageError(.uniqueViolation, Self.uniqueViolation.message, cause: error)
            case "23503":
                return StorageError(.foreignKeyViolation, Self.foreignKeyViolation.message, cause: error)
            case "53300", "57P01", "57P02", "57P03":
                return StorageError(.unavailable, Self.unavailable.message, cause: error)
            case _ where state.hasPrefix("08"):
                return StorageError(.unavailable, Self.unavailable.message, cause: error)
            default:
                return nil
            }
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
            .sslUnsupported, .failedToAddSSLHandler:
            return StorageError(.unavailable, Self.unavailable.message, cause: error)
        default:
            return nil
        }
    }
}
