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

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(http::serve(req, env).await)
}

/// The cron triggers of wrangler.toml: sends what the apps queued.
#[event(scheduled)]
pub async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    scheduled::run(event, env).await
}
