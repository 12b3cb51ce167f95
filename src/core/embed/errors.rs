//! The errors of the session bridge, each with a stable code.

/// Why the bridge refused or failed. No message quotes a token or a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmbedError {
    /// A configured origin (`origin`, `hostOrigin`, `gcHostOrigin`) is not an exact origin
    /// the bridge may trust: not `scheme://host[:port]`, `null`, plain http off loopback, or
    /// (Genesys) a host outside the region table. The text says which rule; it never echoes
    /// the input. Code `invalid_origin`.
    InvalidOrigin(&'static str),
    /// No host answered in time (or there is no parent window at all: the page is not
    /// framed, or the bridge was closed). Code `host_unavailable`.
    HostUnavailable(&'static str),
}

impl EmbedError {
    /// The stable code (`invalid_origin`, `host_unavailable`).
    pub fn code(&self) -> &'static str {
        match self {
            EmbedError::InvalidOrigin(_) => "invalid_origin",
            EmbedError::HostUnavailable(_) => "host_unavailable",
        }
    }

    /// Appends the message to `out`.
    pub fn describe(&self, out: &mut String) {
        let (head, why) = match self {
            EmbedError::InvalidOrigin(why) => ("invalid origin: ", why),
            EmbedError::HostUnavailable(why) => ("host unavailable: ", why),
        };
        out.push_str(head);
        out.push_str(why);
    }
}
