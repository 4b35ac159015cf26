//! `dyniq.board_meetings`: multi-agent deliberations, one thread (`bm-...`) each.

use crate::shape::check_enum;
use crate::table::prelude::*;

check_enum! {
    /// processing → completed; `stalled` is set by the cron job when processing takes over an hour.
    pub enum MeetingStatus {
        Processing = "processing",
        Completed = "completed",
        Stalled = "stalled",
    }
}

check_enum! {
    /// The board's verdict.
    pub enum Recommendation {
        Adopt = "ADOPT",
        Defer = "DEFER",
        Reject = "REJECT",
    }
}

define_table! {
    /// A board meeting.
    table "dyniq"."board_meetings" {
        insert: BoardMeeting,
        patch: BoardMeetingPatch,
        primary_key: ["id"],
        unique: [["thread_id"]],
        rules: [],
        shape_rules: no_rules,
    }
    set_once {
        id: Uuid = shape::uuid(), default = Server("gen_random_uuid()");
        created_at: Timestamp = shape::timestamptz(), default = Server("now()");
    }
    required {
        /// `bm-` and letters, digits, `_` or `-`.
        thread_id: ThreadId = shape::thread_id(100);
        topic: String = shape::text();
    }
    defaulted {
        /// 0 to 5.
        level: i32 = shape::int_range(0, 5), default = Constant("0");
        status: MeetingStatus = shape::choice::<MeetingStatus>(), default = Constant("\"processing\"");
        /// Each agent's analysis, as the agents wrote it.
        agent_analyses: JsonObject = shape::json_object(), default = Constant("{}");
        agent_count: i32 = shape::int_min(0), default = Constant("0");
    }
    nullable {
        decision_type: String = shape::varchar(100);
        recommendation: Recommendation = shape::choice::<Recommendation>();
        total_cost_usd: f64 = shape::float_min(0.0);
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
