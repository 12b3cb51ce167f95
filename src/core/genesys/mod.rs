//! Genesys Cloud specifics on top of standard OAuth: the region table ([`GENESYS_REGIONS`]),
//! the token deletion and logout page that stand in for RFC 7009 revocation and OpenID
//! Connect end-session, and the Web Messenger hand-off ([`MessengerAuthCode`]).

mod messenger;
mod regions;
mod tokens;

pub use messenger::MessengerAuthCode;
pub use regions::{genesys_domain, genesys_region_list, GENESYS_REGIONS};
pub use tokens::{genesys_logout_url, genesys_token_deletion_request};
