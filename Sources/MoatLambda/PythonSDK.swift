public import Foundation
public import Logging

/// The SDK layer of the python runtimes: boto3, as Lambda's python runtimes include it.
///
/// `moat serve --lambda-python-sdk DIR` names a directory installed beforehand (`scripts/lambda-python-sdk.sh`).
/// Without it, Moat installs the pinned packages itself, once, into its work directory: in the background at start,
/// with the host's `python3 -m pip`, so that a newcomer's functions can `import boto3` without a setup step. Functions
/// invoked before the installation ends (or on a machine without network) run without boto3, and a warning says so.
public enum PythonSDK {
    /// Pinned as `scripts/lambda-python-sdk.txt` pins them (a test keeps the two equal).
    public static let requirements = ["boto3==1.43.11", "botocore==1.43.11"]

    /// Installs ``requirements`` into `directory` unless a previous run did; the directory appears whole or not at all.
    public static func ensureInstalled(at directory: URL, logger: Logger) async {
        let stamp = directory.appendingPathComponent(".requirements")
        let wanted = requirements.joined(separator: "\n")
        if (try? String(contentsOf: stamp, encoding: .utf8)) == wanted { return }
        let staging = directory.deletingLastPathComponent().appendingPathComponent(".python-sdk-\(UUID().uuidString)")
        logger.info("installing the python functions' SDK layer", metadata: ["directory": "\(directory.path)", "packages": "\(wanted)"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", staging.path] + requirements
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    process.waitUntilExit()
                    continuation.resume()
                }
            }
            guard process.terminationStatus == 0 else {
                throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "pip exited with status \(process.terminationStatus)"])
            }
            try wanted.write(to: staging.appendingPathComponent(".requirements"), atomically: true, encoding: .utf8)
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: staging.path)
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.moveItem(at: staging, to: directory)
            logger.info("the python functions' SDK layer is installed", metadata: ["directory": "\(directory.path)"])
        } catch {
            try? FileManager.default.removeItem(at: staging)
            logger.warning(
                "python functions run without boto3: installing it failed (use --lambda-python-sdk with scripts/lambda-python-sdk.sh)",
                metadata: ["error": "\(error)"]
            )
        }
    }
}
