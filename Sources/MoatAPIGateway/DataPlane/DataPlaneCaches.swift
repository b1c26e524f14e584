import Foundation
import Synchronization

/// Mapping templates parsed once and kept by their text: a deployment's templates are parsed on their first use.
final class TemplateCache: Sendable {
    private let entries = Mutex<[String: MappingTemplate]>([:])
    let capacity: Int

    init(capacity: Int = 2000) { self.capacity = max(capacity, 1) }

    func template(_ source: String) throws -> MappingTemplate {
        if let cached = entries.withLock({ $0[source] }) { return cached }
        let template = try MappingTemplate(source)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[source] = template
        }
        return template
    }
}

/// The regular expressions of selection patterns and identity validation expressions, compiled once.
///
/// Patterns are Java regular expressions that must match the whole text, as API Gateway applies them; ICU's syntax,
/// which Foundation uses, is the same for what they are written with. A pattern that does not compile matches
/// nothing.
final class SelectionPatterns: Sendable {
    private struct Compiled: @unchecked Sendable {
        // NSRegularExpression is immutable once made and safe to use from any thread.
        let expression: NSRegularExpression?
    }

    private let entries = Mutex<[String: Compiled]>([:])
    let capacity: Int

    init(capacity: Int = 2000) { self.capacity = max(capacity, 1) }

    func fullMatch(_ pattern: String, _ text: String) -> Bool {
        let compiled =
            entries.withLock { $0[pattern] }
            ?? {
                let made = Compiled(expression: try? NSRegularExpression(pattern: "^(?:" + pattern + ")$", options: []))
                entries.withLock { entries in
                    if entries.count >= capacity { entries.removeAll() }
                    entries[pattern] = made
                }
                return made
            }()
        guard let expression = compiled.expression else { return false }
        let range = NSRange(text.startIndex..., in: text)
        return expression.firstMatch(in: text, options: [], range: range) != nil
    }
}
