//! Webhooks. Every signature or secret is checked over the raw body before the body is parsed;
//! a wrong, missing or stale one gets 401 and writes nothing. Writes use the service role, and
//! each delivery carries an idempotency key that a unique constraint enforces, so a repeated
//! delivery writes once.

use rowgate_core::ingest;
use rowgate_core::scoreapp::{self, Action};
use rowgate_core::webhook::{
    self, StandardWebhook, WebhookError, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use serde_json::json;
use worker::{Request, Response};

use crate::db::{self, As};
use crate::error::ApiError;
use crate::http::{self as edge, Ctx};

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// A Standard Webhooks header; its absence is a 401 naming it.
fn signed_header(req: &Request, name: &'static str) -> Result<String, ApiError> {
    header(req, name).ok_or_else(|| rejected(WebhookError::MissingHeader { name }))
}

fn rejected(e: WebhookError) -> ApiError {
    ApiError::Unauthorized {
        detail: e.to_string(),
    }
}

/// `POST /webhooks/dyniq/scoreapp`: ScoreApp's events, authenticated by the shared secret
/// ScoreApp is configured with (header `X-Webhook-Secret`, `Authorization: Bearer <secret>`
/// or `?secret=`), compared in constant time.
pub async fn scoreapp(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let secret = ctx
        .cfg
        .scoreapp_secret
        .as_ref()
        .ok_or_else(|| ApiError::internal("SCOREAPP_WEBHOOK_SECRET is not set"))?;
    let presented = header(&req, "x-webhook-secret")
        .or_else(|| {
            header(&req, "authorization").and_then(|h| h.strip_prefix("Bearer ").map(String::from))
        })
        .or_else(|| {
            edge::query_pairs(&req)
                .into_iter()
                .find(|(k, _)| k == "secret")
                .map(|(_, v)| v)
        });
    webhook::verify_shared_secret(secret, presented.as_deref()).map_err(rejected)?;
    let body = edge::raw_body(&mut req, ctx).await?;
    let action = scoreapp::parse(&body).map_err(ApiError::Validation)?;
    let client = db::client(&ctx.cfg, "dyniq", As::ServiceRole)?;
    match action {
        Action::SubmitQuiz { params } => {
            let answer =
                db::send(client.rpc("submit_quiz", params).build(), "quiz_responses").await?;
            edge::raw_json_response(200, answer.body)
        }
        Action::UpsertLead { lead } => {
            let request = client
                .from("leads")
                .upsert(lead)
                .on_conflict("email")
                .build();
            let answer = db::send(request, "leads").await?;
            edge::raw_json_response(200, format!(r#"{{"lead":{}}}"#, answer.first_row()?))
        }
        Action::Ignore { event, reason } => {
            edge::json_response(202, &json!({ "ignored": event, "reason": reason }))
        }
    }
}

/// `POST /webhooks/{schema}/ingest`: Standard Webhooks-signed records for one table of the
/// schema, shaped like the record API's, written with the delivery's id in one transaction.
pub async fn ingest(mut req: Request, ctx: &Ctx, schema: &str) -> Result<Response, ApiError> {
    let secrets: Vec<&str> = ctx.cfg.ingest_secrets.iter().map(|s| s.expose()).collect();
    if secrets.is_empty() {
        return Err(ApiError::internal("INGEST_WEBHOOK_SECRETS is not set"));
    }
    let hook = StandardWebhook::from_secrets(&secrets)
        .map_err(|e| ApiError::internal(format!("ingest secret: {e}")))?;
    let id = signed_header(&req, ID_HEADER)?;
    let timestamp = signed_header(&req, TIMESTAMP_HEADER)?;
    let signature = signed_header(&req, SIGNATURE_HEADER)?;
    let body = edge::raw_body(&mut req, ctx).await?;
    hook.verify(&id, &timestamp, &signature, &body, edge::now_unix())
        .map_err(rejected)?;
    let key = webhook::idempotency_key("standard-webhooks", &id).map_err(rejected)?;

    let batch = ingest::parse(schema, &body).map_err(ApiError::Validation)?;
    let params = json!({
        "p_delivery_id": key,
        "p_table": batch.table,
        "p_records": batch.records,
        "p_on_conflict": batch.on_conflict,
    });
    let client = db::client(&ctx.cfg, schema, As::ServiceRole)?;
    let answer = db::send(
        client.rpc("ingest", params.to_string()).build(),
        batch.table,
    )
    .await?;
    edge::raw_json_response(200, answer.body)
}
