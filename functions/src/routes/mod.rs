//! Routing: which handler answers which method and path. Handlers only extract, call the core,
//! call the PostgREST adapter and map.

mod health;

use worker::{Method, Request, Response};

use crate::error::ApiError;
use crate::http::Ctx;

pub async fn dispatch(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let method = req.method();
    match segments.as_slice() {
        ["health"] => match method {
            Method::Get => health::get(ctx).await,
            _ => Err(ApiError::MethodNotAllowed { allowed: "GET" }),
        },
        _ => Err(ApiError::NotFound { detail: format!("No route for {path}.") }),
    }
}
