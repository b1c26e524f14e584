package import MoatCore

/// A mapping template of a non-proxy integration: the Apache Velocity 1.7 subset API Gateway runs, with its
/// `$input`, `$util`, `$context` and `$stageVariables`.
///
/// Parsed once (templates are cached per deployment) and rendered for every request or integration answer. Rendering
/// runs untrusted templates over untrusted bodies, so it is bounded by ``MappingTemplateLimits``: no template or body
/// can make a request hang or exhaust memory, and nothing reaches outside the values the template was given (no
/// classes, no reflection, no `#parse`, `#include` or `#evaluate`).
package struct MappingTemplate: Sendable {
    /// API Gateway refuses mapping templates larger than 300 KB.
    package static let maximumSourceBytes = 300 * 1024
    /// How deeply blocks, expressions and references may nest in the source: deeper input is refused while parsing,
    /// before it can exhaust the parser's stack.
    package static let maximumParseDepth = 100

    let nodes: [TemplateNode]
    let macros: [String: TemplateMacro]
    /// Whether the source mentions `context` at all: a template that cannot read `$context` need not be given it
    /// (building it is most of the work of rendering a short template). Velocity names a variable only literally, so
    /// a template without the word cannot reach it.
    package let readsContext: Bool
    /// The whole output when the template is text alone (`{"statusCode": 200}`): it renders to itself, whatever the
    /// input, with no override set.
    let constantText: String?
    /// For the line and column of rendering errors.
    let sourceMap: SourceMap

    /// Parses a template.
    /// - Parameter source: the template text, as stored in the integration's `requestTemplates` or an integration
    ///   response's `responseTemplates`.
    /// - Throws: ``MappingTemplateError/Code/syntax`` naming the line and column of the first error, or
    ///   ``MappingTemplateError/Code/templateTooLarge``.
    package init(_ source: String) throws(MappingTemplateError) {
        let bytes = Array(source.utf8)
        guard bytes.count <= Self.maximumSourceBytes else {
            throw MappingTemplateError(
                .templateTooLarge, "The template is \(bytes.count) bytes; at most \(Self.maximumSourceBytes) are allowed")
        }
        let sourceMap = SourceMap(bytes)
        var parser = TemplateParser(source: bytes, sourceMap: sourceMap)
        nodes = try parser.parseDocument()
        macros = parser.macros
        readsContext = source.contains("context")
        constantText = nodes.count <= 1 && macros.isEmpty ? Self.text(of: nodes) : nil
        self.sourceMap = sourceMap
    }

    /// Renders the template for one request or one integration answer.
    /// - Parameters:
    ///   - input: the body, parameters, `$context` and stage variables the template sees.
    ///   - limits: bounds on the work, memory and output of this rendering.
    /// - Returns: the rendered body and the overrides set through `$context.requestOverride` and
    ///   `$context.responseOverride`.
    /// - Throws: a limit's code when one is exceeded, ``MappingTemplateError/Code/evaluation`` when a method fails
    ///   (an index out of range, an invalid `$util.parseJson` argument, an override set twice…): the gateway answers
    ///   500 to any of them.
    package func render(
        _ input: MappingTemplateInput,
        limits: MappingTemplateLimits = MappingTemplateLimits()
    ) throws(MappingTemplateError) -> MappingTemplateOutput {
        if let constantText, constantText.utf8.count <= limits.maximumOutputBytes { return MappingTemplateOutput(body: constantText) }
        var renderer = TemplateRenderer(template: self, input: input, limits: limits)
        return try renderer.run()
    }

    private static func text(of nodes: [TemplateNode]) -> String? {
        guard let node = nodes.first else { return "" }
        if case .text(let text) = node { return text }
        return nil
    }
}

/// What a template sees of the request (or of the integration's answer, for a response template).
package struct MappingTemplateInput: Sendable {
    /// `$input.body`; `$input.json` and `$input.path` read it as JSON. An empty body reads as `{}`, as in AWS.
    package var body: [UInt8]
    /// Path parameters, for `$input.params()` and `$input.params('name')`.
    package var pathParameters: [(name: String, value: String)]
    /// Query string parameters, decoded.
    package var queryString: [(name: String, value: String)]
    /// Headers as received.
    package var headers: [(name: String, value: String)]
    /// The `$context` object (`requestId`, `stage`, `identity`, `authorizer`…). Its `requestOverride` and
    /// `responseOverride` members are replaced by empty ones for the template to fill.
    package var context: JSONValue
    /// `$stageVariables`.
    package var stageVariables: [String: String]

    package init(
        body: [UInt8] = [],
        pathParameters: [(name: String, value: String)] = [],
        queryString: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        context: JSONValue = .object([]),
        stageVariables: [String: String] = [:]
    ) {
        self.body = body
        self.pathParameters = pathParameters
        self.queryString = queryString
        self.headers = headers
        self.context = context
        self.stageVariables = stageVariables
    }
}

