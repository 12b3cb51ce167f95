//! The host origin of an app embedded in Genesys Cloud (a Client App, an interaction widget):
//! Genesys appends `gcHostOrigin` (the origin of the Genesys Cloud UI framing the app) and
//! `gcTargetEnv` (its environment, `prod`, `prod-euw2`...) to the app's URL.
//!
//! Genesys' own Client App SDK takes `gcHostOrigin` as given, any scheme and port, and
//! localhost in production. Here it must be an origin of the region table:
//! `https`, the default port, and a host that is one of the regions' domains or one label
//! under it (`apps.mypurecloud.ie`), nothing else. Anyone can put any query on a URL, so an
//! app must never post to an origin read from its query without this check.

use crate::core::weburl::form_pairs;

use super::{EmbedError, ExactOrigin};
use crate::core::{genesys_domain, GENESYS_REGIONS};

/// The Genesys Cloud UI framing an app, as [`genesys_host_origin`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesysHost {
    /// The origin to trust and post to (`https://apps.mypurecloud.ie`).
    pub origin: ExactOrigin,
    /// The region id (`eu_west_1`).
    pub region: &'static str,
    /// The region's domain (`mypurecloud.ie`).
    pub domain: &'static str,
    /// `gcTargetEnv` when given (`prod`, `prod-euw2`): checked for its form only; the
    /// region comes from the origin.
    pub target_env: Option<String>,
}

/// Whether `label` is one DNS label: lower-case letters, digits and inner `-`.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Reads `gcHostOrigin` and `gcTargetEnv` from `search` (`location.search`, with or without
/// its `?`) and checks them: exactly one `gcHostOrigin`, an https origin with the default
/// port whose host is a region's domain or one label under it, of `region` when one is
/// expected (an id or a domain, as in the configuration); `gcTargetEnv`, when present once,
/// `prod` or `prod-<letters and digits>`. Any failure is `invalid_origin`, naming the rule,
/// never the value.
pub fn genesys_host_origin(search: &str, region: Option<&str>) -> Result<GenesysHost, EmbedError> {
    let query = search.strip_prefix('?').unwrap_or(search);
    let mut host_origin = None;
    let mut target_env = None;
    for (key, value) in form_pairs(query) {
        let slot = match key.as_ref() {
            "gcHostOrigin" => &mut host_origin,
            "gcTargetEnv" => &mut target_env,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(EmbedError::InvalidOrigin(
                "gcHostOrigin and gcTargetEnv may each appear once",
            ));
        }
    }
    let text = host_origin.ok_or(EmbedError::InvalidOrigin(
        "the page's URL has no gcHostOrigin: is it embedded by Genesys Cloud?",
    ))?;
    let origin = ExactOrigin::parse(&text)?;
    let rest = origin
        .as_str()
        .strip_prefix("https://")
        .ok_or(EmbedError::InvalidOrigin("gcHostOrigin must be https"))?;
    if rest.contains(':') {
        return Err(EmbedError::InvalidOrigin(
            "gcHostOrigin must use the default port",
        ));
    }
    let wanted = match region {
        Some(r) => Some(genesys_domain(r).ok_or(EmbedError::InvalidOrigin(
            "the expected region is not a Genesys Cloud region",
        ))?),
        None => None,
    };
    let found = GENESYS_REGIONS.iter().find(|(_, domain)| {
        rest == *domain
            || rest
                .strip_suffix(domain)
                .and_then(|h| h.strip_suffix('.'))
                .is_some_and(is_label)
    });
    let (id, domain) = found.ok_or(EmbedError::InvalidOrigin(
        "gcHostOrigin is not a Genesys Cloud origin (a region's domain or one label under it)",
    ))?;
    if wanted.is_some_and(|w| w != *domain) {
        return Err(EmbedError::InvalidOrigin(
            "gcHostOrigin is in another Genesys Cloud region than the configured one",
        ));
    }
    if let Some(env) = &target_env {
        let ok = env == "prod"
            || env.strip_prefix("prod-").is_some_and(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if !ok {
            return Err(EmbedError::InvalidOrigin(
                "gcTargetEnv must be prod or prod-<region code>",
            ));
        }
    }
    Ok(GenesysHost {
        origin,
        region: id,
        domain,
        target_env,
    })
}
