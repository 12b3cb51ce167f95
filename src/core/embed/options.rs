//! The options of `auth.shareWithFrame(iframe, options)` and `PkceClient.fromHost(options)`,
//! read with exact keys (an unknown key is `invalid_config`, naming it).

use super::{
    ExactOrigin, BRIDGE_TIMEOUT_DEFAULT_MS, FRAME_MIN_VALIDITY_DEFAULT_MS, HOST_MARGIN_DEFAULT_MS,
};
use crate::core::error::{ConfigError, Error};
use crate::core::json::Value;
use crate::core::oauth::{parse_endpoint, MAX_LEAD_S};
use crate::core::options::Options;
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

fn seconds_ms(o: &Options<'_>, key: &'static str, default_ms: u64) -> Result<u64, ConfigError> {
    match o.whole_number(key)? {
        None => Ok(default_ms),
        Some(s) if s <= MAX_LEAD_S => Ok(s * 1000),
        Some(_) => Err(ConfigError::Invalid {
            field: key,
            reason: "must be between 0 and 86400 seconds".into(),
        }),
    }
}

fn origin(o: &Options<'_>, key: &'static str, what: &str) -> Result<ExactOrigin, Error> {
    let text = o.string(key)?.ok_or_else(|| ConfigError::Invalid {
        field: key,
        reason: what.into(),
    })?;
    Ok(ExactOrigin::parse(&text)?)
}

impl ShareOptions {
    /// Reads `shareWithFrame`'s options (as JSON).
    pub fn from_json(value: &Value) -> Result<ShareOptions, Error> {
        let o = Options::new(value, "options", SHARE_OPTION_KEYS)?;
        Ok(ShareOptions {
            origin: origin(&o, "origin", "is required: the frame's exact origin")?,
            margin_ms: seconds_ms(&o, "minValiditySeconds", HOST_MARGIN_DEFAULT_MS)?,
        })
    }
}

impl HostedOptions {
    /// Reads `fromHost`'s options (as JSON).
    pub fn from_json(value: &Value) -> Result<HostedOptions, Error> {
        let o = Options::new(value, "options", HOSTED_OPTION_KEYS)?;
        let host_origin = origin(
            &o,
            "hostOrigin",
            "is required: the host page's exact origin",
        )?;
        let api_base = match o.string("apiBase")? {
            Some(text) => Some(parse_endpoint("apiBase", &text)?),
            None => None,
        };
        let timeout_ms = seconds_ms(&o, "timeoutSeconds", BRIDGE_TIMEOUT_DEFAULT_MS)?.max(100);
        Ok(HostedOptions {
            host_origin,
            api_base,
            timeout_ms,
            min_validity_ms: seconds_ms(&o, "minValiditySeconds", FRAME_MIN_VALIDITY_DEFAULT_MS)?,
        })
    }
}
