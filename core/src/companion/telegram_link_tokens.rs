//! `companion.telegram_link_tokens`: One-time tokens of the Telegram deep link (§1.7); the
//! service role's only, made by `create_telegram_link_token()`. The columns are generated
//! (`telegram_link_tokens.gen.rs`); the rule the generator cannot map is the database's check,
//! named here so that a violation names its field.

use crate::table::prelude::*;

include!("telegram_link_tokens.gen.rs");

table! {
    insert: TelegramLinkToken,
    patch: TelegramLinkTokenPatch,
    rules: [
        Rule {
            constraint: "telegram_link_tokens_token_url_safe",
            columns: &["token"],
            code: code::FORMAT,
            description: "token holds only A-Z, a-z, 0-9, _ and - (Telegram's start payload)",
        },
    ],
    shape_rules: check_telegram_link_tokens,
    derived: {},
    inputs {}
}

/// Whether `token` is made only of the characters Telegram's `start` payload takes.
pub fn is_start_payload_alphabet(token: &str) -> bool {
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The deep-link alphabet (the length is the column's kind: 32 to 64 characters).
fn check_telegram_link_tokens(d: &mut Draft, _mode: Mode, errs: &mut ValidationErrors) {
    if let Slot::Value(token) = &d.token {
        if !is_start_payload_alphabet(token) {
            errs.push(FieldError::new(
                "token",
                code::FORMAT,
                "token must hold only letters, digits, _ and -",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "7f1b0d52-3c1e-4e8a-9a51-0c2b8f3e4d10";

    #[test]
    fn a_token_is_base64url_of_32_to_64_characters() {
        let ok = format!(
            r#"{{"user_id": "{USER}", "token": "{}"}}"#,
            "aZ09_-".repeat(7) + "x"
        );
        assert!(TelegramLinkToken::shape(ok.as_bytes()).is_ok());
        let plus = format!(
            r#"{{"user_id": "{USER}", "token": "{}"}}"#,
            "a".repeat(42) + "+"
        );
        let errors = TelegramLinkToken::shape(plus.as_bytes()).unwrap_err();
        assert_eq!(errors.on("token").unwrap().code, code::FORMAT);
        let short = format!(r#"{{"user_id": "{USER}", "token": "{}"}}"#, "a".repeat(31));
        let errors = TelegramLinkToken::shape(short.as_bytes()).unwrap_err();
        assert_eq!(errors.on("token").unwrap().code, code::LENGTH);
    }

    #[test]
    fn the_token_is_made_by_the_database_when_left_out() {
        assert!(TelegramLinkToken::shape(format!(r#"{{"user_id": "{USER}"}}"#).as_bytes()).is_ok());
    }
}
