#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a deployment package was refused by ``ZipArchive``.
///
/// The caller turns every case into Lambda's own error (AWS answers `InvalidParameterValueException`
/// "Could not unzip uploaded file..." for the structural cases and "Unzipped size must be smaller than ..."
/// for ``tooLarge(limit:)``); the cases here say what exactly was wrong, for logs and tests.
public enum ZipArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No end-of-central-directory record: the bytes are not a zip file.
    case notAZip
    /// A record or an entry's data runs past the end of the bytes.
    case truncated
    /// The records contradict each other (bad signature, count mismatch, overlapping entries, several disks...).
    case invalidStructure(String)
    /// An entry uses a compression method other than stored (0) or deflate (8).
    case unsupportedCompression(UInt16)
    /// An entry is encrypted (general purpose flag bit 0).
    case encrypted
    /// An entry's name, or a symbolic link's target, is absolute, climbs with `..`, holds a NUL byte, is empty,
    /// or (for a link or an entry below one) could lead outside the extraction directory.
    case unsafePath(String)
    /// Two file entries have the same normalised path. Refused rather than letting the last one win, so that no
    /// tool sees different contents than another.
    case duplicatePath(String)
    /// A path is used both as a file (or symbolic link) and as a directory.
    case conflictingPath(String)
    /// The entries would expand beyond ``ZipArchive/Limits/maximumUncompressedSize``.
    case tooLarge(limit: Int)
    /// The archive has more entries than ``ZipArchive/Limits/maximumEntries``.
    case tooManyEntries(limit: Int)
    /// An entry's data does not match the CRC-32 the central directory declares.
    case checksumMismatch(String)
    /// An entry's data inflates to more or fewer bytes than declared, or a stored entry's sizes differ.
    case sizeMismatch(String)
    /// An entry's deflate stream is invalid.
    case corruptData(String)
    /// Extraction failed in the file system (`errno` from the failing call).
    case cannotWrite(String, errno: Int32)

    public var description: String {
        switch self {
        case .notAZip: "not a zip file (no end of central directory record)"
        case .truncated: "zip file is truncated"
        case .invalidStructure(let reason): "invalid zip structure: \(reason)"
        case .unsupportedCompression(let method): "unsupported compression method \(method)"
        case .encrypted: "encrypted zip entries are not supported"
        case .unsafePath(let path): "unsafe path in zip: \(path.debugDescription)"
        case .duplicatePath(let path): "duplicate path in zip: \(path.debugDescription)"
        case .conflictingPath(let path): "path in zip is both a file and a directory: \(path.debugDescription)"
        case .tooLarge(let limit): "unzipped size must be smaller than \(limit) bytes"
        case .tooManyEntries(let limit): "zip has more than \(limit) entries"
        case .checksumMismatch(let path): "CRC-32 mismatch in \(path.debugDescription)"
        case .sizeMismatch(let path): "size mismatch in \(path.debugDescription)"
        case .corruptData(let path): "invalid compressed data in \(path.debugDescription)"
        case .cannotWrite(let path, let errno): "cannot write \(path.debugDescription): \(String(cString: strerror(errno)))"
        }
    }
}
