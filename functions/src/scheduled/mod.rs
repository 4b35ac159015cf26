//! The Worker's `scheduled` handler: the work that must call the outside world, run by a
//! wrangler cron trigger (`[triggers] crons` in wrangler.toml; locally `wrangler dev
//! --test-scheduled` and `GET /__scheduled?cron=...`). Everything it sends was queued in the
//! database, claimed there under its rules (budgets, quiet hours) and reported back there.

mod yachtparty_sms;

use serde_json::json;
use worker::{Date, Env, ScheduledEvent};

use crate::http;

/// One run: every job, then one log line per job with its figures.
pub async fn run(event: ScheduledEvent, env: Env) {
    let cfg = http::config(&env);
    let started = Date::now().as_millis();
    let cron = event.cron();
    let outcome = yachtparty_sms::run(&cfg).await;
    let ms = Date::now().as_millis().saturating_sub(started);
    match outcome {
        Ok(report) => worker::console_log!(
            "{}",
            json!({"level": if report.is_quiet() { "info" } else { "warn" }, "job": "yachtparty-sms",
                   "cron": cron, "ms": ms, "report": report})
        ),
        Err(cause) => worker::console_error!(
            "{}",
            json!({"level": "error", "job": "yachtparty-sms", "cron": cron, "ms": ms, "cause": cause})
        ),
    }
}
