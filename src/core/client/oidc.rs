//! The OpenID Connect steps that fetch through a [`Platform`]: discovery, the JWK Set (cached
//! for the page, refetched once on an unknown `kid`), and ID token verification. The checks
//! themselves are pure and live in `oidc/`; this module only moves documents.

use crate::core::WebUrl;

use crate::core::cache::DocumentCache;
use crate::core::error::{Error, IdTokenError};
use crate::core::http::HttpResponse;
use crate::core::oauth::{Config, RawConfig};
use crate::core::oidc::{
    discovery_request, jwks_request, parse_compact, process_discovery_response,
    process_jwks_response, validate_claims, AlgFamily, IdTokenCheck, IdTokenClaims, JwkSet,
    KeySource, ProviderMetadata,
};
use crate::core::platform::Platform;
use crate::core::secret::IdToken;

/// The configuration of a client made from the provider's discovery document
/// (`PkceClient.discover`): checks that `raw` gives none of the discovered settings, fetches
/// (or takes from `cache`) the document of its issuer, and validates the whole.
pub async fn discover_config<P: Platform>(
    platform: &P,
    cache: &DocumentCache,
    raw: RawConfig,
) -> Result<Config, Error> {
    let issuer = raw.discovery_issuer()?.to_string();
    let metadata = discover(platform, cache, &issuer).await?;
    Ok(raw.with_discovery(metadata)?)
}

/// Whether [`discover_config`] would have to fetch the discovery document of `raw`'s issuer
/// (the page and the tab do not hold it yet). Lets `PkceClient.discover` put the fetch off
/// on a page that has nothing to do with the provider yet (no session, not a callback).
pub fn discovery_needs_fetch(cache: &DocumentCache, raw: &RawConfig, now_ms: u64) -> bool {
    let url = raw
        .discovery_issuer()
        .ok()
        .and_then(|issuer| discovery_request(issuer).ok());
    url.is_some_and(|r| cache.get(&r.url, now_ms).is_none())
}

/// Fetches (or takes from `cache`) and validates the discovery document of `issuer`.
pub async fn discover<P: Platform>(
    platform: &P,
    cache: &DocumentCache,
    issuer: &str,
) -> Result<ProviderMetadata, Error> {
    let request = discovery_request(issuer)?;
    let url = request.url.clone();
    // One path for the cached and the fetched document (one call of the processing, size).
    let (response, fetched) = match cache.get(&url, platform.now_ms()) {
        Some(body) => (cached_response(body), false),
        None => (platform.fetch(request).await?, true),
    };
    let metadata = process_discovery_response(&response, issuer)?;
    if fetched {
        cache.put(
            &url,
            &response.body,
            response.max_age_s(),
            platform.now_ms(),
        );
    }
    Ok(metadata)
}

/// The JWK Set at `jwks_uri`: from `cache` unless `refresh`, otherwise fetched through the
/// platform and, once read successfully, cached.
pub async fn load_jwks<P: Platform>(
    platform: &P,
    cache: &DocumentCache,
    jwks_uri: &WebUrl,
    refresh: bool,
) -> Result<(JwkSet, KeySource), Error> {
    if !refresh {
        if let Some(body) = cache.get(jwks_uri.as_str(), platform.now_ms()) {
            return Ok((
                process_jwks_response(&cached_response(body))?,
                KeySource::Cached,
            ));
        }
    }
    let response = platform.fetch(jwks_request(jwks_uri)).await?;
    let set = process_jwks_response(&response)?;
    cache.put(
        jwks_uri.as_str(),
        &response.body,
        response.max_age_s(),
        platform.now_ms(),
    );
    Ok((set, KeySource::Fetched))
}

/// A document from the cache, as the response it came in (status 200, no headers).
fn cached_response(body: String) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![],
        body,
    }
}

/// Validates an ID token from the token endpoint (OIDC Core §3.1.3.7) and returns its claims.
///
/// The JWK Set at `jwks_uri` comes from `cache` when it is there; when the token's key is not
/// in a cached set, the set is fetched once more (the provider may have rotated its keys,
/// OIDC Core §10.1.1) before the token is refused with `id_token_unknown_kid`.
pub async fn verify_id_token<P: Platform>(
    platform: &P,
    cache: &DocumentCache,
    jwks_uri: &WebUrl,
    token: &IdToken,
    check: &IdTokenCheck<'_>,
) -> Result<IdTokenClaims, Error> {
    // Step 1: an encrypted (JWE, five-part) token is refused here as malformed. Steps 7 and 8:
    // only the allow-listed asymmetric algorithms pass; `none` and HS* (a MAC keyed with a
    // client secret, which a public client does not have) are refused before any key is read.
    let jws = parse_compact(token.secret())?;
    let alg = jws.header.alg;

    // Step 6: the signature is checked with the key the provider published for it.
    // One call site of load_jwks (one await state, size): the cached set first, then, on an
    // unknown `kid` in it, the set fetched once more.
    let mut refetch = false;
    let key = loop {
        let (keys, source) = load_jwks(platform, cache, jwks_uri, refetch).await?;
        match keys.select(&jws.header) {
            Ok(key) => break key.clone(),
            Err(IdTokenError::UnknownKid) if source == KeySource::Cached => refetch = true,
            Err(e) => return Err(e.into()),
        }
    };
    key.check_material(alg)?;
    // JWS ECDSA signatures are exactly r || s (RFC 7518 §3.4); anything else cannot verify.
    if alg.family() == AlgFamily::Ecdsa && jws.signature().len() != 2 * alg.hash_len() {
        return Err(IdTokenError::SignatureInvalid.into());
    }
    if !platform
        .verify_signature(alg, &key, jws.signing_input(), jws.signature())
        .await?
    {
        return Err(IdTokenError::SignatureInvalid.into());
    }

    // Steps 2 to 5 and 9 to 13, on claims that are now known to come from the provider.
    let (claims, json) = jws.into_unverified_claims();
    Ok(validate_claims(claims, json, check)?)
}
