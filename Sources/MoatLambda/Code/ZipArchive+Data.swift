import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ZipArchive {
    /// The entry's contents (a link's target for a symbolic link, empty for a directory).
    ///
    /// Inflates into a buffer of the declared size and stops as soon as the stream would exceed it, so a lying
    /// header cannot make this allocate or produce more than declared; then checks the CRC-32.
    /// - Parameter entry: one of ``entries``.
    public func data(of entry: Entry) throws(ZipArchiveError) -> [UInt8] {
        guard entry.kind != .directory else { return [] }
        guard entry.dataOffset >= 0, entry.compressedSize >= 0, entry.dataOffset <= bytes.count,
            entry.compressedSize <= bytes.count - entry.dataOffset
        else { throw .truncated }
        let input = entry.dataOffset..<entry.dataOffset + entry.compressedSize
        let output: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else { throw .sizeMismatch(entry.path) }
            output = Array(bytes[input])
        case 8:
            output = try Self.inflate(bytes[input], size: entry.uncompressedSize, path: entry.path)
        default:
            throw .unsupportedCompression(entry.method)
        }
        guard Self.crc32(output) == entry.crc32 else { throw .checksumMismatch(entry.path) }
        return output
    }

    private enum InflateOutcome {
        case complete
        case tooLong
        case tooShort
        case corrupt
        case outOfMemory
    }

    /// Raw deflate (window bits -15) into exactly `size` bytes.
    private static func inflate(_ input: ArraySlice<UInt8>, size: Int, path: String) throws(ZipArchiveError) -> [UInt8] {
        var outcome = InflateOutcome.corrupt
        let output = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = 0
            outcome = input.withUnsafeBufferPointer { source in
                inflate(source, into: buffer, produced: &initialized)
            }
            if outcome != .complete { initialized = 0 }
        }
        switch outcome {
        case .complete: return output
        case .tooLong, .tooShort: throw .sizeMismatch(path)
        case .corrupt: throw .corruptData(path)
        case .outOfMemory: throw .cannotWrite(path, errno: ENOMEM)
        }
    }

    private static func inflate(
        _ source: UnsafeBufferPointer<UInt8>,
        into destination: UnsafeMutableBufferPointer<UInt8>,
        produced: inout Int
    ) -> InflateOutcome {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return .outOfMemory }
        defer { inflateEnd(&stream) }

        // zlib counts in 32 bits: feed and drain in chunks.
        let chunk = Int(UInt32.max)
        var consumed = 0
        let probe = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        defer { probe.deallocate() }
        var probing = false
        while true {
            if stream.avail_in == 0, consumed < source.count {
                let length = min(chunk, source.count - consumed)
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress.map { $0 + consumed })
                stream.avail_in = UInt32(length)
                consumed += length
            }
            if stream.avail_out == 0 {
                if produced < destination.count {
                    let length = min(chunk, destination.count - produced)
                    stream.next_out = destination.baseAddress.map { $0 + produced }
                    stream.avail_out = UInt32(length)
                } else {
                    // The declared size is reached: one more byte of room tells the end of the stream from excess data.
                    probing = true
                    stream.next_out = probe
                    stream.avail_out = 1
                }
            }
            let availableOut = stream.avail_out
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            let written = Int(availableOut - stream.avail_out)
            if probing {
                if written > 0 { return .tooLong }
            } else {
                produced += written
            }
            switch status {
            case Z_STREAM_END:
                guard produced == destination.count else { return .tooShort }
                // Trailing bytes after the deflate stream are as suspicious as missing ones.
                return stream.avail_in == 0 && consumed == source.count ? .complete : .tooShort
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress: input exhausted before the end of the stream.
                return .corrupt
            case Z_MEM_ERROR:
                return .outOfMemory
            default:
                return .corrupt
            }
        }
    }

    /// CRC-32 of `data`, in chunks zlib's 32-bit lengths can take.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBufferPointer { buffer in
            var crc = CZlib.crc32(0, nil, 0)
            var offset = 0
            while offset < buffer.count {
                let length = min(Int(UInt32.max), buffer.count - offset)
                crc = CZlib.crc32(crc, buffer.baseAddress.map { $0 + offset }, UInt32(length))
                offset += length
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
