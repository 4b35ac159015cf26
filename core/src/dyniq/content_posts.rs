//! `dyniq.content_posts`: the posts DYNIQ publishes.

use crate::shape::check_enum;
use crate::table::prelude::*;

check_enum! {
    /// Where a post is published.
    pub enum Platform {
        Linkedin = "linkedin",
        Twitter = "twitter",
    }
}

define_table! {
    /// A published (or planned) post.
    table "dyniq"."content_posts" {
        insert: ContentPost,
        patch: ContentPostPatch,
        primary_key: ["id"],
        unique: [],
        rules: [],
        shape_rules: no_rules,
    }
    set_once {
        id: Uuid = shape::uuid(), default = Server("gen_random_uuid()");
        created_at: Timestamp = shape::timestamptz(), default = Server("now()");
    }
    required {
        platform: Platform = shape::choice::<Platform>();
    }
    defaulted {}
    nullable {
        /// The opening line.
        hook: String = shape::text();
        topic: String = shape::varchar(200);
        body: String = shape::text();
        post_date: Date = shape::date();
    }
    readonly {
        updated_at = shape::timestamptz(), nullable = false, default = Server("now()");
    }
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_needs_a_known_platform() {
        let post =
            ContentPost::shape(br#"{"platform": "LinkedIn", "post_date": "2026-11-22"}"#).unwrap();
        assert_eq!(post.platform, Platform::Linkedin);
        let errors = ContentPost::shape(br#"{"platform": "mastodon"}"#).unwrap_err();
        assert_eq!(
            errors.on("platform").unwrap().allowed,
            ["linkedin", "twitter"]
        );
    }

    #[test]
    fn a_post_date_must_be_a_date() {
        let errors = ContentPost::shape(br#"{"platform": "twitter", "post_date": "22/11/2026"}"#)
            .unwrap_err();
        assert_eq!(errors.on("post_date").unwrap().code, code::FORMAT);
    }
}
