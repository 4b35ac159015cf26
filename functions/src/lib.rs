//! rowgate-functions: the Worker that client apps and webhook senders call. It routes,
//! authenticates, shapes through `rowgate-core`, makes one PostgREST call and maps every outcome
//! to a response; no business rule lives here.

mod auth;
mod bearer;
mod config;
mod db;
mod error;
mod fetch;
mod http;
mod openapi;
mod routes;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(http::serve(req, env).await)
}
