import Foundation
import MoatCore

/// Writes awsQuery responses and errors as the XML documents botocore's query parser reads.
struct QueryResponseWriter {
    let schema: ShapeSchema
    let xmlNamespace: String

    /// `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OpResponse>`.
    func response(operation: OperationDescriptor, output: WireValue, requestId: String) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<\(operation.name)Response xmlns=\"\(Self.escape(xmlNamespace))\">"
        if let outputShape = operation.output.flatMap({ schema[$0] }) {
            let wrapper = operation.resultWrapper ?? "\(operation.name)Result"
            xml += "<\(wrapper)>"
            writeMembers(of: outputShape, value: output, into: &xml)
            xml += "</\(wrapper)>"
        }
        xml += "<ResponseMetadata><RequestId>\(Self.escape(requestId))</RequestId></ResponseMetadata>"
        xml += "</\(operation.name)Response>"
        return xml
    }

    /// `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`.
    static func error(_ error: ServiceError, xmlNamespace: String?, requestId: String) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        if let xmlNamespace {
            xml += "<ErrorResponse xmlns=\"\(escape(xmlNamespace))\">"
        } else {
            xml += "<ErrorResponse>"
        }
        xml += "<Error><Type>\(error.descriptor.isSenderFault ? "Sender" : "Receiver")</Type>"
        xml += "<Code>\(escape(error.code))</Code><Message>\(escape(error.message))</Message></Error>"
        xml += "<RequestId>\(escape(requestId))</RequestId></ErrorResponse>"
        return xml
    }

    private func writeMembers(of shape: Shape, value: WireValue, into xml: inout String) {
        guard case .object(let members) = value else { return }
        for member in shape.members {
            guard let memberValue = members[member.name], memberValue != .null else { continue }
            write(memberValue, shapeName: member.shape, element: member.wireName, flattened: member.isFlattened, into: &xml)
        }
    }

    private func write(_ value: WireValue, shapeName: String, element: String, flattened: Bool, into xml: inout String) {
        guard let shape = schema[shapeName] else { return }
        switch (shape.type, value) {
        case (.structure, _):
            xml += "<\(element)>"
            writeMembers(of: shape, value: value, into: &xml)
            xml += "</\(element)>"
        case (.list, .list(let items)):
            guard let itemShape = shape.member else { return }
            if flattened || shape.isFlattened {
                let itemElement = itemShape.locationName ?? element
                for item in items { write(item, shapeName: itemShape.shape, element: itemElement, flattened: false, into: &xml) }
            } else {
                xml += "<\(element)>"
                let itemElement = itemShape.locationName ?? "member"
                for item in items { write(item, shapeName: itemShape.shape, element: itemElement, flattened: false, into: &xml) }
                xml += "</\(element)>"
            }
        case (.map, .object(let entries)):
            guard let keyShape = shape.key, let valueShape = shape.value else { return }
            let keyElement = keyShape.locationName ?? "key"
            let valueElement = valueShape.locationName ?? "value"
            let isFlat = flattened || shape.isFlattened
            if !isFlat { xml += "<\(element)>" }
            for (key, item) in entries.sorted(by: { $0.key < $1.key }) {
                xml += isFlat ? "<\(element)>" : "<entry>"
                xml += "<\(keyElement)>\(Self.escape(key))</\(keyElement)>"
                write(item, shapeName: valueShape.shape, element: valueElement, flattened: false, into: &xml)
                xml += isFlat ? "</\(element)>" : "</entry>"
            }
            if !isFlat { xml += "</\(element)>" }
        default:
            xml += "<\(element)>\(Self.escape(ScalarText.encode(value)))</\(element)>"
        }
    }

    static func escape(_ text: String) -> String {
        // Fast path: nothing to escape (0xEF starts U+FFFE and U+FFFF, which XML forbids).
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 == 0xEF })
        {
            return text
        }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\r": result += "&#xD;"
            case "\n", "\t": result.unicodeScalars.append(scalar)
            // Characters XML 1.0 cannot carry at all, even as references, become U+FFFD.
            case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
