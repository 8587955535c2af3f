//! Small security helpers, reused everywhere: secret generation and constant-time comparison.

use base64::Engine;
use subtle::ConstantTimeEq;

/// A webhook secret: 32 random bytes as 43 characters of `A-Za-z0-9_-` (what Telegram accepts).
pub fn new_webhook_secret() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Telegram's rule for `secret_token`: 1–256 characters of `A-Za-z0-9_-`.
pub fn is_valid_webhook_secret(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Compares two secrets (or their hashes) in constant time (for equal lengths).
pub fn constant_time_eq(presented: &[u8], expected: &[u8]) -> bool {
    presented.len() == expected.len() && bool::from(presented.ct_eq(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_valid_and_distinct() {
        let (a, b) = (new_webhook_secret(), new_webhook_secret());
        assert!(is_valid_webhook_secret(&a) && a.len() == 43);
        assert_ne!(a, b);
    }

    #[test]
    fn matching() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abd", b"abc"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!is_valid_webhook_secret("has space"));
        assert!(!is_valid_webhook_secret(""));
    }
}
