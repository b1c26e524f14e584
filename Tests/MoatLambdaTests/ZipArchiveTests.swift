import Foundation
import Testing

@testable import MoatLambda

/// Deployment packages: zips made by python3's zipfile and Info-ZIP, and hand-written hostile ones.
@Suite struct ZipArchiveTests {
    // MARK: Round trips

    @Test func pythonStoredAndDeflatedEntriesRoundTrip() throws {
        let bytes = try python(
            """
            import zipfile, sys, io
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w') as z:
                z.writestr('stored.txt', 'hello, stored\\n', compress_type=zipfile.ZIP_STORED)
                z.writestr('deep/deflated.txt', ''.join('line %d\\n' % i for i in range(5000)), compress_type=zipfile.ZIP_DEFLATED)
                z.writestr('empty', b'', compress_type=zipfile.ZIP_DEFLATED)
            sys.stdout.buffer.write(b.getvalue())
            """
        )
        let archive = try ZipArchive(bytes)
        #expect(archive.entries.map(\.path) == ["stored.txt", "deep/deflated.txt", "empty"])
        let expected = (0..<5000).map { "line \($0)\n" }.joined()
        #expect(archive.entries.map(\.method) == [0, 8, 8])
        #expect(try archive.data(of: archive.entries[0]) == Array("hello, stored\n".utf8))
        #expect(try archive.data(of: archive.entries[1]) == Array(expected.utf8))
        #expect(try archive.data(of: archive.entries[2]) == [])
        #expect(archive.uncompressedSize == 14 + expected.utf8.count)
        #expect(archive.entries[1].crc32 == ZipArchive.crc32(Array(expected.utf8)))
        #expect(archive.entries.allSatisfy { $0.kind == .file && !$0.isExecutable })
    }

