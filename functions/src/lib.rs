//! rowgate-functions: the Worker that client apps and webhook senders call. It routes,
//! authenticates, shapes through `rowgate-core`, makes one PostgREST call and maps every outcome
//! to a response; no business rule lives here. Its scheduled handler sends what the apps queued.

mod auth;
mod bearer;
mod config;
mod db;
mod error;
mod fetch;
mod http;
mod openapi;
mod routes;
mod scheduled;

use worker::{event, web_sys, Context, Env, Result, ScheduleContext, ScheduledEvent};

/// Takes the runtime's request as it is (worker-rs's `Request` would parse `request.cf` and
/// more on every request) and answers with the runtime's response ([`http::serve`]).
#[event(fetch)]
pub async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
    Ok(http::serve(req, env).await)
}

/// The cron triggers of wrangler.toml: sends what the apps queued.
#[event(scheduled)]
pub async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    scheduled::run(event, env).await
}
