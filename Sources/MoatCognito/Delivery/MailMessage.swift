package import Foundation
import MoatCore

/// One e-mail Cognito sends: a verification code, a temporary password, an invitation.
///
/// The values are checked when the message is made, so a message that exists can be rendered and handed to SMTP
/// as it is: addresses are plain `local@domain` (RFC 5321 dot-atoms, ASCII), which also keeps CR, LF, spaces and
/// angle brackets out of `MAIL FROM`/`RCPT TO` and the headers; the subject holds no line break (header injection).
/// The body is free text: ``render(messageId:date:)`` sends it base64-encoded, so no line of it can end the
/// message, smuggle a header or break a line-length limit.
package struct MailMessage: Sendable, Equatable {
    /// The sender's address, as the `From` header and the SMTP `MAIL FROM`.
    package let from: String
    /// The one recipient's address, as the `To` header and the SMTP `RCPT TO`.
    package let to: String
    /// The subject, any Unicode text without control characters other than tab.
    package let subject: String
    /// The body: plain text, or HTML when ``isHTML`` (Cognito's message templates allow HTML e-mail).
    package let body: String
    /// Whether ``body`` is sent as `text/html` rather than `text/plain`.
    package let isHTML: Bool

    /// A message, refused when an address or the subject could break out of its header or SMTP command.
    /// - Parameters:
    ///   - from: the sender, `local@domain`.
    ///   - to: the recipient, `local@domain`.
    ///   - subject: the subject line; no CR, LF or other control character except tab.
    ///   - body: the text or HTML of the message.
    ///   - isHTML: whether `body` is HTML.
    package init(from: String, to: String, subject: String, body: String, isHTML: Bool = false) throws(MailMessageError) {
        guard Self.isValidAddress(from) else { throw .invalidAddress(field: "From") }
        guard Self.isValidAddress(to) else { throw .invalidAddress(field: "To") }
        guard Self.isValidSubject(subject) else { throw .invalidSubject }
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.isHTML = isHTML
    }

    /// The message in RFC 5322 form, the bytes an SMTP `DATA` carries (before dot-stuffing): CRLF line endings,
    /// headers `From`, `To`, `Subject` (RFC 2047 encoded when not short printable ASCII), `Date`, `Message-ID`,
    /// `MIME-Version`, `Content-Type` (UTF-8) and `Content-Transfer-Encoding: base64`, then the body in base64
    /// lines of 76 characters. The body's line endings become CRLF first, the canonical form of MIME text.
    /// - Parameters:
    ///   - messageId: the `Message-ID` without its angle brackets, `left@right` of printable ASCII.
    ///   - date: the `Date` header's instant, written in UTC to the second.
    /// - Throws: ``MailMessageError/invalidMessageId`` when `messageId` is not such a value.
    package func render(messageId: String, date: Date) throws(MailMessageError) -> [UInt8] {
        guard Self.isValidMessageId(messageId) else { throw .invalidMessageId }
        let headers = [
            "From: \(from)",
            "To: \(to)",
            Self.subjectHeader(subject),
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(messageId)>",
            "MIME-Version: 1.0",
            "Content-Type: \(isHTML ? "text/html" : "text/plain"); charset=UTF-8",
            "Content-Transfer-Encoding: base64",
        ]
        var text = headers.joined(separator: "\r\n") + "\r\n\r\n"
        text += Self.base64Lines(Self.canonicalLineEndings(Array(body.utf8)))
        return Array(text.utf8)
    }

    // MARK: Validation

    /// Characters of an RFC 5322 `atext`, besides letters and digits.
    private static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".utf8)

    /// Whether `address` is `local@domain` as SMTP carries it without quoting: a dot-atom local part of at most 64
    /// characters and a domain of dot-separated letter-digit-hyphen labels (at most 63 each), 254 characters in
    /// all (RFC 5321 §4.1.2, §4.5.3.1). Quoted local parts, address literals and non-ASCII addresses (which need
    /// SMTPUTF8) are refused.
    /// - Parameter address: the address to check.
    package static func isValidAddress(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard local.count <= 64, isDotAtom(local, allowed: { isLetterOrDigit($0) || atextSymbols.contains($0) }) else { return false }
        guard domain.count <= 253, isDotAtom(domain, allowed: { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
        return domain.split(separator: UInt8(ascii: ".")).allSatisfy { label in
            label.count <= 63 && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
        }
    }

    /// Whether the subject can go into a header: no C0 control character but tab, no DEL.
    private static func isValidSubject(_ subject: String) -> Bool {
        subject.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// Whether `id` is a `Message-ID` body, `left@right` in printable ASCII without brackets, spaces or quotes.
    private static func isValidMessageId(_ id: String) -> Bool {
        let parts = id.utf8.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        return parts.count == 2 && id.utf8.count <= 250
            && parts.allSatisfy { part in
                !part.isEmpty && part.allSatisfy { isLetterOrDigit($0) || atextSymbols.contains($0) || $0 == UInt8(ascii: ".") }
            }
    }

    /// Non-empty runs of `allowed` bytes joined by single dots.
    private static func isDotAtom(_ bytes: ArraySlice<UInt8>, allowed: (UInt8) -> Bool) -> Bool {
        let atoms = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(allowed) }
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    // MARK: Encoding

    /// The longest header line this renders, RFC 5322's recommended 78 characters.
    private static let headerLineLimit = 78
    /// UTF-8 bytes per encoded word: 42 bytes are 56 base64 characters, so a 68-character `=?UTF-8?B?…?=`, which
    /// fits after `Subject: ` within 78 columns.
    private static let bytesPerEncodedWord = 42

    /// `Subject: …`: the subject itself when it is printable ASCII that fits one line and cannot be mistaken for
    /// an encoded word; otherwise RFC 2047 `=?UTF-8?B?…?=` words, each holding whole characters (§5: an encoded
    /// word never splits a multi-byte character), on folded lines that decoders join without the folding space.
    static func subjectHeader(_ subject: String) -> String {
        let prefix = "Subject: "
        let isPlain =
            subject.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
            && !subject.contains("=?") && prefix.utf8.count + subject.utf8.count <= headerLineLimit
        guard !isPlain else { return prefix + subject }
        var words = [String]()
        var chunk = [UInt8]()
        for scalar in subject.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > bytesPerEncodedWord {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return prefix + words.joined(separator: "\r\n ")
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    /// `Sat, 14 Feb 2026 09:05:07 +0000`: RFC 5322 §3.3 in English and UTC, the day of the month in two digits.
    static func rfc5322Date(_ date: Date) -> String {
        let (days, second) = CivilDate.split(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
        let (year, month, day) = CivilDate.civil(fromDays: days)
        return "\(CivilDate.weekdayAbbreviation(days: days)), \(CivilDate.pad(day, 2)) \(CivilDate.monthAbbreviation(month)) "
            + "\(CivilDate.pad(year, 4)) \(CivilDate.timeOfDay(second)) +0000"
    }

    /// The bytes with every line ending (CRLF, a lone LF, a lone CR) as CRLF.
    static func canonicalLineEndings(_ bytes: [UInt8]) -> [UInt8] {
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 32)
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case cr:
                out += [cr, lf]
                if index + 1 < bytes.count, bytes[index + 1] == lf { index += 1 }
            case lf: out += [cr, lf]
            case let byte: out.append(byte)
            }
            index += 1
        }
        return out
    }

    /// Base64 of `bytes` in lines of at most 76 characters, each ended by CRLF (RFC 2045 §6.8).
    private static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var out = ""
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            out += encoded[start..<end] + "\r\n"
            start = end
        }
        return out
    }
}

/// Why a ``MailMessage`` could not be made or rendered. The description names the field, never its value.
package struct MailMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    private enum Code: Equatable, Sendable {
        case invalidAddress(field: String)
        case invalidSubject
        case invalidMessageId
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The `From` or `To` address is not a plain `local@domain` (this includes any CR or LF in it).
    /// - Parameter field: `From` or `To`.
    package static func invalidAddress(field: String) -> MailMessageError { MailMessageError(.invalidAddress(field: field)) }
    /// The subject contains CR, LF or another control character.
    package static let invalidSubject = MailMessageError(.invalidSubject)
    /// The `Message-ID` given to ``MailMessage/render(messageId:date:)`` is not `left@right` printable ASCII.
    package static let invalidMessageId = MailMessageError(.invalidMessageId)

    package var description: String {
        switch code {
        case .invalidAddress(let field): "The \(field) address is not a valid e-mail address"
        case .invalidSubject: "The subject contains a line break or another control character"
        case .invalidMessageId: "The Message-ID is not a valid message id"
        }
    }
}
