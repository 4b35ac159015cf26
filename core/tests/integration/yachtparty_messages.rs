//! Yachtparty's outbound queue and inbound SMS against the migrated database: the core's
//! sending rules ([`rowgate_core::yachtparty::sending`]) give the SQL functions' answers on a
//! table of cases (zones with and without DST, half-hour offsets, windows across midnight and
//! ending in a DST gap or fold, the DST days of 2026), and the queue and the SMS writes hold
//! under real concurrency: several sessions at once, each its own connection, released together
//! by a barrier.
//!
//! Every run makes its own users (phone numbers unique to the run) and deletes them at the end;
//! the rules' cases run in transactions that are rolled back. The queue tests claim at instants
//! of their own (2090 and 2091, after anything the pgTAP suite uses) and take turns
//! ([`QUEUE_TESTS`]), because a claim takes every due row in the database.

use std::collections::HashSet;
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rowgate_core::yachtparty::sending::{
    agent_task_backoff, decide, is_active, local_instant, next_local_midnight, send_retry_delay,
    Claimed, Decision, Limits, QuietHours, Recipient, MAX_SEND_ATTEMPTS,
};

use crate::support;

/// The queue tests claim whatever is due at their instant: one at a time.
static QUEUE_TESTS: Mutex<()> = Mutex::new(());

fn queue_turn() -> MutexGuard<'static, ()> {
    QUEUE_TESTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Eight digits unique to this run and call: phone numbers `+1999<run><nnn>`.
fn run_id() -> u64 {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (nanos / 1000 + call * 7_919 + u64::from(std::process::id()) * 104_729) % 100_000_000
}

fn phone(run: u64, i: u32) -> String {
    format!("+1999{run:08}{i:03}")
}

