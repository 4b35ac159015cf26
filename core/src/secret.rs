//! Secrets (API keys, JWT secrets, webhook secrets) that never show in `Debug` or `Display`, and
//! the constant-time comparison every secret check uses.

use std::fmt;

use subtle::ConstantTimeEq;

/// A secret string, as configuration hands it over. Its `Debug` and `Display` print `***`, so
/// it cannot leak into a log line or an error body by accident.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: call it only where the secret is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// Constant-time, so that comparing a presented secret with `==` cannot become a timing oracle.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Secret key material as bytes (an HMAC key decoded from base64, a JWT secret). Redacted like
/// [`Secret`]; `Debug` shows only the length.
#[derive(Clone)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(value: impl Into<Vec<u8>>) -> Self {
        SecretBytes(value.into())
    }

    /// The key itself: call it only where the key is used, never to log it.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(&self.0, &other.0)
    }
}

impl Eq for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(*** {} bytes)", self.0.len())
    }
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths. A length mismatch
/// returns `false` before any byte is read, so it reveals the length and nothing of the content;
/// where even the length must stay hidden, compare digests of both sides instead.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_or_display() {
        let s = Secret::new("hunter2");
        let shown = format!("{s:?} {s} {:?}", Some(&s));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
    }

    #[test]
    fn a_secret_is_exposed_only_on_request() {
        assert_eq!(Secret::new("hunter2").expose(), "hunter2");
        assert_eq!(Secret::from("x"), Secret::from(String::from("x")));
        assert_ne!(Secret::from("x"), Secret::from("y"));
        assert!(Secret::new("").is_empty());
    }

    #[test]
    fn secret_bytes_show_only_their_length() {
        let k = SecretBytes::new(b"key-material".to_vec());
        assert_eq!(format!("{k:?}"), "SecretBytes(*** 12 bytes)");
        assert_eq!(k.expose(), b"key-material");
        assert_eq!(k.len(), 12);
        assert!(!k.is_empty());
        assert_eq!(k, SecretBytes::new(*b"key-material"));
    }

    #[test]
    fn equal_bytes_compare_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn different_content_of_the_same_length_compares_unequal() {
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"xbc"));
    }

    #[test]
    fn a_length_mismatch_compares_unequal() {
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"abcd", b"abc"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
