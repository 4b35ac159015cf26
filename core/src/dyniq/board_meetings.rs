//! `dyniq.board_meetings`: multi-agent deliberations, one thread (`bm-...`) each.

use crate::table::prelude::*;

include!("board_meetings.gen.rs");

table! {
    insert: BoardMeeting,
    patch: BoardMeetingPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_needs_a_bm_thread_id() {
        let m = BoardMeeting::shape(
            br#"{"thread_id": "BM-q3-pricing", "topic": "Pricing", "recommendation": "adopt"}"#,
        )
        .unwrap();
        assert_eq!(m.thread_id.as_str(), "bm-q3-pricing");
        let errors =
            BoardMeeting::shape(br#"{"thread_id": "q3-pricing", "topic": "Pricing"}"#).unwrap_err();
        assert_eq!(errors.on("thread_id").unwrap().code, code::FORMAT);
    }

    #[test]
    fn a_level_above_five_is_refused() {
        let errors =
            BoardMeeting::shape(br#"{"thread_id": "bm-1", "topic": "x", "level": 6}"#).unwrap_err();
        assert_eq!(errors.on("level").unwrap().code, code::RANGE);
    }
}
