//! The options of `auth.shareWithFrame(iframe, options)` and `PkceClient.fromHost(options)`,
//! read with exact keys (an unknown key is `invalid_config`, naming it).

use super::{
    ExactOrigin, BRIDGE_TIMEOUT_DEFAULT_MS, FRAME_MIN_VALIDITY_DEFAULT_MS, HOST_MARGIN_DEFAULT_MS,
};
use crate::core::error::Error;
use crate::core::json::Value;
use crate::core::oauth::{parse_endpoint, MAX_LEAD_S};
use crate::core::options::{read, Spec};
use crate::core::WebUrl;

/// The keys of `shareWithFrame`'s options.
pub const SHARE_OPTION_KEYS: &[&str] = &["origin", "minValiditySeconds"];
/// The keys of `fromHost`'s options.
pub const HOSTED_OPTION_KEYS: &[&str] = &[
    "hostOrigin",
    "apiBase",
    "timeoutSeconds",
    "minValiditySeconds",
];

const SECONDS: Spec = Spec::Range(0, MAX_LEAD_S, "must be between 0 and 86400 seconds");
const SHARE_OPTION_SPECS: &[Spec] = &[
    Spec::Required("is required: the frame's exact origin"),
    SECONDS,
];
const HOSTED_OPTION_SPECS: &[Spec] = &[
    Spec::Required("is required: the host page's exact origin"),
    Spec::Str,
    SECONDS,
    SECONDS,
];

/// The validated options of the host's end of a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareOptions {
    /// The frame's origin: the only one answered, the only target posted to.
    pub origin: ExactOrigin,
    /// A token expiring within this is refreshed before it is handed over, in ms.
    pub margin_ms: u64,
}

/// The validated options of the frame's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedOptions {
    /// The host page's origin: the only one listened to, the only target posted to.
    pub host_origin: ExactOrigin,
    /// Where `callApi` may send the token.
    pub api_base: Option<WebUrl>,
    /// How long a token request waits for the host, in ms.
    pub timeout_ms: u64,
    /// A token with less than this left is asked for again, in ms.
    pub min_validity_ms: u64,
}

/// Seconds given, in ms, or the default (in ms).
fn ms(seconds: Option<u64>, default_ms: u64) -> u64 {
    seconds.map_or(default_ms, |s| s * 1000)
}

impl ShareOptions {
    /// Reads `shareWithFrame`'s options (as JSON).
    pub fn from_json(value: &Value) -> Result<ShareOptions, Error> {
        let mut f = read(value, "options", SHARE_OPTION_KEYS, SHARE_OPTION_SPECS)?;
        let origin = f.string().unwrap_or_default();
        let margin_ms = ms(f.number(), HOST_MARGIN_DEFAULT_MS);
        Ok(ShareOptions {
            origin: ExactOrigin::parse(&origin)?,
            margin_ms,
        })
    }
}

impl HostedOptions {
    /// Reads `fromHost`'s options (as JSON).
    pub fn from_json(value: &Value) -> Result<HostedOptions, Error> {
        let mut f = read(value, "options", HOSTED_OPTION_KEYS, HOSTED_OPTION_SPECS)?;
        let host_origin = f.string().unwrap_or_default();
        let api_base = f.string();
        let timeout_ms = ms(f.number(), BRIDGE_TIMEOUT_DEFAULT_MS).max(100);
        let min_validity_ms = ms(f.number(), FRAME_MIN_VALIDITY_DEFAULT_MS);
        let host_origin = ExactOrigin::parse(&host_origin)?;
        let api_base = match api_base {
            Some(text) => Some(parse_endpoint("apiBase", &text)?),
            None => None,
        };
        Ok(HostedOptions {
            host_origin,
            api_base,
            timeout_ms,
            min_validity_ms,
        })
    }
}
