// Entry names and symbolic link targets: zip-slip, duplicates, and links that could lead outside the root.
extension ZipArchive {
    /// Longest link target accepted (Linux `PATH_MAX`).
    static let maximumLinkTargetLength = 4096
    /// Links followed while resolving one target before giving up (Linux `MAXSYMLINKS`).
    static let maximumLinkHops = 40

    /// The entry name as a relative `/`-separated path, or ``ZipArchiveError/unsafePath(_:)``.
    ///
    /// Backslashes separate components, as Windows tools mean them; empty and `.` components are dropped; `..`,
    /// a leading separator, a drive letter, NUL bytes and components longer than 255 bytes are refused.
    static func normalisedPath(_ name: ArraySlice<UInt8>) throws(ZipArchiveError) -> String {
        let raw = String(decoding: name, as: UTF8.self)
        guard !name.isEmpty, !name.contains(0), name.first != UInt8(ascii: "/"), name.first != UInt8(ascii: "\\") else {
            throw .unsafePath(raw)
        }
        var components: [Substring] = []
        for component in raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            if component == "." { continue }
            guard component != "..", component.utf8.count <= 255 else { throw .unsafePath(raw) }
            components.append(component)
        }
        guard let first = components.first else { throw .unsafePath(raw) }
        if first.count == 2, first.last == ":", first.first?.isLetter == true { throw .unsafePath(raw) }
        return components.joined(separator: "/")
    }

    /// Refuses duplicate files, a path that is both a file and a directory, and entries below a symbolic link
    /// (extraction must never write through a link).
    static func checkPaths(_ entries: [Entry]) throws(ZipArchiveError) {
        var kinds: [String: Entry.Kind] = [:]
        kinds.reserveCapacity(entries.count)
        for entry in entries {
            if let existing = kinds[entry.path] {
                if existing == .directory, entry.kind == .directory { continue }
                if existing == .directory || entry.kind == .directory { throw .conflictingPath(entry.path) }
                throw .duplicatePath(entry.path)
            }
            kinds[entry.path] = entry.kind
        }
        for entry in entries {
            var ancestor = Substring(entry.path)
            while let slash = ancestor.lastIndex(of: "/") {
                ancestor = ancestor[..<slash]
                switch kinds[String(ancestor)] {
                case .file: throw .conflictingPath(String(ancestor))
                case .symbolicLink: throw .unsafePath(entry.path)
                case .directory, nil: break
                }
            }
        }
    }

    /// Reads every link's target and refuses absolute ones and any that, followed through the archive's other
    /// links, would climb above the root.
    mutating func resolveSymbolicLinks() throws(ZipArchiveError) {
        var targets: [String: String] = [:]
        for (index, entry) in entries.enumerated() where entry.kind == .symbolicLink {
            guard entry.uncompressedSize > 0, entry.uncompressedSize <= Self.maximumLinkTargetLength else {
                throw .unsafePath(entry.path)
            }
            let data = try data(of: entry)
            guard !data.contains(0), data.first != UInt8(ascii: "/") else { throw .unsafePath(entry.path) }
            let target = String(decoding: data, as: UTF8.self)
            guard Array(target.utf8) == data else { throw .unsafePath(entry.path) }  // not UTF-8: cannot be checked
            targets[entry.path] = target
            entries[index].symbolicLinkTarget = target
        }
        for path in targets.keys {
            guard Self.linkResolvesInside(path, targets: targets) else { throw .unsafePath(path) }
        }
    }

    /// Follows `link` as the kernel would, in the extracted tree where only the archive's links exist.
    static func linkResolvesInside(_ link: String, targets: [String: String]) -> Bool {
        var resolved = link.split(separator: "/").dropLast().map(String.init)
        var pending: [Substring] = []
        if let target = targets[link] { pending = target.split(separator: "/").reversed() }
        var hops = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." {
                guard !resolved.isEmpty else { return false }
                resolved.removeLast()
                continue
            }
            resolved.append(String(component))
            if let target = targets[resolved.joined(separator: "/")] {
                hops += 1
                guard hops <= maximumLinkHops, !target.hasPrefix("/") else { return false }
                resolved.removeLast()
                pending.append(contentsOf: target.split(separator: "/").reversed())
            }
        }
        return true
    }
}
