import Testing

@testable import MoatLogs

/// The filter-pattern syntax, case by case. Each case names the example of the CloudWatch Logs User Guide
/// ("Filter pattern syntax for metric filters, subscription filters, and filter log events") it encodes.
@Suite("Filter patterns")
struct FilterPatternTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let pattern: String
        let message: String
        let matches: Bool
        let source: String
        var testDescription: String { "\(pattern) ~ \(message) = \(matches) [\(source)]" }
    }

    static let unstructured: [Case] = [
        Case(pattern: "ERROR", message: "[ERROR 400] BAD REQUEST", matches: true, source: "Example: Match a single term"),
        Case(pattern: "ERROR", message: "Exiting with ERRORCODE: -1", matches: true, source: "Example 1: Single term (substring)"),
        Case(pattern: "ERROR", message: "[error] lower case", matches: false, source: "Filter patterns are case sensitive"),
        Case(pattern: "ERROR -Exiting", message: "Exiting with ERRORCODE: -1", matches: false, source: "Example 2: Include a term and exclude a term"),
        Case(pattern: "ERROR -Exiting", message: "[ERROR] A fatal exception", matches: true, source: "Example 2: Include a term and exclude a term"),
        Case(pattern: "ERROR Exception", message: "[ERROR] Caught IllegalArgumentException", matches: true, source: "Example 3: Multiple terms"),
        Case(pattern: "ERROR Exception", message: "[ERROR] Unhandled failure", matches: false, source: "Example 3: Multiple terms"),
        Case(pattern: "?ERROR ?WARN", message: "[WARN] Disk almost full", matches: true, source: "Example: Match any of several terms (OR)"),
        Case(pattern: "?ERROR ?WARN", message: "[INFO] all good", matches: false, source: "Example: Match any of several terms (OR)"),
        Case(pattern: "\"Failed to process\"", message: "[WARN] Failed to process the request", matches: true, source: "Example: Match exact phrases"),
        Case(pattern: "\"Failed to process\"", message: "Failed: to process", matches: false, source: "Example: Match exact phrases"),
        Case(pattern: "-DEBUG", message: "DEBUG noisy", matches: false, source: "To exclude a term, use a minus sign"),
        Case(pattern: "-DEBUG", message: "INFO useful", matches: true, source: "To exclude a term, use a minus sign"),
        Case(pattern: "", message: "anything", matches: true, source: "An empty pattern matches all events"),
        Case(pattern: "%ERR[0-9]+%", message: "code ERR42 seen", matches: true, source: "Supported regular expressions (regex) syntax"),
        Case(pattern: "%ERR[0-9]+%", message: "code ERR seen", matches: false, source: "Supported regular expressions (regex) syntax"),
    ]

    static let json: [Case] = [
        Case(pattern: "{ $.eventType = \"UpdateTrail\" }", message: #"{"eventType":"UpdateTrail"}"#, matches: true, source: "JSON: string equality"),
        Case(pattern: "{ $.eventType = \"UpdateTrail\" }", message: #"{"eventType":"CreateTrail"}"#, matches: false, source: "JSON: string equality"),
        Case(pattern: "{ $.level = \"error\" }", message: "level=error", matches: false, source: "JSON patterns match JSON events only"),
        Case(pattern: "{ $.sourceIPAddress != 123.123.* }", message: #"{"sourceIPAddress":"10.0.0.1"}"#, matches: true, source: "JSON: != with a wildcard"),
        Case(pattern: "{ $.sourceIPAddress != 123.123.* }", message: #"{"sourceIPAddress":"123.123.0.9"}"#, matches: false, source: "JSON: != with a wildcard"),
        Case(pattern: "{ $.latency > 100 }", message: #"{"latency":150}"#, matches: true, source: "JSON: numeric comparison"),
        Case(pattern: "{ $.latency > 100 }", message: #"{"latency":50}"#, matches: false, source: "JSON: numeric comparison"),
        Case(pattern: "{ $.latency <= 50 }", message: #"{"latency":50}"#, matches: true, source: "JSON: numeric comparison"),
        Case(pattern: "{ $.user.id = 42 }", message: #"{"user":{"id":42}}"#, matches: true, source: "JSON: nested property"),
        Case(pattern: "{ $.user.id = 42 }", message: #"{"user":{"id":43}}"#, matches: false, source: "JSON: nested property"),
        Case(pattern: "{ $.a = \"x*\" }", message: #"{"a":"xylophone"}"#, matches: true, source: "JSON: wildcard in a string value"),
        Case(pattern: "{ $.a = \"x*\" }", message: #"{"a":"axe"}"#, matches: false, source: "JSON: wildcard in a string value"),
        Case(pattern: "{ $.arrayKey[0] = \"value\" }", message: #"{"arrayKey":["value","other"]}"#, matches: true, source: "JSON: array element"),
        Case(pattern: "{ $.objectList[1].id = 2 }", message: #"{"objectList":[{"id":1},{"id":2}]}"#, matches: true, source: "JSON: object in an array"),
        Case(pattern: "{ $.list[5] = 1 }", message: #"{"list":[1]}"#, matches: false, source: "JSON: array index out of range"),
        Case(pattern: "{ ($.a = 1) && ($.b = 2) }", message: #"{"a":1,"b":2}"#, matches: true, source: "JSON: && with parentheses"),
        Case(pattern: "{ ($.a = 1) && ($.b = 2) }", message: #"{"a":1,"b":3}"#, matches: false, source: "JSON: && with parentheses"),
        Case(pattern: "{ $.a = 1 || $.b = 2 }", message: #"{"a":0,"b":2}"#, matches: true, source: "JSON: ||"),
        Case(pattern: "{ ($.a = 1 || $.b = 2) && $.c = 3 }", message: #"{"a":1,"c":4}"#, matches: false, source: "JSON: compound expression"),
        Case(pattern: "{ $.error IS NULL }", message: #"{"error":null}"#, matches: true, source: "JSON: IS NULL"),
        Case(pattern: "{ $.error IS NULL }", message: #"{"error":"x"}"#, matches: false, source: "JSON: IS NULL"),
        Case(pattern: "{ $.error NOT EXISTS }", message: #"{"other":1}"#, matches: true, source: "JSON: NOT EXISTS"),
        Case(pattern: "{ $.error NOT EXISTS }", message: #"{"error":null}"#, matches: false, source: "JSON: NOT EXISTS"),
        Case(pattern: "{ $.ok IS TRUE }", message: #"{"ok":true}"#, matches: true, source: "JSON: IS TRUE"),
        Case(pattern: "{ $.ok IS FALSE }", message: #"{"ok":true}"#, matches: false, source: "JSON: IS FALSE"),
        Case(pattern: "{ $.latency = * }", message: #"{"latency":50}"#, matches: true, source: "JSON: = * (metric value example)"),
    ]

    static let delimited: [Case] = [
        Case(
            pattern: "[ip, user, username, timestamp, request = \"*html*\", status_code = 4*, bytes]",
            message: #"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#,
            matches: true,
            source: "Space-delimited: quoted and bracketed fields, wildcards"
        ),
        Case(
            pattern: "[..., status_code = 404, size > 1000]",
            message: #"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#,
            matches: true,
            source: "Space-delimited: ellipsis"
        ),
        Case(
            pattern: "[..., status_code = 404, size > 2000]",
            message: #"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#,
            matches: false,
            source: "Space-delimited: numeric comparison"
        ),
        Case(pattern: "[a, b]", message: "one two three", matches: false, source: "Space-delimited: field count must match"),
        Case(
            pattern: "[ip, user, ..., status_code >= 400 && status_code < 500, bytes]",
            message: "1.2.3.4 bob x y 403 10",
            matches: true,
            source: "Space-delimited: && on one field"
        ),
    ]

    @Test(arguments: unstructured + json + delimited)
    func matching(_ testCase: Case) throws {
        let pattern = try FilterPattern(testCase.pattern)
        #expect(pattern.matches(testCase.message) == testCase.matches)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let pattern: String
        let message: String
        var testDescription: String { pattern }
    }

    /// AWS answers `Invalid character(s) in term '…'` for unquoted terms with characters other than letters, digits,
    /// underscores (error messages quoted in CloudWatch users' reports: ':', ',', '(', '`').
    @Test(arguments: [
        Invalid(pattern: "Status: timeout", message: "Invalid character(s) in term ':'"),
        Invalid(pattern: "a,b", message: "Invalid character(s) in term ','"),
        Invalid(pattern: "(x)", message: "Invalid character(s) in term '('"),
        Invalid(pattern: "\"unterminated", message: "Invalid filter pattern: unterminated quoted string"),
        Invalid(pattern: "{ $.a = }", message: "Invalid filter pattern"),
        Invalid(pattern: "{ $.a = 1", message: "Invalid filter pattern"),
        Invalid(pattern: "{ $.a > \"x\" }", message: "Invalid filter pattern"),
        Invalid(pattern: "[a, b", message: "Invalid filter pattern"),
        Invalid(pattern: "%[%", message: "Invalid regular expression in filter pattern: ["),
    ])
    func invalidPatterns(_ invalid: Invalid) {
        #expect(throws: FilterPatternError(message: invalid.message)) { try FilterPattern(invalid.pattern) }
    }

    @Test func wildcards() {
        #expect(wildcardMatch("*html*", "GET /index.html HTTP/1.0"))
        #expect(wildcardMatch("4*", "404"))
        #expect(!wildcardMatch("4*", "500"))
        #expect(wildcardMatch("a*b*c", "aXXbYYc"))
        #expect(!wildcardMatch("a*b*c", "aXXbYY"))
    }

    @Test func delimitedFields() {
        #expect(
            DelimitedPattern.fields(of: #"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#)
                == ["127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700", "GET /index.html HTTP/1.0", "404", "1534"]
        )
    }
}
