//! `companion.users`: A companion profile, one per Supabase Auth user (§1.1), made by
//! `ensure_profile()`. The columns are generated (`users.gen.rs`); the rules the generator cannot
//! map are the database's checks, named here so that a violation names its fields.

use crate::table::prelude::*;

/// The one key of `preferences` with behaviour: true stops the daily check-in (`/pause`, or the
/// bot blocked). It may be absent; when present it is a boolean, as the database holds.
pub const DAILY_MESSAGES_PAUSED: &str = "daily_messages_paused";

include!("users.gen.rs");

table! {
    insert: User,
    patch: UserPatch,
    rules: [
        Rule {
            constraint: "users_telegram_both_or_neither",
            columns: &["telegram_user_id", "telegram_linked_at"],
            code: code::REQUIRED,
            description: "telegram_user_id and telegram_linked_at are set together (by the link flow)",
        },
        Rule {
            constraint: "users_preferences_daily_messages_paused_boolean",
            columns: &["preferences"],
            code: code::TYPE,
            description: "preferences.daily_messages_paused, when present, is true or false",
        },
    ],
    shape_rules: check_users,
    derived: {},
    inputs {}
}

/// The known keys of `preferences` have their types. (The telegram_* pair is written only by
/// the link flow's functions, never by a client: the core has nothing of it to check.)
fn check_users(d: &mut Draft, _mode: Mode, errs: &mut ValidationErrors) {
    if let Slot::Value(preferences) = &d.preferences {
        if let Some(v) = preferences.get(DAILY_MESSAGES_PAUSED) {
            if !v.is_boolean() {
                errs.push(FieldError::new(
                    "preferences",
                    code::TYPE,
                    "preferences.daily_messages_paused must be true or false",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_messages_paused_must_be_a_boolean() {
        let errors =
            User::shape(br#"{"preferences": {"daily_messages_paused": "yes"}}"#).unwrap_err();
        assert_eq!(errors.on("preferences").unwrap().code, code::TYPE);
        let errors =
            UserPatch::shape(br#"{"preferences": {"daily_messages_paused": null}}"#).unwrap_err();
        assert_eq!(errors.on("preferences").unwrap().code, code::TYPE);
        assert!(UserPatch::shape(
            br#"{"preferences": {"daily_messages_paused": true, "theme": "dark"}}"#
        )
        .is_ok());
        assert!(User::shape(br#"{"preferences": {}}"#).is_ok());
    }

    #[test]
    fn a_client_cannot_write_what_the_link_flow_and_billing_own() {
        for field in [
            "telegram_user_id",
            "telegram_linked_at",
            "subscription_status",
            "onboarding_completed_at",
            "messages_sent_count",
        ] {
            let body = format!(r#"{{"{field}": null}}"#);
            let errors = UserPatch::shape(body.as_bytes()).unwrap_err();
            assert_eq!(errors.on(field).unwrap().code, code::READONLY, "{field}");
        }
    }

    #[test]
    fn the_email_is_set_once() {
        let errors = UserPatch::shape(br#"{"email": "ada@example.com"}"#).unwrap_err();
        assert_eq!(errors.on("email").unwrap().code, code::READONLY);
    }
}
