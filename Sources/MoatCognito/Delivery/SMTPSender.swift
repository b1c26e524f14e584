/// Sends Cognito's email over SMTP (`MOAT_SMTP=host:port`), from the pool's configured `From` or Cognito's default
/// sender.
struct SMTPSender: MessageSender {
    /// The address Cognito's own email sending uses.
    static let defaultFrom = "no-reply@verificationemail.com"

    let client: SMTPClient

    func send(_ message: OutgoingMessage) async throws {
        let mail = try MailMessage(
            from: message.from ?? Self.defaultFrom,
            to: message.destination,
            subject: message.subject ?? "",
            body: message.body,
            isHTML: message.body.contains("</")
        )
        try await client.send(mail)
    }
}
