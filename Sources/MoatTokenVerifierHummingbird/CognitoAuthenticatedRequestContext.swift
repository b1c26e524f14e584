public import Hummingbird
public import MoatTokenVerifier

/// A request context that can carry the verified Cognito token of its request.
///
/// ```swift
/// struct AppRequestContext: CognitoAuthenticatedRequestContext {
///     var coreContext: CoreRequestContextStorage
///     var cognitoToken: VerifiedToken?
///     init(source: Source) { coreContext = .init(source: source) }
/// }
/// ```
public protocol CognitoAuthenticatedRequestContext: RequestContext {
    /// The request's token, set by ``CognitoAuthenticationMiddleware`` before the routes behind it run.
    var cognitoToken: VerifiedToken? { get set }
}
