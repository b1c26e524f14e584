/// A Lambda deployment package: a zip file read from memory, validated before anything is inflated or written.
///
/// `init` parses the end-of-central-directory record (ZIP64 included), every central directory entry and every
/// local header, and refuses anything that is not a plain, unencrypted, stored-or-deflated archive with safe,
/// unique paths whose declared sizes fit ``Limits``. Nothing declared is trusted later either: ``data(of:)``
/// inflates at most the declared size (so at most ``Limits/maximumUncompressedSize`` in total) and checks the
/// CRC-32, and ``extract(to:)`` never writes through a symbolic link.
public struct ZipArchive: Sendable {
    /// Bounds on what a package may expand to.
    public struct Limits: Sendable, Equatable {
        /// Most entries (files, directories and links) an archive may hold.
        public var maximumEntries: Int
        /// Most bytes all entries may expand to together.
        public var maximumUncompressedSize: Int

        /// - Parameters:
        ///   - maximumEntries: most entries an archive may hold.
        ///   - maximumUncompressedSize: most bytes all entries may expand to together.
        public init(maximumEntries: Int, maximumUncompressedSize: Int) {
            self.maximumEntries = maximumEntries
            self.maximumUncompressedSize = maximumUncompressedSize
        }

        /// Lambda's unzipped deployment package quota (262,144,000 bytes) and 100,000 entries, enough for large
        /// `node_modules` trees while bounding the work one upload can cause.
        ///
        /// No compression ratio limit: inflation never produces more than the declared sizes, which must fit the
        /// total, so a ratio limit would only refuse legitimate sparse files.
        public static let lambda = Limits(maximumEntries: 100_000, maximumUncompressedSize: 262_144_000)
    }

    /// One file, directory or symbolic link of the archive.
    public struct Entry: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case file
            case directory
            /// The entry's data is the link target.
            case symbolicLink
        }

        /// Normalised relative path: `/`-separated, no `.` or empty components, no trailing slash.
        public let path: String
        public let kind: Kind
        /// The owner execute bit of the unix mode in the external attributes (false for archives made elsewhere).
        public let isExecutable: Bool
        /// Declared size once inflated.
        public let uncompressedSize: Int
        /// Declared CRC-32 of the inflated data.
        public let crc32: UInt32
        /// For a symbolic link, its target: relative, and resolving inside the archive.
        public internal(set) var symbolicLinkTarget: String?

        let method: UInt16
        let compressedSize: Int
        /// Offset of the local file header.
        let headerOffset: Int
        /// Offset of the entry's data, read from its local header.
        let dataOffset: Int

        public var isDirectory: Bool { kind == .directory }
        public var isSymbolicLink: Bool { kind == .symbolicLink }
    }

    let bytes: [UInt8]
    /// Entries in central directory order.
    public internal(set) var entries: [Entry]
    /// Total declared uncompressed size of all entries.
    public let uncompressedSize: Int

    /// Parses the central directory and every local header.
    ///
    /// - Parameters:
    ///   - bytes: the whole zip file.
    ///   - limits: bounds on entries and total uncompressed size.
    /// - Throws: ``ZipArchiveError`` for anything that is not a well-formed, supported, safe archive.
    public init(_ bytes: [UInt8], limits: Limits = .lambda) throws(ZipArchiveError) {
        self.bytes = bytes
        let directory = try Self.findCentralDirectory(bytes)
        guard directory.count <= limits.maximumEntries else { throw .tooManyEntries(limit: limits.maximumEntries) }

        var reader = ByteReader(bytes: bytes, offset: directory.offset)
        var entries: [Entry] = []
        entries.reserveCapacity(directory.count)
        var total = 0
        for _ in 0..<directory.count {
            let entry = try Self.readEntry(&reader, bytes: bytes, end: directory.offset)
            guard entry.uncompressedSize <= limits.maximumUncompressedSize - total else {
                throw .tooLarge(limit: limits.maximumUncompressedSize)
            }
            total += entry.uncompressedSize
            entries.append(entry)
        }
        guard reader.offset == directory.offset + directory.size else {
            throw .invalidStructure("central directory size does not match its entries")
        }
        try Self.checkOverlaps(entries)
        try Self.checkPaths(entries)
        self.entries = entries
        self.uncompressedSize = total
        try resolveSymbolicLinks()
    }
}

// MARK: - Records

extension ZipArchive {
    private enum Signature {
        static let localHeader: UInt32 = 0x0403_4b50
        static let centralHeader: UInt32 = 0x0201_4b50
        static let end: UInt32 = 0x0605_4b50
        static let zip64End: UInt32 = 0x0606_4b50
        static let zip64Locator: UInt32 = 0x0706_4b50
    }

    private struct CentralDirectory {
        var offset: Int
        var size: Int
        var count: Int
    }

