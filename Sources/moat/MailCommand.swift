import ArgumentParser
import Foundation
import MoatApp
import MoatCognito

/// `moat mail`: the messages Cognito kept because no SMTP server was configured.
struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "List the outbox: Cognito's invitations and codes not sent over SMTP (MOAT_SMTP unset).",
        discussion: """
            Reads the data directory (or --database-url) directly, with the master key, so it runs on the machine and \
            as the user that runs moat serve.
            """
    )

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON lines instead of text.")
    var json: Bool = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = ServerConfiguration(
            dataDirectory: URL(fileURLWithPath: data.dataDir),
            databaseURL: data.databaseURL ?? environment["MOAT_DATABASE_URL"],
            masterKey: environment["MOAT_MASTER_KEY"],
            logLevel: data.logLevel
        )
        let messages = try await readOutbox(configuration, logger: makeLogger(level: data.logLevel))
        let formatter = ISO8601DateFormatter()
        for message in messages {
            if json {
                let object: [String: Any] = [
                    "poolId": message.poolId, "medium": message.medium.rawValue, "destination": message.destination,
                    "subject": message.subject ?? "", "body": message.body, "createdAt": formatter.string(from: message.createdAt),
                ]
                let line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                FileHandle.standardOutput.write(line + Data("\n".utf8))
            } else {
                var text = "\(formatter.string(from: message.createdAt)) \(message.medium.rawValue) to \(message.destination) (\(message.poolId))\n"
                if let subject = message.subject { text += "Subject: \(subject)\n" }
                text += message.body + "\n\n"
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