/// A rendered template.
package struct MappingTemplateOutput: Sendable {
    /// The transformed payload.
    package var body: String
    /// `$context.responseOverride.status`, when the template set it.
    package var statusOverride: Int?
    /// Headers set through `$context.requestOverride.header.X` (request templates) and
    /// `$context.responseOverride.header.X` (response templates), in the order set; a list value gives one entry
    /// per element.
    package var headerOverrides: [(name: String, value: String)]
    /// `$context.requestOverride.path.X`.
    package var pathOverrides: [(name: String, value: String)]
    /// `$context.requestOverride.querystring.X`.
    package var queryStringOverrides: [(name: String, value: String)]

    package init(
        body: String,
        statusOverride: Int? = nil,
        headerOverrides: [(name: String, value: String)] = [],
        pathOverrides: [(name: String, value: String)] = [],
        queryStringOverrides: [(name: String, value: String)] = []
    ) {
        self.body = body
        self.statusOverride = statusOverride
        self.headerOverrides = headerOverrides
        self.pathOverrides = pathOverrides
        self.queryStringOverrides = queryStringOverrides
    }
}

/// Bounds on one rendering. Defaults follow API Gateway's quotas where it has one, and otherwise keep a rendering
/// within a fraction of a second and some tens of megabytes.
package struct MappingTemplateLimits: Sendable, Equatable {
    /// The largest rendered body, and the largest string a template may build: API Gateway's 10 MB payload quota.
    package var maximumOutputBytes = 10 * 1024 * 1024
    /// Iterations after which a `#foreach` stops, silently, as API Gateway's does (its quota: 1,000).
    package var maximumIterationsPerLoop = 1000
    /// Iterations of all loops together; beyond, the rendering fails (nested loops multiply).
    package var maximumTotalIterations = 100_000
    /// How deeply blocks, expressions, macro calls, `#define` expansions and printed collections may nest while
    /// rendering.
    package var maximumNestingDepth = 100
    /// How deeply the body (or a `$util.parseJson` argument) may nest.
    package var maximumJSONDepth = JSONParser.defaultMaximumDepth
    /// Evaluation steps (directives, references, method calls, JSONPath and regular expression steps).
    package var maximumOperations = 10_000_000
    /// Bytes of strings and collection elements a rendering may create, its output included.
    package var maximumAllocatedBytes = 64 * 1024 * 1024

    package init() {}
}

/// Why a template could not be parsed or rendered.
///
/// A struct over an open set of codes, so that new limits do not break callers. Parse errors carry the line and
/// column (1-based) of the offending text.
package struct MappingTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The template is not valid Velocity.
        package static let syntax = Code("syntax")
        /// The template exceeds ``MappingTemplate/maximumSourceBytes``.
        package static let templateTooLarge = Code("templateTooLarge")
        /// The output, or a string built while rendering, exceeds ``MappingTemplateLimits/maximumOutputBytes``.
        package static let outputTooLarge = Code("outputTooLarge")
        /// The loops together ran more than ``MappingTemplateLimits/maximumTotalIterations`` times.
        package static let tooManyIterations = Code("tooManyIterations")
        /// Rendering nested deeper than ``MappingTemplateLimits/maximumNestingDepth``.
        package static let nestingTooDeep = Code("nestingTooDeep")
        /// The body, or a string given to `$util.parseJson`, nests deeper than ``MappingTemplateLimits/maximumJSONDepth``.
        package static let jsonTooDeep = Code("jsonTooDeep")
        /// The rendering took more than ``MappingTemplateLimits/maximumOperations`` steps.
        package static let tooManyOperations = Code("tooManyOperations")
        /// The rendering created more than ``MappingTemplateLimits/maximumAllocatedBytes``.
        package static let tooMuchMemory = Code("tooMuchMemory")
        /// A method or directive failed while rendering (Velocity's MethodInvocationException).
        package static let evaluation = Code("evaluation")

        package var description: String { name }
    }

    package let code: Code
    package let message: String
    /// The line (1-based) where the error was found, when known.
    package let line: Int?
    /// The column (1-based, in characters) where the error was found, when known.
    package let column: Int?

    package init(_ code: Code, _ message: String, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    package var description: String {
        if let line, let column { return "\(code) at line \(line), column \(column): \(message)" }
        return "\(code): \(message)"
    }
}