    @Test func infoZipRecursiveArchiveExtractsWithModes() throws {
        let source = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: source) }
        try write("#!/bin/sh\necho hi\n", to: source.appending(path: "bootstrap"), mode: 0o755)
        try write(String(repeating: "library code\n", count: 1000), to: source.appending(path: "src/lib/a.txt"), mode: 0o600)
        try FileManager.default.createDirectory(at: source.appending(path: "empty"), withIntermediateDirectories: true)
        let zipFile = source.appending(path: "out.zip")
        _ = try run("/usr/bin/zip", ["-q", "-r", zipFile.path, "bootstrap", "src", "empty"], in: source)

        let archive = try ZipArchive(Array(try Data(contentsOf: zipFile)))
        let byPath = Dictionary(uniqueKeysWithValues: archive.entries.map { ($0.path, $0) })
        #expect(Set(byPath.keys) == ["bootstrap", "src", "src/lib", "src/lib/a.txt", "empty"])
        #expect(byPath["bootstrap"]?.isExecutable == true)
        #expect(byPath["src/lib/a.txt"]?.isExecutable == false)
        #expect(byPath["empty"]?.isDirectory == true)
        #expect(byPath["src/lib/a.txt"]?.method == 8)

        let target = try temporaryDirectory().appending(path: "code/v1")
        defer { try? FileManager.default.removeItem(at: target.deletingLastPathComponent().deletingLastPathComponent()) }
        try archive.extract(to: target)
        #expect(try String(contentsOf: target.appending(path: "bootstrap"), encoding: .utf8) == "#!/bin/sh\necho hi\n")
        let library = try Data(contentsOf: target.appending(path: "src/lib/a.txt"))
        #expect(library == Data(String(repeating: "library code\n", count: 1000).utf8))
        #expect(try permissions(target.appending(path: "bootstrap")) == 0o755)
        #expect(try permissions(target.appending(path: "src/lib/a.txt")) == 0o644)
        #expect(try permissions(target.appending(path: "src/lib")) == 0o755)
        #expect(try permissions(target.appending(path: "empty")) == 0o755)
        #expect(try permissions(target) == 0o755)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path) == ["v1"])
    }

    @Test func impliedDirectoriesAreCreatedAndAnEmptyDestinationIsReplaced() throws {
        let archive = try ZipArchive(ZipBuilder(items: [.file("a/b/c.txt", "deep")]).bytes)
        let target = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: target) }
        try archive.extract(to: target)  // exists and is empty
        #expect(try String(contentsOf: target.appending(path: "a/b/c.txt"), encoding: .utf8) == "deep")
        #expect(try permissions(target.appending(path: "a")) == 0o755)
    }

    // MARK: Data descriptors

    @Test func pythonStreamingZipWithDataDescriptors() throws {
        // Writing to a pipe, zipfile cannot seek back and sets flag bit 3 with sizes after the data.
        let bytes = try python(
            """
            import zipfile, sys
            with zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('one.txt', 'first ' * 1000)
                z.writestr('two.txt', 'second')
            """
        )
        #expect(bytes[6] & 0x08 != 0)
        let archive = try ZipArchive(bytes)
        #expect(try archive.data(of: archive.entries[0]) == Array(String(repeating: "first ", count: 1000).utf8))
        #expect(try archive.data(of: archive.entries[1]) == Array("second".utf8))
    }

    @Test func infoZipToStdoutWithDataDescriptors() throws {
        let source = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: source) }
        try write(String(repeating: "x", count: 10_000), to: source.appending(path: "x.txt"))
        try write("tiny", to: source.appending(path: "dir/tiny.txt"))
        let bytes = try run("/bin/sh", ["-c", "/usr/bin/zip -q -r - x.txt dir | cat"], in: source)
        #expect(bytes[6] & 0x08 != 0)
        let archive = try ZipArchive(bytes)
        let byPath = Dictionary(uniqueKeysWithValues: archive.entries.map { ($0.path, $0) })
        #expect(try archive.data(of: try #require(byPath["x.txt"])) == Array(String(repeating: "x", count: 10_000).utf8))
        #expect(try archive.data(of: try #require(byPath["dir/tiny.txt"])) == Array("tiny".utf8))
    }

    // MARK: ZIP64

    @Test func zip64EndRecordWithMoreThan65535Entries() throws {
        let bytes = try python(
            """
            import zipfile, sys, io
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w') as z:
                for i in range(65540): z.writestr('f%d' % i, b'')
                z.writestr('last.txt', 'end')
            sys.stdout.buffer.write(b.getvalue())
            """
        )
        let archive = try ZipArchive(bytes)
        #expect(archive.entries.count == 65541)
        #expect(try archive.data(of: archive.entries[65540]) == Array("end".utf8))
        #expect(throws: ZipArchiveError.tooManyEntries(limit: 20_000)) {
            try ZipArchive(bytes, limits: .init(maximumEntries: 20_000, maximumUncompressedSize: 1000))
        }
    }

    @Test func zip64ExtendedInformationInTheCentralDirectory() throws {
        let bytes = ZipBuilder(items: [.file("a.txt", "sixty-four"), .file("b.txt", "bits")], zip64: true).bytes
        let archive = try ZipArchive(bytes)
        #expect(archive.entries.map(\.path) == ["a.txt", "b.txt"])
        #expect(archive.entries.map(\.uncompressedSize) == [10, 4])
        #expect(try archive.data(of: archive.entries[1]) == Array("bits".utf8))
    }

    // MARK: Corrupt input

    @Test func everyPrefixOfAZipThrows() throws {
        let bytes = try python(
            """
            import zipfile, sys, io
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('a.txt', 'alpha ' * 20)
                z.writestr('dir/b.txt', 'beta')
            sys.stdout.buffer.write(b.getvalue())
            """
        )
        _ = try ZipArchive(bytes)
        for length in 0..<bytes.count {
            #expect(throws: ZipArchiveError.self, "prefix of \(length) bytes") { try ZipArchive(Array(bytes.prefix(length))) }
        }
    }

    @Test func everySingleByteCorruptionIsSurvived() throws {
        let bytes = ZipBuilder(items: [.file("a.txt", "alpha"), .file("d/b.txt", "beta", mode: 0o100755)], zip64: true).bytes
        var accepted = 0
        for index in bytes.indices {
            for value: UInt8 in [0x00, 0xFF, bytes[index] ^ 0x01, 0x80] where value != bytes[index] {
                var corrupt = bytes
                corrupt[index] = value
                // Must not crash; a corruption either throws or yields entries whose data is checked.
                guard let archive = try? ZipArchive(corrupt, limits: .init(maximumEntries: 10, maximumUncompressedSize: 1 << 20)) else {
                    continue
                }
                for entry in archive.entries {
                    if let data = try? archive.data(of: entry) { #expect(ZipArchive.crc32(data) == entry.crc32) }
                }
                accepted += 1
            }
        }
        #expect(accepted > 0)  // some bytes (times, attributes) do not matter
    }

    @Test(arguments: [[UInt8](), Array("not a zip at all".utf8), [UInt8](repeating: 0, count: 100), Array(repeating: 0x50, count: 30)])
    func nonZipInputIsNotAZip(_ bytes: [UInt8]) {
        #expect(throws: ZipArchiveError.notAZip) { try ZipArchive(bytes) }
    }

    @Test func centralDirectoryPointingPastTheEndIsTruncated() {
        var bytes = ZipBuilder(items: [.file("a.txt", "alpha")]).bytes
        bytes[bytes.count - 6] = 0xFF  // central directory offset
        #expect(throws: ZipArchiveError.truncated) { try ZipArchive(bytes) }
    }

    // MARK: Zip-slip

    @Test(arguments: [
        "../evil", "/abs", "a/../../b", "a\\..\\b", "..\\evil", "\\abs", "a/..", "..", "C:/windows", "c:\\x", "", "./",
        "a/\u{0}b", String(repeating: "n", count: 256),
    ])
    func unsafeNamesAreRefused(_ name: String) {
        #expect(throws: ZipArchiveError.unsafePath(name)) { try ZipArchive(ZipBuilder(items: [.file(name, "x")]).bytes) }
    }

    @Test func namesAreNormalised() throws {
        let archive = try ZipArchive(ZipBuilder(items: [.file("./a//b", "1"), .file("c\\d.txt", "2"), .directory("./e/")]).bytes)
        #expect(archive.entries.map(\.path) == ["a/b", "c/d.txt", "e"])
        #expect(archive.entries.map(\.kind) == [.file, .file, .directory])
    }

    @Test func duplicatePathsAreRefused() {
        #expect(throws: ZipArchiveError.duplicatePath("a.txt")) {
            try ZipArchive(ZipBuilder(items: [.file("a.txt", "1"), .file("a.txt", "2")]).bytes)
        }
        #expect(throws: ZipArchiveError.duplicatePath("a/b")) {
            try ZipArchive(ZipBuilder(items: [.file("a/b", "1"), .file("./a\\b", "2")]).bytes)
        }
        #expect(throws: ZipArchiveError.conflictingPath("a")) {
            try ZipArchive(ZipBuilder(items: [.file("a", "1"), .file("a/b", "2")]).bytes)
        }
        #expect(throws: ZipArchiveError.conflictingPath("a")) {
            try ZipArchive(ZipBuilder(items: [.directory("a/"), .file("a", "2")]).bytes)
        }
    }

    @Test func repeatedDirectoriesAreHarmless() throws {
        let archive = try ZipArchive(ZipBuilder(items: [.directory("a/"), .directory("a/"), .file("a/b", "1")]).bytes)
        #expect(archive.entries.count == 3)
    }

    // MARK: Symbolic links

    @Test func linksInsideTheArchiveAreKept() throws {
        let archive = try ZipArchive(
            ZipBuilder(items: [
                .file("lib/libfoo.so.1", "elf"), .link("lib/libfoo.so", "libfoo.so.1"), .link("node_modules/.bin/tool", "../tool/cli.js"),
                .file("node_modules/tool/cli.js", "js"), .link("d/up", ".."), .link("top", "d/up/lib/libfoo.so"),
            ]).bytes
        )
        #expect(archive.entries[1].symbolicLinkTarget == "libfoo.so.1")
        let target = try temporaryDirectory().appending(path: "code")
        defer { try? FileManager.default.removeItem(at: target.deletingLastPathComponent()) }
        try archive.extract(to: target)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target.appending(path: "lib/libfoo.so").path) == "libfoo.so.1")
        #expect(try String(contentsOf: target.appending(path: "top"), encoding: .utf8) == "elf")
        #expect(try String(contentsOf: target.appending(path: "node_modules/.bin/tool"), encoding: .utf8) == "js")
    }

    @Test(arguments: [
        [ZipBuilder.Item.link("evil", "../outside")],
        [.link("evil", "/etc/passwd")],
        [.link("a/b/evil", "../../..")],
        [.link("d/up", ".."), .link("evil", "d/up/..")],  // lexically "d", physically above the root
        [.link("loop", "loop")],
        [.link("dir", "real"), .directory("real/"), .file("dir/file", "written through the link")],
        [.link("empty", "")],
    ])
    func escapingLinksAreRefused(_ items: [ZipBuilder.Item]) {
        #expect {
            try ZipArchive(ZipBuilder(items: items).bytes)
        } throws: { error in
            if case .unsafePath = error as? ZipArchiveError { true } else { false }
        }
    }

    // MARK: Bombs and limits

    @Test func declaredBombIsRefusedBeforeInflating() throws {
        // 300 MB of zeros deflate to about 300 KB; the declared size alone exceeds Lambda's 262,144,000 bytes.
        let bytes = try python(
            """
            import zipfile, sys, io
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
                with z.open('zeros', 'w', force_zip64=True) as f:
                    chunk = bytes(1 << 20)
                    for _ in range(300): f.write(chunk)
            sys.stdout.buffer.write(b.getvalue())
            """
        )
        #expect(bytes.count < 1_000_000)
        #expect(throws: ZipArchiveError.tooLarge(limit: 262_144_000)) { try ZipArchive(bytes) }
    }

    @Test func totalAcrossEntriesIsLimited() throws {
        let items = (0..<4).map { ZipBuilder.Item.file("f\($0)", String(repeating: "z", count: 100)) }
        let limits = ZipArchive.Limits(maximumEntries: 10, maximumUncompressedSize: 350)
        #expect(throws: ZipArchiveError.tooLarge(limit: 350)) { try ZipArchive(ZipBuilder(items: items).bytes, limits: limits) }
        #expect(try ZipArchive(ZipBuilder(items: Array(items.prefix(3))).bytes, limits: limits).uncompressedSize == 300)
        #expect(throws: ZipArchiveError.tooManyEntries(limit: 2)) {
            try ZipArchive(ZipBuilder(items: items).bytes, limits: .init(maximumEntries: 2, maximumUncompressedSize: 1000))
        }
    }

    @Test func lyingBombStopsAtTheDeclaredSize() throws {
        // 50 MB of zeros, declared as 1,000 bytes with a matching CRC for those 1,000 bytes.
        let stream = try rawDeflate("import sys; sys.stdout.buffer.write(bytes(50 << 20))")
        let item = ZipBuilder.Item(
            name: Array("bomb".utf8), payload: stream, method: 8, crc: ZipArchive.crc32([UInt8](repeating: 0, count: 1000)),
            uncompressedSize: 1000
        )
        let archive = try ZipArchive(ZipBuilder(items: [item]).bytes)
        #expect(throws: ZipArchiveError.sizeMismatch("bomb")) { try archive.data(of: archive.entries[0]) }
    }

    @Test func shortOrPaddedDeflateStreamsAreRefused() throws {
        let text = Array(String(repeating: "abc", count: 100).utf8)
        let stream = try rawDeflate("import sys; sys.stdout.buffer.write(b'abc' * 100)")
        func entry(_ payload: [UInt8], size: Int) -> ZipBuilder.Item {
            .init(name: Array("t".utf8), payload: payload, method: 8, crc: ZipArchive.crc32(text), uncompressedSize: UInt32(size))
        }
        let good = try ZipArchive(ZipBuilder(items: [entry(stream, size: 300)]).bytes)
        #expect(try good.data(of: good.entries[0]) == text)
        let longer = try ZipArchive(ZipBuilder(items: [entry(stream, size: 301)]).bytes)
        #expect(throws: ZipArchiveError.sizeMismatch("t")) { try longer.data(of: longer.entries[0]) }
        let padded = try ZipArchive(ZipBuilder(items: [entry(stream + [0], size: 300)]).bytes)
        #expect(throws: ZipArchiveError.sizeMismatch("t")) { try padded.data(of: padded.entries[0]) }
        let cut = try ZipArchive(ZipBuilder(items: [entry(Array(stream.dropLast(2)), size: 300)]).bytes)
        #expect(throws: ZipArchiveError.corruptData("t")) { try cut.data(of: cut.entries[0]) }
        let garbage = try ZipArchive(ZipBuilder(items: [entry([0xFF, 0xFF, 0xFF, 0xFF], size: 300)]).bytes)
        #expect(throws: ZipArchiveError.corruptData("t")) { try garbage.data(of: garbage.entries[0]) }
    }

    @Test func storedEntryWithDifferingSizesIsRefused() {
        var item = ZipBuilder.Item.file("s", "stored")
        item.uncompressedSize = 100
        #expect(throws: ZipArchiveError.sizeMismatch("s")) { try ZipArchive(ZipBuilder(items: [item]).bytes) }
    }

    // MARK: Integrity

    @Test func flippedDataByteFailsTheChecksumAndExtractionLeavesNothing() throws {
        let bytes = try python(
            """
            import zipfile, sys, io
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w') as z:
                z.writestr('good.txt', 'fine')
                z.writestr('bad.txt', 'payload', compress_type=zipfile.ZIP_STORED)
            sys.stdout.buffer.write(b.getvalue())
            """
        )
        var corrupt = bytes
        let offset = try #require(findSequence(Array("payload".utf8), in: bytes))
        corrupt[offset] ^= 0x20
        let archive = try ZipArchive(corrupt)
        #expect(try archive.data(of: archive.entries[0]) == Array("fine".utf8))
        #expect(throws: ZipArchiveError.checksumMismatch("bad.txt")) { try archive.data(of: archive.entries[1]) }

        let parent = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        #expect(throws: ZipArchiveError.checksumMismatch("bad.txt")) { try archive.extract(to: parent.appending(path: "code")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == [])
    }

    @Test func nonEmptyDestinationIsNotReplaced() throws {
        let parent = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        try write("keep", to: parent.appending(path: "code/old.txt"))
        let archive = try ZipArchive(ZipBuilder(items: [.file("new.txt", "new")]).bytes)
        #expect {
            try archive.extract(to: parent.appending(path: "code"))
        } throws: { error in
            if case .cannotWrite = error as? ZipArchiveError { true } else { false }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["code"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.appending(path: "code").path) == ["old.txt"])
    }

    @Test func encryptedEntriesAreRefused() {
        var item = ZipBuilder.Item.file("secret", "x")
        item.flags = 0x1
        #expect(throws: ZipArchiveError.encrypted) { try ZipArchive(ZipBuilder(items: [item]).bytes) }
    }

    @Test func unsupportedMethodIsRefused() {
        var item = ZipBuilder.Item.file("bz", "x")
        item.method = 12  // bzip2
        #expect(throws: ZipArchiveError.unsupportedCompression(12)) { try ZipArchive(ZipBuilder(items: [item]).bytes) }
    }

    @Test func dataOffsetComesFromTheLocalHeader() throws {
        var item = ZipBuilder.Item.file("a.txt", "local")
        item.localExtra = [0xFE, 0xCA, 4, 0, 1, 2, 3, 4]  // longer than the (empty) central extra field
        let archive = try ZipArchive(ZipBuilder(items: [item]).bytes)
        #expect(try archive.data(of: archive.entries[0]) == Array("local".utf8))
    }

    @Test func localNameDifferingFromTheCentralOneIsRefused() {
        var item = ZipBuilder.Item.file("harmless.txt", "x")
        item.localName = Array("../../evil.sh".utf8)
        #expect {
            try ZipArchive(ZipBuilder(items: [item]).bytes)
        } throws: { error in
            if case .invalidStructure = error as? ZipArchiveError { true } else { false }
        }
    }

    @Test func overlappingEntriesAreRefused() throws {
        // The overlapping-file construction: b's complete local record hides inside a's data.
        let hidden = ZipBuilder.Item.file("b", "inner")
        let record = ZipBuilder.localRecord(hidden)
        let outer = ZipBuilder.Item(
            name: Array("a".utf8), payload: record, crc: ZipArchive.crc32(record), uncompressedSize: UInt32(record.count)
        )
        var builder = ZipBuilder(items: [outer, hidden])
        builder.centralOffsetOverride = [1: 30 + 1]  // a's data starts after its 30-byte header and 1-byte name
        let honest = ZipBuilder(items: [outer, hidden])
        #expect(try ZipArchive(honest.bytes).entries.count == 2)
        #expect {
            try ZipArchive(builder.bytes)
        } throws: { error in
            if case .invalidStructure(let reason) = error as? ZipArchiveError { reason.contains("overlap") } else { false }
        }
    }

    // MARK: Size and descriptions

    @Test func manySmallFilesExtract() throws {
        // About 10 MB of compressed data in 5,000 files.
        let bytes = try python(
            """
            import zipfile, sys, io, random
            random.seed(7)
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
                for i in range(5000):
                    z.writestr('pkg%d/file%d.bin' % (i % 50, i), random.randbytes(2000))
            sys.stdout.buffer.write(b.getvalue())
            """
        )
        #expect(bytes.count > 10_000_000)
        let target = try temporaryDirectory().appending(path: "code")
        defer { try? FileManager.default.removeItem(at: target.deletingLastPathComponent()) }
        try ZipArchive(bytes).extract(to: target)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).count == 50)
        let sample = target.appending(path: "pkg7/file4957.bin")
        #expect(try Data(contentsOf: sample).count == 2000)
    }

    @Test func everyErrorDescribesItself() {
        let errors: [ZipArchiveError] = [
            .notAZip, .truncated, .invalidStructure("why"), .unsupportedCompression(12), .encrypted, .unsafePath("../x"),
            .duplicatePath("a"), .conflictingPath("b"), .tooLarge(limit: 262_144_000), .tooManyEntries(limit: 3),
            .checksumMismatch("c"), .sizeMismatch("d"), .corruptData("e"), .cannotWrite("/f", errno: 2),
        ]
        let descriptions = errors.map(\.description)
        #expect(Set(descriptions).count == errors.count)
        #expect(descriptions[8] == "unzipped size must be smaller than 262144000 bytes")
        #expect(descriptions[5] == "unsafe path in zip: \"../x\"")
        #expect(descriptions[13] == "cannot write \"/f\": No such file or directory")
        #expect(descriptions[3] == "unsupported compression method 12")
    }
}

