//! The `Authorization: Bearer <token>` header (RFC 6750): HTTP, so it lives here rather than in
//! the core, which verifies the token once it is read.

/// The largest bearer token accepted, in bytes. A Supabase access token is well under 2 KB; a
/// larger header is refused before it is parsed, verified or forwarded (PostgREST refuses
/// oversized headers with an error of its own).
pub const MAX_TOKEN_BYTES: usize = 8192;

/// Why an `Authorization` header gave no bearer token. Each message tells the client what to
/// send; none echoes the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerError {
    Missing,
    Malformed,
    TooLarge,
}

impl std::fmt::Display for BearerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BearerError::Missing => {
                f.write_str("Missing Authorization header: send `Authorization: Bearer <token>`.")
            }
            BearerError::Malformed => f.write_str(
                "Malformed Authorization header: send `Authorization: Bearer <token>`, the scheme, one space and the token.",
            ),
            BearerError::TooLarge => write!(
                f,
                "The bearer token is larger than {MAX_TOKEN_BYTES} bytes: send the access token Supabase Auth issued."
            ),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header. The scheme is case-insensitive
/// (RFC 7235: `Bearer`, `bearer`, `BEARER`), followed by one or more spaces and a non-empty
/// token of visible ASCII characters; trailing spaces are ignored. A header whose token is longer
/// than [`MAX_TOKEN_BYTES`] is refused first, before anything else is done with it.
pub fn bearer_token(header: Option<&str>) -> Result<&str, BearerError> {
    const SCHEME: &str = "bearer";
    let header = header.ok_or(BearerError::Missing)?;
    // The scheme, a space and the token: anything longer holds a token over the limit (or a
    // run of spaces no client sends), and is refused unread.
    if header.len() > SCHEME.len() + 1 + MAX_TOKEN_BYTES + 64 {
        return Err(BearerError::TooLarge);
    }
    let header = header.trim_end_matches(' ');
    if header.trim_start().is_empty() {
        return Err(BearerError::Missing);
    }
    let (scheme, rest) = header
        .split_at_checked(SCHEME.len())
        .ok_or(BearerError::Malformed)?;
    if !scheme.eq_ignore_ascii_case(SCHEME) || !rest.starts_with(' ') {
        return Err(BearerError::Malformed);
    }
    let token = rest.trim_start_matches(' ');
    if token.len() > MAX_TOKEN_BYTES {
        return Err(BearerError::TooLarge);
    }
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(BearerError::Malformed);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for header in [
            "Bearer t.o.k",
            "bearer t.o.k",
            "BEARER t.o.k",
            "bEaReR   t.o.k  ",
        ] {
            assert_eq!(bearer_token(Some(header)), Ok("t.o.k"), "{header}");
        }
    }

    #[test]
    fn a_missing_or_blank_authorization_header_is_missing() {
        assert_eq!(bearer_token(None), Err(BearerError::Missing));
        assert_eq!(bearer_token(Some("")), Err(BearerError::Missing));
        assert_eq!(bearer_token(Some("   ")), Err(BearerError::Missing));
    }

    #[test]
    fn another_scheme_or_no_token_is_malformed() {
        for header in [
            "Basic dXNlcjpwdw==",
            "Bearer",
            "Bearer ",
            "Bearertoken",
            "Bearer\ttoken",
            "Bearer a b",
            "Bearer tok\u{e9}n",
            "Bear",
            "Beаrer token",
        ] {
            assert_eq!(
                bearer_token(Some(header)),
                Err(BearerError::Malformed),
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_token_longer_than_the_limit_is_refused_as_too_large() {
        let at_limit = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES));
        assert_eq!(
            bearer_token(Some(&at_limit)).map(str::len),
            Ok(MAX_TOKEN_BYTES)
        );
        let over = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES + 1));
        assert_eq!(bearer_token(Some(&over)), Err(BearerError::TooLarge));
        // Too large is decided before the header is read: even a malformed one says so.
        let huge = format!("Basic {}", "\u{e9}".repeat(40_000));
        assert_eq!(bearer_token(Some(&huge)), Err(BearerError::TooLarge));
    }

    #[test]
    fn bearer_errors_tell_the_client_what_to_send() {
        for e in [BearerError::Missing, BearerError::Malformed] {
            assert!(
                e.to_string().contains("Authorization: Bearer <token>"),
                "{e}"
            );
        }
        assert!(BearerError::TooLarge.to_string().contains("8192 bytes"));
    }
}
