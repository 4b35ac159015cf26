//! `dyniq.leads`: one row per person, from pilots, quizzes and referrals. The email is the natural
//! key, stored trimmed and lower-cased so that one person is one lead.

use crate::table::prelude::*;

include!("leads.gen.rs");

table! {
    insert: Lead,
    patch: LeadPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Nullable;

    #[test]
    fn a_lead_as_a_form_sends_it_is_shaped() {
        let lead = Lead::shape(
            br#"{"email": " Ada@Example.COM ", "name": " Ada ", "phone": "+32 470 12 34 56", "company_name": "",
                 "source": "Quiz", "tier": "warm", "lead_score": "55", "pain_points": "cash flow, hiring",
                 "needs": [" automation "], "urgency": "This Quarter"}"#,
        )
        .unwrap();
        assert_eq!(lead.email.as_str(), "ada@example.com");
        assert_eq!(lead.name, Nullable::Set("Ada".to_string()));
        assert_eq!(lead.company_name, Nullable::Null);
        assert_eq!(lead.urgency, Nullable::Set(Urgency::ThisQuarter));
        assert_eq!(
            serde_json::to_value(&lead).unwrap(),
            serde_json::json!({"email": "ada@example.com", "pain_points": ["cash flow", "hiring"], "needs": ["automation"],
                "name": "Ada", "phone": "+32470123456", "company_name": null, "source": "quiz", "tier": "WARM",
                "lead_score": 55, "urgency": "this_quarter"})
        );
    }

    #[test]
    fn a_lead_without_an_email_is_refused() {
        let errors = Lead::shape(br#"{"name": "Ada"}"#).unwrap_err();
        assert_eq!(errors.on("email").unwrap().code, code::REQUIRED);
        let errors = Lead::shape(br#"{"email": "  "}"#).unwrap_err();
        assert_eq!(errors.on("email").unwrap().code, code::NOT_NULL);
    }

    #[test]
    fn every_bad_field_of_a_lead_is_reported_at_once() {
        let errors = Lead::shape(
            br#"{"email": "ada", "phone": "12", "tier": "tepid", "lead_score": 101, "pain_points": 3, "updated_at": "2026-01-01T00:00:00Z", "colour": "red", "size": 2}"#,
        )
        .unwrap_err();
        let got: Vec<_> = errors.iter().map(|e| (e.field.as_ref(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("email", code::FORMAT),
                ("phone", code::FORMAT),
                ("tier", code::ENUM),
                ("lead_score", code::RANGE),
                ("pain_points", code::TYPE),
                ("updated_at", code::READONLY),
                ("colour", code::UNKNOWN_FIELD),
                ("size", code::UNKNOWN_FIELD),
            ]
        );
        assert_eq!(errors.on("tier").unwrap().allowed, ["HOT", "WARM", "COLD"]);
    }

    #[test]
    fn null_pain_points_are_refused_because_the_column_is_not_null() {
        let errors = Lead::shape(br#"{"email": "a@b.co", "pain_points": null}"#).unwrap_err();
        assert_eq!(errors.on("pain_points").unwrap().code, code::NOT_NULL);
    }

    #[test]
    fn a_lead_patch_may_clear_a_nullable_field_but_not_change_its_id() {
        let patch = LeadPatch::shape(br#"{"phone": null, "status": "CHURNED"}"#).unwrap();
        assert_eq!(patch.phone, Nullable::Null);
        assert_eq!(patch.status, Nullable::Set(Status::Churned));
        assert!(patch.email.is_none());
        let errors =
            LeadPatch::shape(br#"{"id": "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f"}"#).unwrap_err();
        assert_eq!(errors.on("id").unwrap().code, code::READONLY);
    }

    #[test]
    fn an_empty_patch_is_refused() {
        assert_eq!(
            LeadPatch::shape(b"{}").unwrap_err().as_slice()[0].code,
            code::EMPTY
        );
    }
}
