//! `dyniq.content_posts`: the posts DYNIQ publishes.

use crate::table::prelude::*;

include!("content_posts.gen.rs");

table! {
    insert: ContentPost,
    patch: ContentPostPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
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
