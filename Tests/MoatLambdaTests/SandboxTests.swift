import Foundation
import Testing

@testable import MoatLambda

@Suite("Function isolation")
struct SandboxTests {
    @Test func theTCPTableNamesTheOwnerOfTheClientEnd() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:8283 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1643890 1
              13: 0100007F:B72C 0100007F:8283 01 00000000:00000000 00:00000000 00000000 200003        0 1643891 2
              40: 0100007F:8283 0100007F:B72C 01 00000000:00000000 00:00000000 00000000     0        0 1643892 1
            """
        #expect(RuntimeAPIPeerCheck.owner(clientPort: 0xB72C, serverPort: 0x8283, table: table) == 200_003)
        #expect(RuntimeAPIPeerCheck.owner(clientPort: 0xB72D, serverPort: 0x8283, table: table) == nil)
        #expect(RuntimeAPIPeerCheck.owner(clientPort: 0x8283, serverPort: 0xB72C, table: table) == 0, "the server end is root's")
    }

    @Test func eachFunctionGetsAUidOfItsOwn() {
        let sandbox = FunctionSandbox(isolates: true, baseUID: 300_000)
        let a = sandbox.uid(for: "a")
        #expect(a == 300_000)
        #expect(sandbox.uid(for: "b") == 300_001)
        #expect(sandbox.uid(for: "a") == a)
        #expect(FunctionSandbox(isolates: false, baseUID: 300_000).uid(for: "a") == geteuid())
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv"))
    func runtimesRunThroughSetprivAndDieWithMoat() {
        let isolating = FunctionSandbox(isolates: true, baseUID: 300_000).command("/usr/bin/python3", ["b.py"], uid: 300_004)
        #expect(isolating.executable == "/usr/bin/setpriv")
        #expect(
            isolating.arguments == [
                "--pdeathsig=KILL", "--reuid=300004", "--regid=300004", "--clear-groups", "--no-new-privs", "--", "/usr/bin/python3", "b.py",
            ]
        )
        let sharing = FunctionSandbox(isolates: false, baseUID: 300_000).command("/usr/bin/python3", ["b.py"], uid: 0)
        #expect(sharing.arguments == ["--pdeathsig=KILL", "--", "/usr/bin/python3", "b.py"])
    }

    @Test func anInterpreterUnderAPrivateDirectoryIsNotRunnableByOthers() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("moat-sandbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let hidden = root.appendingPathComponent("private/bin")
        try FileManager.default.createDirectory(at: hidden, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root.appendingPathComponent("private").path)
        let program = hidden.appendingPathComponent("python3")
        _ = FileManager.default.createFile(atPath: program.path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        #expect(!FunctionSandbox.othersCanExecute(program.path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.appendingPathComponent("private").path)
        #expect(FunctionSandbox.othersCanExecute(program.path))
    }

    @Test(.enabled(if: FunctionSandbox.canIsolate, "needs root and setpriv"))
    func anInstanceDirectoryBelongsToItsFunctionAndMirrorsThePackage() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("moat-sandbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let code = root.appendingPathComponent("code")
        try FileManager.default.createDirectory(at: code.appendingPathComponent("lib"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: code.appendingPathComponent("lib/app.py").path, contents: Data("x = 1\n".utf8))
        let function = FunctionDefinition(
            name: "f", arn: "arn", revision: "r", runtime: "python3.12", handler: "app.h", codeDirectory: code, region: "us-east-1", role: "role"
        )
        let sandbox = FunctionSandbox(isolates: true, baseUID: 300_000)
        let prepared = try sandbox.prepareInstance(root: root.appendingPathComponent("instances"), function: function, uid: 300_007)
        let attributes = try FileManager.default.attributesOfItem(atPath: prepared.directory.path)
        #expect((attributes[.ownerAccountID] as? NSNumber)?.uint32Value == 300_007)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        let instances = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("instances").path)
        #expect((instances[.posixPermissions] as? NSNumber)?.intValue == 0o711)
        let mirrored = prepared.taskRoot.appendingPathComponent("lib/app.py")
        #expect(FileManager.default.contents(atPath: mirrored.path) == Data("x = 1\n".utf8))
        let file = try FileManager.default.attributesOfItem(atPath: mirrored.path)
        #expect((file[.ownerAccountID] as? NSNumber)?.uint32Value == 0, "the function reads its code but does not own it")
    }
}
