//! Companion's check-ins and Telegram writes against the migrated database: the core's slot rule
//! ([`rowgate_core::companion::checkin`]) gives the SQL's answers on thousands of cases (zones
//! with and without DST, half- and quarter-hour offsets, a 30-minute DST, changes at midnight,
//! the DST days of 2026, slots in gaps and folds), through the helpers `plan_daily_messages`
//! itself uses and through `plan_daily_messages`; and the writes hold under real concurrency
//! (several sessions at once, each its own connection acting as the service role, released
//! together by a barrier): one link token links one Telegram account, two claimers share the
//! due check-ins without overlap, and one Telegram update delivered by eight sessions is stored
//! once. These are §7.2 and §7.3 checks of the specification that one pgTAP session cannot run.
//!
//! Every test makes its own users (auth users whose email names the run) and deletes them when
//! it ends, passed or not (their companion rows go with them), and its own delivery keys (a bot
//! id of the run's), deleted too. The plan comparison runs in a transaction that is rolled back.
//! The claim test claims at an instant of its own (2095) and takes every check-in due then, as
//! the Worker's claim would.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rowgate_core::companion::checkin::{local_date, planned, slot};
use serde_json::Value;

use crate::support;

/// Eight digits unique to this run and call: user emails, Telegram ids and the bot id of the
/// delivery keys are made from it.
fn run_id() -> u64 {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (nanos / 1000 + call * 7_919 + u64::from(std::process::id()) * 104_729) % 100_000_000
}

/// A Telegram user id of the run's (Telegram ids fit 52 bits).
fn telegram_id(run: u64, i: u32) -> i64 {
    (7_000_000_000_000 + run * 1_000 + u64::from(i)) as i64
}

/// The delivery key of update `update_id` to the run's bot.
fn key(run: u64, update_id: u32) -> String {
    format!("telegram:{}:{update_id}", 9_000_000_000 + run)
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn hms(t: NaiveTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn ymd(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn zone(name: &str) -> Tz {
    name.parse().unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the function returned JSON")
}

/// A companion user of the run's: an auth user and its profile, in `zone` with check-ins at
/// `at`, linked to Telegram account `telegram` when given, onboarded or not. Returns its id.
fn new_user(
    client: &mut impl postgres::GenericClient,
    run: u64,
    zone: &str,
    at: NaiveTime,
    telegram: Option<i64>,
    onboarded: bool,
) -> String {
    client
        .query_one(
            "with a as (
               insert into auth.users (id, email, aud, role)
               values (gen_random_uuid(), format('companion-it-%s-%s@rowgate.test', $1::bigint, gen_random_uuid()),
                       'authenticated', 'authenticated')
               returning id
             )
             insert into companion.users (id, timezone, preferred_message_time, telegram_user_id, telegram_linked_at,
                                          onboarding_completed_at, display_name)
             select a.id, $2::text, $3::text::time, $4::bigint,
                    case when $4::bigint is not null then now() end,
                    case when $5::boolean then now() end, 'Test'
               from a
             returning id::text",
            &[&(run as i64), &zone, &hms(at), &telegram, &onboarded],
        )
        .unwrap()
        .get(0)
}

/// Deletes the run's users (their profiles, tokens, conversations, messages and check-ins go
/// with them) and delivery keys when a test ends, passed or not.
struct Cleanup {
    client: postgres::Client,
    run: u64,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.client.execute(
            "delete from auth.users where email like format('companion-it-%s-%%', $1::bigint)",
            &[&(self.run as i64)],
        );
        let _ = self.client.execute(
            "delete from rowgate.webhook_deliveries where schema_name = 'companion' and id like $1",
            &[&format!("telegram:{}:%", 9_000_000_000 + self.run)],
        );
    }
}

/// Runs `work` in `n` sessions at once, each its own connection acting as the service role (as
/// PostgREST would), with its index and a barrier to line up its calls; returns what each
/// returned, in index order. A session gives up waiting for a lock after 20 seconds, so a
/// function that waited where it should skip fails the test rather than hanging it.
fn at_once<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, &mut postgres::Client, &Barrier) -> T + Send + Sync + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let work = Arc::clone(&work);
            let mut client = support::database().expect("a session");
            client
                .batch_execute("set lock_timeout = '20s'; set role service_role")
                .unwrap();
            thread::spawn(move || work(i, &mut client, &barrier))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a session's thread panicked"))
        .collect()
}

// ------------------------------------------------------------------------------------------------
// The slot rule, case by case: core against SQL
// ------------------------------------------------------------------------------------------------

/// With and without DST, a half-hour offset (Kolkata), a quarter-hour one (Kathmandu), a
/// 30-minute DST (Lord Howe), changes at midnight (Santiago), the southern hemisphere.
const ZONES: [&str; 8] = [
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "America/Santiago",
    "Europe/London",
    "UTC",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
];