// MARK: - Fixtures

/// Writes zip files byte by byte, to make the ones no well-behaved tool would.
struct ZipBuilder {
    struct Item: Sendable, CustomTestStringConvertible {
        var name: [UInt8]
        var payload: [UInt8]
        var method: UInt16 = 0
        var flags: UInt16 = 0
        var crc: UInt32
        var uncompressedSize: UInt32
        var externalAttributes: UInt32 = 0o100644 << 16
        var localName: [UInt8]?
        var centralName: [UInt8]?
        var localExtra: [UInt8] = []

        init(name: [UInt8], payload: [UInt8], method: UInt16 = 0, crc: UInt32, uncompressedSize: UInt32) {
            self.name = name
            self.payload = payload
            self.method = method
            self.crc = crc
            self.uncompressedSize = uncompressedSize
        }

        static func file(_ name: String, _ contents: String, mode: UInt32 = 0o100644) -> Item {
            var item = Item(
                name: Array(name.utf8), payload: Array(contents.utf8), crc: ZipArchive.crc32(Array(contents.utf8)),
                uncompressedSize: UInt32(contents.utf8.count)
            )
            item.externalAttributes = mode << 16
            return item
        }

        static func directory(_ name: String) -> Item {
            var item = file(name, "", mode: 0o040755)
            item.externalAttributes |= 0x10
            return item
        }

