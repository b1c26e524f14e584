/// One operation of a service model.
public struct OperationDescriptor: Sendable {
    public let name: String
    /// HTTP binding (restJson1); `POST /` for the RPC protocols.
    public let httpMethod: String
    public let requestURI: String
    /// The status of a successful response (`http.responseCode`, default 200).
    public let successStatus: Int
    public let input: String?
    public let output: String?
    /// Query protocol: the element that wraps the output (`{Operation}Result`).
    public let resultWrapper: String?
    /// The error shapes the model lists for this operation.
    public let errors: [String]
    /// `false` for operations the model marks `authtype: none`.
    public let requiresAuthentication: Bool
    /// `false` for operations the model defines but Moat does not implement (answered 501).
    public let isImplemented: Bool

    public init(
        name: String,
        httpMethod: String = "POST",
        requestURI: String = "/",
        successStatus: Int = 200,
        input: String? = nil,
        output: String? = nil,
        resultWrapper: String? = nil,
        errors: [String] = [],
        requiresAuthentication: Bool = true,
        isImplemented: Bool = false
    ) {
        self.name = name
        self.httpMethod = httpMethod
        self.requestURI = requestURI
        self.successStatus = successStatus
        self.input = input
        self.output = output
        self.resultWrapper = resultWrapper
        self.errors = errors
        self.requiresAuthentication = requiresAuthentication
        self.isImplemented = isImplemented
    }
}
