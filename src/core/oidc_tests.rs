//! OpenID Connect flow tests (filled below).