    /// Finds the end-of-central-directory record (the last one whose comment fits), then the ZIP64 record if any.
    private static func findCentralDirectory(_ bytes: [UInt8]) throws(ZipArchiveError) -> CentralDirectory {
        let minimumEnd = 22
        guard bytes.count >= minimumEnd else { throw .notAZip }
        var candidate = bytes.count - minimumEnd
        let lowest = max(0, candidate - 0xFFFF)
        var endOffset: Int?
        while candidate >= lowest {
            if bytes[candidate] == 0x50, bytes[candidate + 1] == 0x4b, bytes[candidate + 2] == 0x05, bytes[candidate + 3] == 0x06 {
                let commentLength = Int(bytes[candidate + 20]) | Int(bytes[candidate + 21]) << 8
                if candidate + minimumEnd + commentLength <= bytes.count {
                    endOffset = candidate
                    break
                }
            }
            candidate -= 1
        }
        guard let endOffset else { throw .notAZip }

        var reader = ByteReader(bytes: bytes, offset: endOffset + 4)
        let disk = try reader.u16()
        let directoryDisk = try reader.u16()
        let entriesOnDisk = try reader.u16()
        var count = Int(try reader.u16())
        var size = Int(try reader.u32())
        var offset = Int(try reader.u32())
        var directoryEnd = endOffset

        // A ZIP64 locator sits right before the classic record.
        var locator = ByteReader(bytes: bytes, offset: endOffset - 20)
        if endOffset >= 20, try locator.u32() == Signature.zip64Locator {
            let zip64Disk = try locator.u32()
            let zip64Offset = try locator.offsetValue()
            let diskCount = try locator.u32()
            guard zip64Disk == 0, diskCount <= 1 else { throw .invalidStructure("archive spans several disks") }
            guard zip64Offset <= endOffset - 20 - 56 else { throw .truncated }
            var record = ByteReader(bytes: bytes, offset: zip64Offset)
            guard try record.u32() == Signature.zip64End else { throw .invalidStructure("bad ZIP64 end record signature") }
            _ = try record.u64()  // record size
            _ = try record.u16()  // version made by
            _ = try record.u16()  // version needed
            let disk64 = try record.u32()
            let directoryDisk64 = try record.u32()
            let entriesOnDisk64 = try record.u64()
            let count64 = try record.u64()
            guard disk64 == 0, directoryDisk64 == 0, entriesOnDisk64 == count64 else {
                throw .invalidStructure("archive spans several disks")
            }
            guard let exactCount = Int(exactly: count64) else { throw .invalidStructure("entry count out of range") }
            count = exactCount
            size = try record.offsetValue()
            offset = try record.offsetValue()
            directoryEnd = zip64Offset
        } else {
            guard disk == 0, directoryDisk == 0, Int(entriesOnDisk) == count else {
                throw .invalidStructure("archive spans several disks")
            }
        }
        guard offset <= directoryEnd, size <= directoryEnd - offset else { throw .truncated }
        // Each central entry takes at least 46 bytes: refuses absurd counts before reserving memory for them.
        guard count <= size / 46 else { throw .invalidStructure("central directory too small for its entry count") }
        return CentralDirectory(offset: offset, size: size, count: count)
    }

    private static let unixHost: UInt8 = 3
    private static let modeTypeMask: UInt32 = 0o170000
    private static let modeDirectory: UInt32 = 0o040000
    private static let modeSymbolicLink: UInt32 = 0o120000
    private static let modeRegular: UInt32 = 0o100000

