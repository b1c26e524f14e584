/// What a Cognito token is for, from its `token_use` claim.
///
/// Cognito signs ID and access tokens with the same key, so the claim is the only thing that keeps an ID token
/// (meant for the client that signed in) from being accepted where an access token (meant for APIs) is expected.
public enum CognitoTokenUse: String, Sendable {
    /// An ID token: the user's identity and attributes, with the app client in `aud`.
    case id
    /// An access token: what the user may do, with the app client in `client_id` and OAuth scopes in `scope`.
    case access
}