        static func link(_ name: String, _ target: String) -> Item { file(name, target, mode: 0o120777) }

        var testDescription: String { String(decoding: name, as: UTF8.self) }
    }

    var items: [Item]
    var zip64 = false
    /// Central directory entries whose local header offset is replaced, by item index.
    var centralOffsetOverride: [Int: UInt32] = [:]

    /// A local file header followed by the item's data.
    static func localRecord(_ item: Item) -> [UInt8] {
        var out: [UInt8] = []
        let name = item.localName ?? item.name
        out.le32(0x0403_4b50)
        out.le16(20)
        out.le16(item.flags)
        out.le16(item.method)
        out.le32(0)
        out.le32(item.crc)
        out.le32(UInt32(item.payload.count))
        out.le32(item.uncompressedSize)
        out.le16(UInt16(name.count))
        out.le16(UInt16(item.localExtra.count))
        return out + name + item.localExtra + item.payload
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        var offsets: [Int] = []
        for item in items {
            offsets.append(out.count)
            out += Self.localRecord(item)
        }
        let directoryOffset = out.count
        for (index, item) in items.enumerated() {
            let name = item.centralName ?? item.name
            let offset = centralOffsetOverride[index] ?? UInt32(offsets[index])
            var extra: [UInt8] = []
            if zip64 {
                extra.le16(0x0001)
                extra.le16(24)
                extra.le64(UInt64(item.uncompressedSize))
                extra.le64(UInt64(item.payload.count))
                extra.le64(UInt64(offset))
            }
            out.le32(0x0201_4b50)
            out.le16(0x031E)
            out.le16(20)
            out.le16(item.flags)
            out.le16(item.method)
            out.le32(0)
            out.le32(item.crc)
            out.le32(zip64 ? 0xFFFF_FFFF : UInt32(item.payload.count))
            out.le32(zip64 ? 0xFFFF_FFFF : item.uncompressedSize)
            out.le16(UInt16(name.count))
            out.le16(UInt16(extra.count))
            out.le16(0)
            out.le16(0)
            out.le16(0)
            out.le32(item.externalAttributes)
            out.le32(zip64 ? 0xFFFF_FFFF : offset)
            out += name + extra
        }
        let directorySize = out.count - directoryOffset
        if zip64 {
            let recordOffset = out.count
            out.le32(0x0606_4b50)
            out.le64(44)
            out.le16(0x032D)
            out.le16(45)
            out.le32(0)
            out.le32(0)
            out.le64(UInt64(items.count))
            out.le64(UInt64(items.count))
            out.le64(UInt64(directorySize))
            out.le64(UInt64(directoryOffset))
            out.le32(0x0706_4b50)
            out.le32(0)
            out.le64(UInt64(recordOffset))
            out.le32(1)
        }
        out.le32(0x0605_4b50)
        out.le16(0)
        out.le16(0)
        out.le16(zip64 ? 0xFFFF : UInt16(items.count))
        out.le16(zip64 ? 0xFFFF : UInt16(items.count))
        out.le32(zip64 ? 0xFFFF_FFFF : UInt32(directorySize))
        out.le32(zip64 ? 0xFFFF_FFFF : UInt32(directoryOffset))
        out.le16(0)
        return out
    }
}

