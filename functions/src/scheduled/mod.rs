//! The Worker's `scheduled` handler: the work that must call the outside world, run by a
//! wrangler cron trigger (`[triggers] crons` in wrangler.toml; locally `wrangler dev
//! --test-scheduled` and `GET /__scheduled?cron=...`). Everything it sends was queued in the
//! database, claimed there under its rules (budgets, quiet hours, local days) and reported back
//! there. Each job gets half of the run's subrequests (`SCHEDULED_SUBREQUESTS`).

mod companion_checkins;
mod yachtparty_sms;

use serde_json::json;
use worker::{Date, Env, ScheduledEvent};

use crate::config::Config;
use crate::db::{self, As};
use crate::http;

/// Subrequests a job makes besides its messages: the lease sweep and the claim.
const FIXED_SUBREQUESTS: u32 = 2;
/// Subrequests per message: the send, then the report.
const PER_MESSAGE: u32 = 2;

/// How many rows a job may claim with `subrequests` to spend.
pub fn claim_limit(subrequests: u32) -> u32 {
    subrequests.saturating_sub(FIXED_SUBREQUESTS) / PER_MESSAGE
}

/// Calls `schema`'s `function` as the service role, naming the constraints of `tables` in a
/// violation; the answer's body, or the cause for the job's log line.
async fn rpc(
    cfg: &Config,
    schema: &str,
    tables: &[&str],
    function: &str,
    params: serde_json::Value,
) -> Result<String, String> {
    let defs = tables
        .iter()
        .map(|name| {
            rowgate_core::registry::table(schema, name)
                .ok_or_else(|| format!("{schema}.{name} is not registered"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let client =
        db::client(cfg, schema, As::ServiceRole).map_err(|e| format!("{function}: {e:?}"))?;
    let request = client.rpc(function, params.to_string());
    db::send(cfg, request, &defs)
        .await
        .map(|answer| answer.body)
        .map_err(|e| format!("{function}: {e:?}"))
}

/// One run: every job, then one log line per job with its figures.
pub async fn run(event: ScheduledEvent, env: Env) {
    let cfg = http::config(&env);
    let cron = event.cron();
    let share = cfg.scheduled_subrequests / 2;

    let started = Date::now().as_millis();
    let sms = yachtparty_sms::run(&cfg, share).await;
    log(
        "yachtparty-sms",
        &cron,
        started,
        sms.map(|r| (r.is_quiet(), json!(r))),
    );

    let started = Date::now().as_millis();
    let checkins = companion_checkins::run(&cfg, share).await;
    log(
        "companion-checkins",
        &cron,
        started,
        checkins.map(|r| (r.is_quiet(), json!(r))),
    );
}

fn log(job: &str, cron: &str, started: u64, outcome: Result<(bool, serde_json::Value), String>) {
    let ms = Date::now().as_millis().saturating_sub(started);
    match outcome {
        Ok((true, report)) => worker::console_log!(
            "{}",
            json!({"level": "info", "job": job, "cron": cron, "ms": ms, "report": report})
        ),
        Ok((false, report)) => worker::console_warn!(
            "{}",
            json!({"level": "warn", "job": job, "cron": cron, "ms": ms, "report": report})
        ),
        Err(cause) => worker::console_error!(
            "{}",
            json!({"level": "error", "job": job, "cron": cron, "ms": ms, "cause": cause})
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_claims_what_its_share_of_subrequests_allows() {
        // Free plan: 50 subrequests, 25 a job = the sweep, the claim and 11 messages of two each.
        assert_eq!(claim_limit(25), 11);
        assert_eq!(claim_limit(500), 249);
        assert_eq!(claim_limit(3), 0);
        assert_eq!(claim_limit(0), 0);
    }
}