    /// Reads one central directory entry and its local header.
    private static func readEntry(_ reader: inout ByteReader, bytes: [UInt8], end: Int) throws(ZipArchiveError) -> Entry {
        guard try reader.u32() == Signature.centralHeader else { throw .invalidStructure("bad central directory entry signature") }
        let versionMadeBy = try reader.u16()
        _ = try reader.u16()  // version needed
        let flags = try reader.u16()
        let method = try reader.u16()
        _ = try reader.u32()  // modification time and date
        let crc = try reader.u32()
        let compressed32 = try reader.u32()
        let uncompressed32 = try reader.u32()
        let nameLength = Int(try reader.u16())
        let extraLength = Int(try reader.u16())
        let commentLength = Int(try reader.u16())
        let startDisk = try reader.u16()
        _ = try reader.u16()  // internal attributes
        let externalAttributes = try reader.u32()
        let headerOffset32 = try reader.u32()
        let nameBytes = try reader.bytes(nameLength)
        let extra = try reader.bytes(extraLength)
        _ = try reader.bytes(commentLength)

        guard flags & 0x1 == 0, flags & 0x40 == 0 else { throw .encrypted }  // bit 6: strong encryption
        guard method == 0 || method == 8 else { throw .unsupportedCompression(method) }

        // ZIP64 extended information: each field present only when its classic field is saturated.
        var compressedSize = Int(compressed32)
        var uncompressedSize = Int(uncompressed32)
        var headerOffset = Int(headerOffset32)
        var diskNumber = UInt32(startDisk)
        if compressed32 == 0xFFFF_FFFF || uncompressed32 == 0xFFFF_FFFF || headerOffset32 == 0xFFFF_FFFF || startDisk == 0xFFFF {
            guard var field = try extraField(0x0001, in: extra, bytes: bytes) else {
                throw .invalidStructure("missing ZIP64 extended information")
            }
            if uncompressed32 == 0xFFFF_FFFF { uncompressedSize = try field.offsetValue() }
            if compressed32 == 0xFFFF_FFFF { compressedSize = try field.offsetValue() }
            if headerOffset32 == 0xFFFF_FFFF { headerOffset = try field.offsetValue() }
            if startDisk == 0xFFFF { diskNumber = try field.u32() }
        }
        guard diskNumber == 0 else { throw .invalidStructure("archive spans several disks") }

        let path = try normalisedPath(nameBytes)
        let mode = versionMadeBy >> 8 == unixHost ? externalAttributes >> 16 : 0
        let kind: Entry.Kind
        if nameBytes.last == UInt8(ascii: "/") || nameBytes.last == UInt8(ascii: "\\") || mode & modeTypeMask == modeDirectory
            || (mode == 0 && externalAttributes & 0x10 != 0)
        {
            kind = .directory
        } else if mode & modeTypeMask == modeSymbolicLink {
            kind = .symbolicLink
        } else if mode & modeTypeMask == 0 || mode & modeTypeMask == modeRegular {
            kind = .file
        } else {
            throw .unsafePath(path)  // device, fifo or socket
        }
        if method == 0, compressedSize != uncompressedSize { throw .sizeMismatch(path) }

        // The local header: its name and extra lengths may differ from the central ones, so the data offset is read here.
        guard headerOffset <= end - 30 else { throw .truncated }
        var local = ByteReader(bytes: bytes, offset: headerOffset)
        guard try local.u32() == Signature.localHeader else { throw .invalidStructure("bad local header signature for \(path)") }
        _ = try local.u16()  // version needed
        let localFlags = try local.u16()
        let localMethod = try local.u16()
        _ = try local.bytes(16)  // time, date, CRC-32, sizes: the central directory's are authoritative
        let localNameLength = Int(try local.u16())
        let localExtraLength = Int(try local.u16())
        let localName = try local.bytes(localNameLength)
        _ = try local.bytes(localExtraLength)
        guard localFlags & 0x41 == 0 else { throw .encrypted }
        guard localMethod == method, localName.elementsEqual(nameBytes) else {
            throw .invalidStructure("local header of \(path) does not match the central directory")
        }
        let dataOffset = local.offset
        guard dataOffset <= end, compressedSize <= end - dataOffset else { throw .truncated }

        return Entry(
            path: path,
            kind: kind,
            isExecutable: mode & 0o100 != 0,
            uncompressedSize: kind == .directory ? 0 : uncompressedSize,
            crc32: crc,
            symbolicLinkTarget: nil,
            method: method,
            compressedSize: kind == .directory ? 0 : compressedSize,
            headerOffset: headerOffset,
            dataOffset: dataOffset
        )
    }

    /// The body of the extra field with `id`, if present.
    private static func extraField(_ id: UInt16, in extra: ArraySlice<UInt8>, bytes: [UInt8]) throws(ZipArchiveError) -> ByteReader? {
        var reader = ByteReader(bytes: bytes, offset: extra.startIndex)
        while reader.offset + 4 <= extra.endIndex {
            let fieldID = try reader.u16()
            let length = Int(try reader.u16())
            guard length <= extra.endIndex - reader.offset else { throw .invalidStructure("extra field overruns its entry") }
            if fieldID == id { return ByteReader(bytes: bytes, offset: reader.offset, end: reader.offset + length) }
            reader.offset += length
        }
        return nil
    }

    /// Refuses entries whose local header and data share bytes with another's: the overlapping-file zip bomb,
    /// and archives that show different contents to different tools.
    private static func checkOverlaps(_ entries: [Entry]) throws(ZipArchiveError) {
        let sorted = entries.sorted { $0.headerOffset < $1.headerOffset }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.dataOffset + previous.compressedSize > next.headerOffset {
            throw .invalidStructure("entries \(previous.path) and \(next.path) overlap")
        }
    }
}

// MARK: - Byte reading

/// Little-endian reads that throw ``ZipArchiveError/truncated`` instead of trapping.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(bytes: [UInt8], offset: Int, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    mutating func u16() throws(ZipArchiveError) -> UInt16 {
        guard offset >= 0, offset <= end - 2 else { throw .truncated }
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    mutating func u32() throws(ZipArchiveError) -> UInt32 {
        guard offset >= 0, offset <= end - 4 else { throw .truncated }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    mutating func u64() throws(ZipArchiveError) -> UInt64 {
        let low = try u32()
        let high = try u32()
        return UInt64(high) << 32 | UInt64(low)
    }

    /// A 64-bit size or offset; values that do not fit an `Int` cannot be inside the bytes anyway.
    mutating func offsetValue() throws(ZipArchiveError) -> Int {
        guard let value = Int(exactly: try u64()) else { throw .truncated }
        return value
    }

    mutating func bytes(_ count: Int) throws(ZipArchiveError) -> ArraySlice<UInt8> {
        guard offset >= 0, count >= 0, offset <= end, count <= end - offset else { throw .truncated }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