/// The DST days of 2026 in these zones, the days either side of some, and ordinary days.
fn dates() -> Vec<NaiveDate> {
    [
        (3, 7),
        (3, 8),
        (3, 9),
        (11, 1),
        (3, 29),
        (10, 25),
        (4, 4),
        (4, 5),
        (9, 5),
        (9, 6),
        (9, 27),
        (10, 4),
        (6, 15),
        (12, 31),
    ]
    .iter()
    .map(|&(m, d)| NaiveDate::from_ymd_opt(2026, m, d).unwrap())
    .collect()
}

/// Every half hour of the day.
fn times() -> Vec<NaiveTime> {
    (0..48).map(|i| time(i / 2, i % 2 * 30)).collect()
}

#[test]
fn the_slot_of_every_zone_day_and_time_matches_checkin_slot() {
    let Some(mut db) = support::database() else {
        return;
    };
    let mut compared = 0;
    for name in ZONES {
        let tz = zone(name);
        let cases: Vec<(NaiveDate, NaiveTime)> = dates()
            .into_iter()
            .flat_map(|d| times().into_iter().map(move |t| (d, t)))
            .collect();
        let days: Vec<String> = cases.iter().map(|(d, _)| ymd(*d)).collect();
        let hours: Vec<String> = cases.iter().map(|(_, t)| hms(*t)).collect();
        let rows = db
            .query(
                "select extract(epoch from companion.checkin_slot(d::date, t::time, $3::text))::bigint
                   from unnest($1::text[], $2::text[]) with ordinality as x(d, t, n) order by n",
                &[&days, &hours, &name],
            )
            .unwrap();
        assert_eq!(rows.len(), cases.len());
        for ((day, at_time), row) in cases.iter().zip(rows) {
            assert_eq!(
                slot(*day, *at_time, &tz),
                at(row.get(0)),
                "{name} {day} {at_time}"
            );
            compared += 1;
        }
    }
    assert!(compared > 5_000, "compared {compared} cases");
}

