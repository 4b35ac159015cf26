//! Routing: which handler answers which method and path. Handlers only extract, call the core,
//! call the PostgREST adapter and map.

mod companion;
mod health;
mod openapi;
mod records;
mod telegram;
mod twilio;
mod webhooks;

use crate::http::{Request, Response};

use crate::error::ApiError;
use crate::http::Ctx;

pub async fn dispatch(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let path = req.path().to_string();
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // The method as the client sent it: worker's `Method` reads any method it does not list
    // (PROPFIND, MKCOL, QUERY, …) as GET, which would answer them as reads.
    let method = req.method().to_ascii_uppercase();
    match (segments.as_slice(), method.as_str()) {
        (["health"], "GET") => health::get(ctx).await,
        (["health"], _) => Err(ApiError::MethodNotAllowed { allowed: "GET" }),

        (["openapi.json"], "GET") => openapi::get(),
        (["openapi.json"], _) => Err(ApiError::MethodNotAllowed { allowed: "GET" }),

        // Companion's operations, before the record API's `/v1/{schema}/{table}`.
        (["v1", "companion", "profile"], "POST") => companion::profile(req, ctx).await,
        (["v1", "companion", "profile"], _) => Err(ApiError::MethodNotAllowed { allowed: "POST" }),
        (["v1", "companion", "onboarding", "complete"], "POST") => {
            companion::complete_onboarding(req, ctx).await
        }
        (["v1", "companion", "onboarding", "complete"], _) => {
            Err(ApiError::MethodNotAllowed { allowed: "POST" })
        }
        (["v1", "companion", "telegram", "link"], "POST") => companion::create_link(req, ctx).await,
        (["v1", "companion", "telegram", "link"], "DELETE") => {
            companion::delete_link(req, ctx).await
        }
        (["v1", "companion", "telegram", "link"], _) => Err(ApiError::MethodNotAllowed {
            allowed: "POST, DELETE",
        }),

        (["v1", schema, table], method) => {
            let def = records::table(schema, table)?;
            match method {
                "GET" => records::read(req, ctx, def).await,
                "POST" => records::insert(req, ctx, def).await,
                "PATCH" => records::update(req, ctx, def).await,
                "DELETE" => records::delete(req, ctx, def).await,
                _ => Err(ApiError::MethodNotAllowed {
                    allowed: "GET, POST, PATCH, DELETE",
                }),
            }
        }
        (["v1", schema, table, "validate"], method) => {
            let def = records::table(schema, table)?;
            match method {
                "POST" => records::validate(req, ctx, def).await,
                _ => Err(ApiError::MethodNotAllowed { allowed: "POST" }),
            }
        }

        (["webhooks", "dyniq", "scoreapp"], "POST") => webhooks::scoreapp(req, ctx).await,
        (["webhooks", "dyniq", "scoreapp"], _) => {
            Err(ApiError::MethodNotAllowed { allowed: "POST" })
        }
        (["webhooks", "companion", "telegram"], "POST") => telegram::webhook(req, ctx).await,
        (["webhooks", "companion", "telegram"], _) => {
            Err(ApiError::MethodNotAllowed { allowed: "POST" })
        }
        (["webhooks", "yachtparty", "twilio", "sms"], "POST") => twilio::sms(req, ctx).await,
        (["webhooks", "yachtparty", "twilio", "status"], "POST") => twilio::status(req, ctx).await,
        (["webhooks", "yachtparty", "twilio", "sms" | "status"], _) => {
            Err(ApiError::MethodNotAllowed { allowed: "POST" })
        }
        (["webhooks", schema, "ingest"], method) => {
            if !rowgate_core::registry::schemas().contains(schema) {
                return Err(ApiError::NotFound {
                    detail: format!("There is no schema {schema}."),
                });
            }
            match method {
                "POST" => webhooks::ingest(req, ctx, schema).await,
                _ => Err(ApiError::MethodNotAllowed { allowed: "POST" }),
            }
        }

        _ => Err(ApiError::NotFound {
            detail: format!("No route for {path}."),
        }),
    }
}