/// A Twilio message SID unique to the run.
fn sid(run: u64, i: u32) -> String {
    format!(
        "SM{:032x}",
        (u128::from(run) << 64) | u128::from(i) | 0xa5 << 40
    )
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn hm(t: NaiveTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn zone(name: &str) -> Tz {
    name.parse().unwrap()
}

/// Deletes the run's users (their conversations, messages, queue rows and budget rows go with
/// them; events are append-only and stay).
fn delete_users(client: &mut postgres::Client, run: u64) {
    client
        .execute(
            "delete from yachtparty.users where phone_number::text like $1",
            &[&format!("+1999{run:08}%")],
        )
        .unwrap();
}

// ------------------------------------------------------------------------------------------------
// The rules, case by case: core against SQL
// ------------------------------------------------------------------------------------------------

const ZONES: [&str; 6] = [
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "America/Santiago",
    "Europe/London",
    "UTC",
];

/// (start, end): across midnight, within a day, from midnight, to midnight, ending in New
/// York's and Auckland's spring gap (02:30) and autumn fold (01:30, 02:30).
fn windows() -> Vec<QuietHours> {
    [
        ((22, 0), (8, 0)),
        ((23, 30), (6, 15)),
        ((13, 0), (14, 0)),
        ((0, 0), (7, 0)),
        ((21, 0), (0, 0)),
        ((1, 0), (2, 30)),
        ((23, 0), (1, 30)),
        ((2, 0), (3, 0)),
    ]
    .into_iter()
    .map(|((sh, sm), (eh, em))| QuietHours::new(time(sh, sm), time(eh, em)).unwrap())
    .collect()
}

/// Every 15 minutes over three days around each DST change of 2026 in these zones (New York
/// Mar 8 / Nov 1, London Mar 29 / Oct 25, Auckland Apr 5 / Sep 27, Santiago Apr 5 / Sep 6) and
/// an ordinary day.
fn instants() -> Vec<i64> {
    let days = [
        (3, 8),
        (11, 1),
        (3, 29),
        (10, 25),
        (4, 5),
        (9, 27),
        (9, 6),
        (6, 15),
    ];
    let mut out: Vec<i64> = days
        .iter()
        .flat_map(|&(m, d)| {
            let start = utc(2026, m, d, 0, 0) - TimeDelta::days(1);
            (0..3 * 96).map(move |q| (start + TimeDelta::minutes(15 * q)).timestamp())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn quiet_hours_and_local_midnights_match_the_sql_functions() {
    let Some(mut db) = support::database() else {
        return;
    };
    let instants = instants();
    let mut compared = 0;
    for name in ZONES {
        let tz = zone(name);
        for window in windows() {
            let rows = db
                .query(
                    "select s,
                            yachtparty.in_quiet_hours((pg_catalog.to_timestamp(s) at time zone $2::text)::time, $3::text::time, $4::text::time),
                            extract(epoch from yachtparty.quiet_hours_end_at(pg_catalog.to_timestamp(s), $2::text, $3::text::time, $4::text::time))::bigint,
                            extract(epoch from yachtparty.next_local_midnight(pg_catalog.to_timestamp(s), $2::text))::bigint
                       from unnest($1::bigint[]) s
                      order by s",
                    &[&instants, &name, &hm(window.start()), &hm(window.end())],
                )
                .unwrap();
            assert_eq!(rows.len(), instants.len());
            for row in rows {
                let now = at(row.get(0));
                let local = now.with_timezone(&tz).naive_local();
                let quiet: bool = row.get(1);
                let end: i64 = row.get(2);
                let midnight: i64 = row.get(3);
                let case = format!("{name}, window {:?}, at {now:?} (local {local:?})", window);
                assert_eq!(
                    window.contains(local.time()),
                    quiet,
                    "in quiet hours: {case}"
                );
                assert_eq!(
                    window.next_allowed(now, &tz),
                    at(end),
                    "end of quiet hours: {case}"
                );
                assert_eq!(
                    next_local_midnight(now, &tz),
                    at(midnight),
                    "next local midnight: {case}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 50_000, "compared {compared} cases");
}

#[test]
fn the_window_test_matches_the_sql_function_at_every_minute() {
    let Some(mut db) = support::database() else {
        return;
    };
    for window in windows() {
        let rows = db
            .query(
                "select m, yachtparty.in_quiet_hours(time '00:00' + m * interval '1 minute', $1::text::time, $2::text::time)
                   from generate_series(0, 1439) m order by m",
                &[&hm(window.start()), &hm(window.end())],
            )
            .unwrap();
        for row in rows {
            let minute: i32 = row.get(0);
            let local = time(minute as u32 / 60, minute as u32 % 60);
            assert_eq!(
                window.contains(local),
                row.get::<_, bool>(1),
                "{window:?} at {local}"
            );
        }
    }
}

#[test]
fn wall_clock_times_in_gaps_and_folds_resolve_as_postgresql_resolves_them() {
    let Some(mut db) = support::database() else {
        return;
    };
    // Every 10 minutes of the local days around each change, in every zone.
    let locals: Vec<chrono::NaiveDateTime> = [
        (3, 8),
        (11, 1),
        (3, 29),
        (10, 25),
        (4, 4),
        (4, 5),
        (9, 5),
        (9, 6),
        (9, 27),
    ]
    .iter()
    .flat_map(|&(m, d)| {
        let day = chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        (0..144).map(move |i| day.and_time(time(i / 6, i % 6 * 10)))
    })
    .collect();
    let texts: Vec<String> = locals
        .iter()
        .map(|l| {
            use chrono::Datelike;
            format!(
                "{:04}-{:02}-{:02} {}",
                l.year(),
                l.month(),
                l.day(),
                hm(l.time())
            )
        })
        .collect();
    for name in ZONES {
        let tz = zone(name);
        let rows = db
            .query(
                "select extract(epoch from l::timestamp at time zone $2::text)::bigint
                   from unnest($1::text[]) with ordinality as x(l, n) order by n",
                &[&texts, &name],
            )
            .unwrap();
        for (local, row) in locals.iter().zip(rows) {
            assert_eq!(
                local_instant(&tz, *local),
                at(row.get(0)),
                "{name} {local:?}"
            );
        }
    }
}

#[test]
fn the_backoff_matches_fail_agent_task() {
    let Some(mut db) = support::database() else {
        return;
    };
    let mut tx = db.transaction().unwrap();
    let now = utc(2026, 6, 15, 12, 0).timestamp();
    for n in 0..=25i32 {
        let row = tx
            .query_one(
                "with task as (
                   insert into yachtparty.agent_tasks (task_type, agent_type, scheduled_for, status, retry_count,
                     max_retries, last_attempted_at, context_json)
                   values ('backoff_test', 'system', pg_catalog.to_timestamp($1::bigint), 'processing', $2, 100,
                     pg_catalog.to_timestamp($1::bigint), '{}')
                   returning id)
                 select extract(epoch from (yachtparty.fail_agent_task(task.id, 'boom', pg_catalog.to_timestamp($1::bigint))).scheduled_for)::bigint
                   from task",
                &[&now, &n],
            )
            .unwrap();
        let scheduled: i64 = row.get(0);
        assert_eq!(
            at(scheduled) - at(now),
            agent_task_backoff(n as u32),
            "retry_count {n}"
        );
    }
    tx.rollback().unwrap();
}

#[test]
fn the_send_retry_delay_matches_send_retry_delay_and_max_send_attempts() {
    let Some(mut db) = support::database() else {
        return;
    };
    let retry_afters: [Option<i32>; 6] = [None, Some(0), Some(1), Some(45), Some(300), Some(7200)];
    let mut compared = 0;
    for attempts in 0..=10i32 {
        for retry_after in retry_afters {
            let row = db
                .query_one(
                    "select extract(epoch from yachtparty.send_retry_delay($1, $2))::bigint",
                    &[&attempts, &retry_after],
                )
                .unwrap();
            let seconds: i64 = row.get(0);
            assert_eq!(
                send_retry_delay(attempts as u32, retry_after.map(|s| s as u32)),
                TimeDelta::seconds(seconds),
                "attempts {attempts}, Retry-After {retry_after:?}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 66);
    let max: i32 = db
        .query_one("select yachtparty.max_send_attempts()", &[])
        .unwrap()
        .get(0);
    assert_eq!(MAX_SEND_ATTEMPTS, max as u32, "max_send_attempts()");
}

/// One claim's situation: the user's zone, window and budget, what they were sent lately, whether
/// they texted in, and the due message.
struct Case {
    name: &'static str,
    now: DateTime<Utc>,
    zone: &'static str,
    window: Option<(NaiveTime, NaiveTime)>,
    quiet_hours_enabled: bool,
    limits: (u32, u32),
    sent_today: u32,
    /// Units claimed earlier: (minutes ago, rows in the unit).
    claimed: Vec<(i64, u32)>,
    inbound_minutes_ago: Option<i64>,
    /// The due message has a conversation context (a reply, if the user is active).
    context: bool,
}

impl Case {
    fn new(name: &'static str, now: DateTime<Utc>, zone: &'static str) -> Case {
        Case {
            name,
            now,
            zone,
            window: None,
            quiet_hours_enabled: true,
            limits: (5, 2),
            sent_today: 0,
            claimed: vec![],
            inbound_minutes_ago: None,
            context: false,
        }
    }
}

fn cases() -> Vec<Case> {
    let ny_3am_spring = utc(2026, 3, 8, 7, 0); // 03:00 EDT, the day clocks go forward
    vec![
        Case::new(
            "03:00 in New York, asleep",
            ny_3am_spring,
            "America/New_York",
        ),
        Case {
            inbound_minutes_ago: Some(5),
            ..Case::new(
                "03:00 in New York, texted 5 minutes ago",
                ny_3am_spring,
                "America/New_York",
            )
        },
        Case {
            inbound_minutes_ago: Some(11),
            ..Case::new(
                "03:00 in New York, texted 11 minutes ago",
                ny_3am_spring,
                "America/New_York",
            )
        },
        Case::new(
            "23:30 EST the night before the spring change",
            utc(2026, 3, 8, 4, 30),
            "America/New_York",
        ),
        Case::new(
            "23:30 EDT the night before the autumn change",
            utc(2026, 11, 1, 3, 30),
            "America/New_York",
        ),
        Case {
            quiet_hours_enabled: false,
            ..Case::new(
                "03:00 in New York, quiet hours off",
                ny_3am_spring,
                "America/New_York",
            )
        },
        Case {
            window: Some((time(1, 0), time(2, 30))),
            ..Case::new(
                "a window ending in New York's spring gap",
                utc(2026, 3, 8, 6, 15),
                "America/New_York",
            )
        },
        Case {
            window: Some((time(23, 0), time(1, 30))),
            ..Case::new(
                "a window ending in New York's autumn fold",
                utc(2026, 11, 1, 4, 0),
                "America/New_York",
            )
        },
        Case {
            window: Some((time(21, 0), time(0, 0))),
            ..Case::new(
                "a window ending at Santiago's skipped midnight",
                utc(2026, 9, 6, 2, 0),
                "America/Santiago",
            )
        },
        Case::new(
            "02:30 in Auckland as clocks go forward",
            utc(2026, 9, 26, 14, 30),
            "Pacific/Auckland",
        ),
        Case::new(
            "23:00 in Auckland before clocks go back",
            utc(2026, 4, 4, 10, 0),
            "Pacific/Auckland",
        ),
        Case {
            window: Some((time(23, 30), time(6, 15))),
            ..Case::new("06:00 in Kolkata", utc(2026, 6, 15, 0, 30), "Asia/Kolkata")
        },
        Case {
            limits: (2, 10),
            sent_today: 2,
            ..Case::new(
                "noon in Kolkata, the day's 2 sent",
                utc(2026, 6, 15, 6, 30),
                "Asia/Kolkata",
            )
        },
        Case {
            limits: (2, 10),
            sent_today: 2,
            ..Case::new(
                "noon in New York on the autumn change, the day's 2 sent",
                utc(2026, 11, 1, 17, 0),
                "America/New_York",
            )
        },
        Case {
            limits: (2, 10),
            sent_today: 1,
            ..Case::new(
                "noon in Kolkata, 1 of 2 sent",
                utc(2026, 6, 15, 6, 30),
                "Asia/Kolkata",
            )
        },
        Case {
            sent_today: 2,
            claimed: vec![(20, 1), (40, 1)],
            ..Case::new(
                "afternoon in Auckland, 2 sends in the hour",
                utc(2026, 4, 5, 2, 0),
                "Pacific/Auckland",
            )
        },
        Case {
            sent_today: 2,
            claimed: vec![(20, 1), (61, 1)],
            ..Case::new(
                "afternoon in Auckland, 1 send in the hour",
                utc(2026, 4, 5, 2, 0),
                "Pacific/Auckland",
            )
        },
        Case {
            limits: (5, 3),
            sent_today: 2,
            claimed: vec![(30, 3), (10, 1)],
            ..Case::new(
                "a sequence of 3 counts once",
                utc(2026, 6, 15, 16, 0),
                "UTC",
            )
        },
        Case {
            sent_today: 2,
            claimed: vec![(30, 3), (10, 1)],
            ..Case::new(
                "a sequence and a send fill the hour",
                utc(2026, 6, 15, 16, 0),
                "UTC",
            )
        },
        Case {
            limits: (5, 1),
            sent_today: 3,
            claimed: vec![(50, 1), (30, 1), (10, 1)],
            ..Case::new(
                "an hour over its lowered limit",
                utc(2026, 6, 15, 16, 0),
                "UTC",
            )
        },
        Case {
            sent_today: 5,
            inbound_minutes_ago: Some(2),
            context: true,
            ..Case::new(
                "a reply at 03:00 with the day used up",
                ny_3am_spring,
                "America/New_York",
            )
        },
        Case {
            context: true,
            ..Case::new(
                "a row with a context to a user who is asleep",
                ny_3am_spring,
                "America/New_York",
            )
        },
        Case {
            sent_today: 5,
            inbound_minutes_ago: Some(2),
            ..Case::new(
                "a proactive message to an active user with the day used up",
                utc(2026, 6, 15, 16, 0),
                "America/New_York",
            )
        },
    ]
}

/// What became of a due message: sent (and whether the budget counted it), or left to wait
/// until an instant. (The database does not record why a row waits.)
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Sent { counts: bool },
    Waits(DateTime<Utc>),
}

/// What the SQL claim did with the case's due message.
fn sql_outcome(db: &mut postgres::Client, run: u64, i: u32, case: &Case) -> Outcome {
    let mut tx = db.transaction().unwrap();
    let now = case.now.timestamp();
    let (start, end) = case
        .window
        .map_or((None, None), |(s, e)| (Some(hm(s)), Some(hm(e))));
    let user: String = tx
        .query_one(
            "insert into yachtparty.users (phone_number, timezone, quiet_hours_start, quiet_hours_end)
             values ($1::text, $2::text, $3::text::time, $4::text::time) returning id::text",
            &[&phone(run, i), &case.zone, &start, &end],
        )
        .unwrap()
        .get(0);
    let conversation: String = tx
        .query_one(
            "insert into yachtparty.conversations (user_id, phone_number)
             select id, phone_number from yachtparty.users where id = $1::text::uuid returning id::text",
            &[&user],
        )
        .unwrap()
        .get(0);
    tx.execute(
        "insert into yachtparty.user_message_budget (user_id, date, messages_sent, daily_limit, hourly_limit, quiet_hours_enabled)
         values ($1::text::uuid, (pg_catalog.to_timestamp($2::bigint) at time zone $3::text)::date, $4, $5, $6, $7)",
        &[
            &user,
            &now,
            &case.zone,
            &(case.sent_today as i32),
            &(case.limits.0 as i32),
            &(case.limits.1 as i32),
            &case.quiet_hours_enabled,
        ],
    )
    .unwrap();
    for &(minutes_ago, rows) in &case.claimed {
        tx.execute(
            "with sequence as (select case when $4 > 1 then gen_random_uuid() end as id),
                  sent as (
                    insert into yachtparty.messages (conversation_id, user_id, role, content, direction, status, created_at, sent_at)
                    select $2::text::uuid, $1::text::uuid, 'assistant', 'earlier', 'outbound', 'sent',
                           pg_catalog.to_timestamp($3::bigint), pg_catalog.to_timestamp($3::bigint)
                      from generate_series(1, $4)
                    returning id)
             insert into yachtparty.message_queue (user_id, agent_id, message_data, final_message, scheduled_for, status,
               sent_at, delivered_message_id, sequence_id, sequence_position, sequence_total)
             select $1::text::uuid, 'concierge', '{}', 'earlier', pg_catalog.to_timestamp($3::bigint), 'sent',
                    pg_catalog.to_timestamp($3::bigint), s.id, q.id,
                    case when q.id is not null then row_number() over () end::integer,
                    case when q.id is not null then $4 end
               from sent s, sequence q",
            &[&user, &conversation, &(now - minutes_ago * 60), &(rows as i32)],
        )
        .unwrap();
    }
    if let Some(minutes_ago) = case.inbound_minutes_ago {
        tx.execute(
            "insert into yachtparty.messages (conversation_id, user_id, role, content, direction, status, created_at)
             values ($2::text::uuid, $1::text::uuid, 'user', 'hi', 'inbound', 'received', pg_catalog.to_timestamp($3::bigint))",
            &[&user, &conversation, &(now - minutes_ago * 60)],
        )
        .unwrap();
    }
    let context = case.context.then(|| conversation.clone());
    let due: String = tx
        .query_one(
            "insert into yachtparty.message_queue (user_id, agent_id, message_data, final_message, scheduled_for, priority,
               conversation_context_id)
             values ($1::text::uuid, 'concierge', '{}', 'due now', pg_catalog.to_timestamp($2::bigint) - interval '1 minute',
               'high', $3::text::uuid)
             returning id::text",
            &[&user, &now, &context],
        )
        .unwrap()
        .get(0);
    let claimed: i64 = tx
        .query_one(
            "select count(*) from yachtparty.claim_due_messages(1000, pg_catalog.to_timestamp($2::bigint)) c
              where c.id = $1::text::uuid",
            &[&due, &now],
        )
        .unwrap()
        .get(0);
    let row = tx
        .query_one(
            "select q.status, extract(epoch from q.scheduled_for)::bigint,
                    (select b.messages_sent from yachtparty.user_message_budget b
                      where b.user_id = q.user_id
                        and b.date = (pg_catalog.to_timestamp($2::bigint) at time zone $3::text)::date)
               from yachtparty.message_queue q where q.id = $1::text::uuid",
            &[&due, &now, &case.zone],
        )
        .unwrap();
    let status: String = row.get(0);
    let sent_after: i32 = row.get(2);
    tx.rollback().unwrap();
    if claimed == 1 {
        assert_eq!(status, "processing", "{}", case.name);
        Outcome::Sent {
            counts: sent_after == case.sent_today as i32 + 1,
        }
    } else {
        assert_eq!(status, "queued", "{}", case.name);
        assert_eq!(sent_after, case.sent_today as i32, "{}", case.name);
        Outcome::Waits(at(row.get(1)))
    }
}

/// The core's decision for the case.
fn core_outcome(case: &Case) -> Outcome {
    let tz = zone(case.zone);
    let claimed: Vec<Claimed<usize>> = case
        .claimed
        .iter()
        .enumerate()
        .flat_map(|(unit, &(minutes_ago, rows))| {
            (0..rows).map(move |_| Claimed {
                unit,
                at: case.now - TimeDelta::minutes(minutes_ago),
            })
        })
        .collect();
    let recipient = Recipient {
        zone: &tz,
        quiet_hours: QuietHours::of_user(case.window).unwrap(),
        quiet_hours_enabled: case.quiet_hours_enabled,
        active: is_active(
            case.inbound_minutes_ago
                .map(|m| case.now - TimeDelta::minutes(m)),
            case.now,
        ),
    };
    match decide(
        case.now,
        &recipient,
        case.context,
        Limits::new(case.limits.0, case.limits.1).unwrap(),
        case.sent_today,
        &claimed,
    ) {
        Decision::Send { counts } => Outcome::Sent { counts },
        Decision::Reschedule { until, .. } => Outcome::Waits(until),
    }
}

#[test]
fn the_claims_decisions_match_the_core_case_by_case() {
    let Some(mut db) = support::database() else {
        return;
    };
    let run = run_id();
    let cases = cases();
    let mut sent = 0;
    for (i, case) in cases.iter().enumerate() {
        let sql = sql_outcome(&mut db, run, i as u32, case);
        assert_eq!(core_outcome(case), sql, "{}", case.name);
        sent += matches!(sql, Outcome::Sent { .. }) as u32;
    }
    // Both outcomes are exercised.
    assert!(sent > 3 && (sent as usize) < cases.len() - 3);
}

// ------------------------------------------------------------------------------------------------
// Concurrency: several sessions at once
// ------------------------------------------------------------------------------------------------

/// Runs `work` in `n` sessions (one connection each) released together; returns their results.
fn in_sessions<T: Send + 'static>(
    n: usize,
    work: impl Fn(usize, &mut postgres::Client) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(n));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let work = Arc::clone(&work);
            thread::spawn(move || {
                let mut client = support::database().expect("a session");
                barrier.wait();
                work(i, &mut client)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn two_claimers_share_thirty_due_messages_of_thirty_users_without_overlap() {
    let Some(mut db) = support::database() else {
        return;
    };
    let _turn = queue_turn();
    let run = run_id();
    let now = utc(2090, 3, 1, 15, 0).timestamp();
    let mut ours = HashSet::new();
    for i in 0..30 {
        let id: String = db
            .query_one(
                "with u as (insert into yachtparty.users (phone_number, timezone) values ($1::text, 'UTC') returning id)
                 select (yachtparty.enqueue_message(u.id, 'concierge', '{}', 'Hello ' || $2::text,
                           p_scheduled_for => pg_catalog.to_timestamp($3::bigint) - interval '1 minute') ->> 'id')
                   from u",
                &[&phone(run, i), &i.to_string(), &now],
            )
            .unwrap()
            .get(0);
        ours.insert(id);
    }

    let claimed: Vec<Vec<String>> = in_sessions(2, move |_, client| {
        let mut mine = Vec::new();
        loop {
            let rows = client
                .query(
                    "select id::text from yachtparty.claim_due_messages(10, pg_catalog.to_timestamp($1::bigint))",
                    &[&now],
                )
                .unwrap();
            if rows.is_empty() {
                return mine;
            }
            mine.extend(rows.iter().map(|r| r.get::<_, String>(0)));
        }
    });

    let all: Vec<&String> = claimed.iter().flatten().collect();
    let distinct: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "no row is claimed twice");
    let ours_claimed: HashSet<&String> = distinct
        .iter()
        .copied()
        .filter(|id| ours.contains(*id))
        .collect();
    assert_eq!(ours_claimed.len(), 30, "every due row is claimed");
    let processing: i64 = db
        .query_one(
            "select count(*) from yachtparty.message_queue q
               join yachtparty.messages m on m.id = q.delivered_message_id and m.direction = 'outbound'
              where q.id = any ($1::text[]::uuid[]) and q.status = 'processing'",
            &[&ours.iter().cloned().collect::<Vec<_>>()],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        processing, 30,
        "each is processing, with its outbound message"
    );
    delete_users(&mut db, run);
}

#[test]
fn concurrent_claims_for_one_user_keep_to_the_daily_limit() {
    let Some(mut db) = support::database() else {
        return;
    };
    let _turn = queue_turn();
    let run = run_id();
    // Noon in Kolkata.
    let now = utc(2091, 6, 15, 6, 30);
    let user: String = db
        .query_one(
            "insert into yachtparty.users (phone_number, timezone) values ($1::text, 'Asia/Kolkata') returning id::text",
            &[&phone(run, 0)],
        )
        .unwrap()
        .get(0);
    // Yesterday's row set the limits: today's copies them.
    db.execute(
        "insert into yachtparty.user_message_budget (user_id, date, daily_limit, hourly_limit)
         values ($1::text::uuid, date '2091-06-14', 2, 10)",
        &[&user],
    )
    .unwrap();
    for i in 0..6 {
        db.execute(
            "select yachtparty.enqueue_message($1::text::uuid, 'agent_' || $2::text, '{}', 'Message ' || $2::text,
               p_scheduled_for => pg_catalog.to_timestamp($3::bigint) - interval '10 minutes')",
            &[&user, &i.to_string(), &now.timestamp()],
        )
        .unwrap();
    }

    let secs = now.timestamp();
    let returned: Vec<i64> = in_sessions(4, move |_, client| {
        let mut n = 0;
        for _ in 0..3 {
            n += client
                .query(
                    "select id from yachtparty.claim_due_messages(10, pg_catalog.to_timestamp($1::bigint))",
                    &[&secs],
                )
                .unwrap()
                .len() as i64;
        }
        n
    });
    assert!(returned.iter().sum::<i64>() >= 2);

    let row = db
        .query_one(
            "select count(*) filter (where q.status = 'processing'),
                    count(*) filter (where q.status = 'queued'),
                    pg_catalog.array_agg(distinct extract(epoch from q.scheduled_for)::bigint) filter (where q.status = 'queued'),
                    (select b.messages_sent from yachtparty.user_message_budget b
                      where b.user_id = $1::text::uuid and b.date = date '2091-06-15'),
                    (select b.daily_limit from yachtparty.user_message_budget b
                      where b.user_id = $1::text::uuid and b.date = date '2091-06-15')
               from yachtparty.message_queue q where q.user_id = $1::text::uuid",
            &[&user],
        )
        .unwrap();
    assert_eq!(
        row.get::<_, i64>(0),
        2,
        "exactly the daily limit is claimed"
    );
    assert_eq!(row.get::<_, i64>(1), 4);
    let midnight = next_local_midnight(now, &chrono_tz::Asia::Kolkata);
    assert_eq!(
        row.get::<_, Vec<i64>>(2),
        vec![midnight.timestamp()],
        "the rest wait for the next local midnight"
    );
    assert_eq!(row.get::<_, i32>(3), 2);
    assert_eq!(row.get::<_, i32>(4), 2, "today's row copied the limit");
    delete_users(&mut db, run);
}

#[test]
fn twenty_first_messages_at_once_from_a_new_number_make_one_user_and_one_conversation() {
    let Some(mut db) = support::database() else {
        return;
    };
    let run = run_id();
    let from = phone(run, 0);
    let from_in_sessions = from.clone();
    let results: Vec<(String, String, bool)> = in_sessions(20, move |i, client| {
        let row = client
            .query_one(
                "select r ->> 'user_id', r ->> 'conversation_id', (r ->> 'duplicate')::boolean
                   from yachtparty.receive_sms($1, 'AC00000000000000000000000000000000', $2, '+15005550006',
                          'message ' || $3::text, 0, null, null) r",
                &[&sid(run, i as u32), &from_in_sessions, &i.to_string()],
            )
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    });
    assert!(results.iter().all(|r| !r.2), "no delivery is a duplicate");
    let users: HashSet<&String> = results.iter().map(|r| &r.0).collect();
    let conversations: HashSet<&String> = results.iter().map(|r| &r.1).collect();
    assert_eq!((users.len(), conversations.len()), (1, 1));

    let row = db
        .query_one(
            "select (select count(*) from yachtparty.users u where u.phone_number = $1::text),
                    (select count(*) from yachtparty.conversations c join yachtparty.users u on u.id = c.user_id
                      where u.phone_number = $1::text and c.status = 'active'),
                    (select count(*) from yachtparty.messages m join yachtparty.users u on u.id = m.user_id
                      where u.phone_number = $1::text and m.direction = 'inbound'),
                    (select count(*) from yachtparty.events e join yachtparty.users u on u.id = e.aggregate_id
                      where u.phone_number = $1::text and e.event_type = 'user.message.received'),
                    (select u.poc_agent_type from yachtparty.users u where u.phone_number = $1::text)",
            &[&from],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1, "one user");
    assert_eq!(row.get::<_, i64>(1), 1, "one active conversation");
    assert_eq!(row.get::<_, i64>(2), 20, "twenty messages");
    assert_eq!(row.get::<_, i64>(3), 20, "twenty events");
    assert_eq!(row.get::<_, String>(4), "bouncer");
    delete_users(&mut db, run);
}

#[test]
fn one_message_delivered_by_eight_sessions_at_once_is_stored_once() {
    let Some(mut db) = support::database() else {
        return;
    };
    let run = run_id();
    let from = phone(run, 0);
    let the_sid = sid(run, 0);
    let (from_s, sid_s) = (from.clone(), the_sid.clone());
    let results: Vec<(String, bool)> = in_sessions(8, move |_, client| {
        let row = client
            .query_one(
                "select r ->> 'message_id', (r ->> 'duplicate')::boolean
                   from yachtparty.receive_sms($1, 'AC00000000000000000000000000000000', $2, '+15005550006',
                          'once', 0, null, null) r",
                &[&sid_s, &from_s],
            )
            .unwrap();
        (row.get(0), row.get(1))
    });
    let ids: HashSet<&String> = results.iter().map(|r| &r.0).collect();
    assert_eq!(ids.len(), 1, "every delivery names the same message");
    assert_eq!(
        results.iter().filter(|r| !r.1).count(),
        1,
        "one delivery wrote, seven were duplicates"
    );
    let row = db
        .query_one(
            "select (select count(*) from yachtparty.messages m where m.twilio_message_sid = $1),
                    (select count(*) from yachtparty.events e
                      where e.event_type = 'user.message.received' and e.payload ->> 'message_id' = $2)",
            &[&the_sid, &results[0].0],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1, "one message");
    assert_eq!(row.get::<_, i64>(1), 1, "one event");
    delete_users(&mut db, run);
}