/// Every 20 minutes over three days around each DST change of 2026 in these zones.
fn instants() -> Vec<i64> {
    let mut out: Vec<i64> = dates()
        .iter()
        .flat_map(|d| {
            let start = utc(d.year(), d.month(), d.day(), 0, 0) - TimeDelta::days(1);
            (0..3 * 72).map(move |q| (start + TimeDelta::minutes(20 * q)).timestamp())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_local_date_matches_checkin_local_date() {
    let Some(mut db) = support::database() else {
        return;
    };
    let instants = instants();
    let mut compared = 0;
    for name in ZONES {
        let tz = zone(name);
        let rows = db
            .query(
                "select companion.checkin_local_date(pg_catalog.to_timestamp(s), $2::text)::text
                   from unnest($1::bigint[]) with ordinality as x(s, n) order by n",
                &[&instants, &name],
            )
            .unwrap();
        for (s, row) in instants.iter().zip(rows) {
            assert_eq!(
                ymd(local_date(at(*s), &tz)),
                row.get::<_, String>(0),
                "{name} at {}",
                at(*s)
            );
            compared += 1;
        }
    }
    assert!(compared > 10_000, "compared {compared} cases");
}

/// The §7.3 cases, then every instant of [`instants`] (one in three) for a user in each zone at
/// each of six times (midnight, in New York's gap and fold, morning, late evening): what
/// `plan_daily_messages` writes is what [`planned`] says, row for row. In a transaction rolled
/// back at the end; the rows of one instant are deleted before the next.
#[test]
fn plan_daily_messages_plans_what_the_core_plans() {
    let Some(mut db) = support::database() else {
        return;
    };
    let run = run_id();
    let mut tx = db.transaction().unwrap();
    let at_times = [
        time(0, 0),
        time(1, 30),
        time(2, 30),
        time(9, 0),
        time(18, 45),
        time(23, 30),
    ];
    let mut users: Vec<(String, Tz, NaiveTime)> = Vec::new();
    for (i, name) in ZONES.iter().enumerate() {
        for (j, t) in at_times.iter().enumerate() {
            let id = new_user(
                &mut tx,
                run,
                name,
                *t,
                Some(telegram_id(run, (i * 10 + j) as u32)),
                true,
            );
            users.push((id, zone(name), *t));
        }
    }
    let ids: Vec<String> = users.iter().map(|u| u.0.clone()).collect();

    let mut instants: Vec<i64> = instants().into_iter().step_by(3).collect();
    // §7.3: Kolkata 09:00 at 00:10Z on 2026-03-10; New York 09:00 on the 7th and the 8th of March.
    instants.extend([
        utc(2026, 3, 10, 0, 10).timestamp(),
        utc(2026, 3, 7, 12, 0).timestamp(),
        utc(2026, 3, 8, 12, 0).timestamp(),
    ]);
    let mut planned_rows = 0;
    for s in &instants {
        let now = at(*s);
        tx.execute(
            "select companion.plan_daily_messages(pg_catalog.to_timestamp($1::bigint))",
            &[s],
        )
        .unwrap();
        let rows = tx
            .query(
                "select user_id::text, local_date::text, extract(epoch from scheduled_for)::bigint, status
                   from companion.scheduled_messages where user_id = any ($1::text[]::uuid[])",
                &[&ids],
            )
            .unwrap();
        let got: HashSet<(String, String, i64, String)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        let expected: HashSet<(String, String, i64, String)> = users
            .iter()
            .filter_map(|(id, tz, t)| {
                planned(now, *t, tz).map(|p| {
                    (
                        id.clone(),
                        ymd(p.local_date),
                        p.scheduled_for.timestamp(),
                        "pending".to_string(),
                    )
                })
            })
            .collect();
        assert_eq!(got, expected, "planned at {now}");
        planned_rows += got.len();
        tx.execute(
            "delete from companion.scheduled_messages where user_id = any ($1::text[]::uuid[])",
            &[&ids],
        )
        .unwrap();
    }
    assert!(planned_rows > 1_000, "compared {planned_rows} planned rows");
    tx.rollback().unwrap();

    // The §7.3 values themselves, through the core.
    let kolkata = planned(
        utc(2026, 3, 10, 0, 10),
        time(9, 0),
        &chrono_tz::Asia::Kolkata,
    )
    .unwrap();
    assert_eq!(kolkata.scheduled_for, utc(2026, 3, 10, 3, 30));
    let ny = chrono_tz::America::New_York;
    assert_eq!(
        planned(utc(2026, 3, 7, 12, 0), time(9, 0), &ny)
            .unwrap()
            .scheduled_for,
        utc(2026, 3, 7, 14, 0)
    );
    assert_eq!(
        planned(utc(2026, 3, 8, 12, 0), time(9, 0), &ny)
            .unwrap()
            .scheduled_for,
        utc(2026, 3, 8, 13, 0)
    );
}

// ------------------------------------------------------------------------------------------------
// Concurrency
// ------------------------------------------------------------------------------------------------

/// §7.2: two `/start <token>` for one token from two Telegram accounts at once link exactly one;
/// the other is told token_invalid. Ten tokens, ten rounds.
#[test]
fn two_concurrent_starts_with_one_token_link_exactly_one_account() {
    let Some(mut db) = support::database() else {
        return;
    };
    let run = run_id();
    const ROUNDS: usize = 10;
    let mut rounds: Vec<(String, String)> = Vec::new();
    for r in 0..ROUNDS {
        let user = new_user(&mut db, run, "UTC", time(9, 0), None, false);
        let token: String = db
            .query_one(
                "insert into companion.telegram_link_tokens (user_id, token, expires_at)
                 values ($1::text::uuid, $2::text, now() + interval '15 minutes') returning token",
                &[
                    &user,
                    &format!("rowgate-core-companion-it-{run:08}-{r:02}-xxxxxxxx"),
                ],
            )
            .unwrap()
            .get(0);
        rounds.push((user, token));
    }
    let cleanup = Cleanup { client: db, run };

    let tokens: Vec<String> = rounds.iter().map(|r| r.1.clone()).collect();
    let answers: Vec<Vec<Value>> = at_once(2, move |i, client, barrier| {
        tokens
            .iter()
            .enumerate()
            .map(|(r, token)| {
                barrier.wait();
                let row = client
                    .query_one(
                        "select companion.link_telegram($1, $2, $3, 'racer')::text",
                        &[
                            &key(run, (r * 2 + i) as u32),
                            token,
                            &telegram_id(run, (r * 2 + i) as u32),
                        ],
                    )
                    .expect("link_telegram");
                json(row.get(0))
            })
            .collect()
    });

    let mut db = support::database().unwrap();
    for (r, (user, _)) in rounds.iter().enumerate() {
        let outcomes: Vec<&str> = answers
            .iter()
            .map(|a| a[r]["outcome"].as_str().unwrap())
            .collect();
        let winner = outcomes.iter().position(|o| *o == "linked");
        assert!(
            winner.is_some() && outcomes.iter().filter(|o| **o == "token_invalid").count() == 1,
            "round {r}: one linked, one token_invalid: {outcomes:?}"
        );
        let winner = winner.unwrap();
        let linked: Option<i64> = db
            .query_one(
                "select telegram_user_id::bigint from companion.users where id = $1::text::uuid",
                &[user],
            )
            .unwrap()
            .get(0);
        assert_eq!(
            linked,
            Some(telegram_id(run, (r * 2 + winner) as u32)),
            "round {r}: the user has the winner's account"
        );
    }
    drop(cleanup);
}

/// §7.3: two sessions `claim_scheduled_messages(10)` over 15 due check-ins: disjoint, 15 in all.
/// Each claims inside a transaction left open until both have claimed, so each claim runs while
/// the other's rows are locked.
#[test]
fn two_claimers_of_ten_share_fifteen_due_check_ins_without_overlap() {
    let Some(mut db) = support::database() else {
        return;
    };
    let run = run_id();
    let now = utc(2095, 6, 1, 12, 0);
    let mut ours = HashSet::new();
    for i in 0..15u32 {
        let user = new_user(
            &mut db,
            run,
            "UTC",
            time(11, 0),
            Some(telegram_id(run, i)),
            false,
        );
        let id: String = db
            .query_one(
                "insert into companion.scheduled_messages (user_id, local_date, scheduled_for, status)
                 values ($1::text::uuid, date '2095-06-01', pg_catalog.to_timestamp($2::bigint), 'pending')
                 returning id::text",
                &[&user, &(now - TimeDelta::minutes(i64::from(i) + 1)).timestamp()],
            )
            .unwrap()
            .get(0);
        ours.insert(id);
    }
    let cleanup = Cleanup { client: db, run };

    let secs = now.timestamp();
    let claims: Vec<Vec<String>> = at_once(2, move |_, client, barrier| {
        let mut tx = client.transaction().unwrap();
        barrier.wait();
        let claimed = tx.query(
            "select id::text from companion.claim_scheduled_messages(10, pg_catalog.to_timestamp($1::bigint))",
            &[&secs],
        );
        barrier.wait();
        let ids = claimed
            .expect("claim_scheduled_messages")
            .iter()
            .map(|r| r.get(0))
            .collect();
        tx.commit().unwrap();
        ids
    });

    let all: Vec<&String> = claims.iter().flatten().collect();
    let distinct: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a check-in was claimed twice");
    for (i, c) in claims.iter().enumerate() {
        assert!(c.len() <= 10, "session {i} claimed {} rows", c.len());
    }
    assert!(
        distinct.iter().all(|id| ours.contains(*id)),
        "a check-in of someone else's was due in 2095"
    );
    assert_eq!(
        all.len(),
        15,
        "the fifteen due check-ins are claimed: {claims:?}"
    );

    let mut db = support::database().unwrap();
    let processing: i64 = db
        .query_one(
            "select count(*) from companion.scheduled_messages
              where id = any ($1::text[]::uuid[]) and status = 'processing'
                and claimed_at = pg_catalog.to_timestamp($2::bigint)",
            &[&ours.iter().cloned().collect::<Vec<_>>(), &secs],
        )
        .unwrap()
        .get(0);
    assert_eq!(processing, 15, "each is processing, claimed now");
    drop(cleanup);
}

/// One Telegram update (one delivery key) delivered by eight sessions at once is stored once:
/// one session receives it, seven are told it is a duplicate.
#[test]
fn one_update_delivered_by_eight_sessions_at_once_is_stored_once() {
    let Some(mut db) = support::database() else {
        return;
    };
    let run = run_id();
    let account = telegram_id(run, 0);
    let user = new_user(&mut db, run, "UTC", time(9, 0), Some(account), false);
    let cleanup = Cleanup { client: db, run };

    let the_key = key(run, 10_000);
    let key_s = the_key.clone();
    let answers: Vec<Value> = at_once(8, move |_, client, barrier| {
        barrier.wait();
        let row = client
            .query_one(
                "select companion.receive_telegram_message($1, $2, $2, 4242, 'once')::text",
                &[&key_s, &account],
            )
            .expect("receive_telegram_message");
        json(row.get(0))
    });
    let received: Vec<&Value> = answers
        .iter()
        .filter(|a| a["outcome"] == "received")
        .collect();
    assert_eq!(received.len(), 1, "one session received it: {answers:?}");
    assert_eq!(
        answers.iter().filter(|a| a["duplicate"] == true).count(),
        7,
        "seven were duplicates: {answers:?}"
    );

    let mut db = support::database().unwrap();
    let row = db
        .query_one(
            "select (select count(*) from companion.messages m
                       join companion.conversations c on c.id = m.conversation_id
                      where c.user_id = $1::text::uuid and m.telegram_message_id = 4242),
                    (select count(*) from companion.conversations c where c.user_id = $1::text::uuid),
                    (select count(*) from rowgate.webhook_deliveries d where d.schema_name = 'companion' and d.id = $2)",
            &[&user, &the_key],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1, "one message");
    assert_eq!(row.get::<_, i64>(1), 1, "one conversation");
    assert_eq!(row.get::<_, i64>(2), 1, "one delivery row");
    drop(cleanup);
}