extension [UInt8] {
    fileprivate mutating func le16(_ value: UInt16) { append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8)]) }
    fileprivate mutating func le32(_ value: UInt32) {
        le16(UInt16(value & 0xFFFF))
        le16(UInt16(value >> 16))
    }
    fileprivate mutating func le64(_ value: UInt64) {
        le32(UInt32(value & 0xFFFF_FFFF))
        le32(UInt32(value >> 32))
    }
}

private func python(_ script: String) throws -> [UInt8] {
    try run("/usr/bin/env", ["python3", "-c", script])
}

/// A raw deflate stream (no zlib header) of what `script` writes to stdout.
private func rawDeflate(_ script: String) throws -> [UInt8] {
    try run(
        "/bin/sh",
        ["-c", "python3 -c \"$0\" | python3 -c 'import sys, zlib; c = zlib.compressobj(9, zlib.DEFLATED, -15); "
            + "sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())'", script]
    )
}

private struct ProcessFailed: Error, CustomStringConvertible {
    var description: String
}

private func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(filePath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ProcessFailed(description: "\(executable) \(arguments) failed: \(String(decoding: errorData, as: UTF8.self))")
    }
    return Array(data)
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(path: "moat-zip-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func write(_ contents: String, to url: URL, mode: Int = 0o644) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(contents.utf8).write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
}

private func permissions(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

private func findSequence(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    return (0...(haystack.count - needle.count)).first { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
}
