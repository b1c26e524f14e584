/// Where a verifier gets an issuer's keys.
///
/// ``JWKSFetcher`` fetches them over HTTP for a backend; a server that holds the pool's keys itself (Moat's API
/// Gateway) answers from memory. Either way the verifier asks with `refresh: false` first and, only when a token
/// names a `kid` that the answer lacks, once more with `refresh: true`: that is how a rotated-in key is picked up.
public protocol JSONWebKeySource: Sendable {
    /// The current keys; `refresh: true` when a token names a kid not in the last answer (rotation).
    ///
    /// An implementation that fetches must rate-limit refreshes itself: tokens with made-up kids are free to send.
    func keys(refresh: Bool) async throws -> JSONWebKeySet
}
