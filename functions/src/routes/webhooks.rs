//! Webhooks. Every signature or secret is checked over the raw body before the body is parsed;
//! a wrong, missing or stale one gets 401 and writes nothing. Writes use the service role, and
//! each delivery carries an idempotency key that a unique constraint enforces, so a repeated
//! delivery writes once.

use crate::http::{Request, Response};
use rowgate_core::ingest;
use rowgate_core::registry::{self, InsertRecord};
use rowgate_core::scoreapp::{self, Action};
use rowgate_core::table::TableDef;
use rowgate_core::webhook::{
    self, StandardWebhook, WebhookError, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use serde::Serialize;
use serde_json::json;

use super::records::WriteRecords;
use crate::config;
use crate::db::{self, As, Client};
use crate::error::ApiError;
use crate::http::{self as edge, Ctx};

fn header(req: &Request, name: &str) -> Option<String> {
    req.header(name)
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
            let authorization = header(&req, "authorization")?;
            crate::bearer::bearer_token(Some(&authorization))
                .ok()
                .map(String::from)
        })
        .or_else(|| {
            edge::query_pairs(&req)
                .into_iter()
                .find(|(k, _)| k == "secret")
                .map(|(_, v)| v)
        });
    webhook::verify_shared_secret(secret, presented.as_deref()).map_err(rejected)?;
    let body = edge::raw_body(&mut req, ctx).await?;
    let action = scoreapp::parse(&body).map_err(ApiError::shaping)?;
    let client = db::client(&ctx.cfg, "dyniq", As::ServiceRole)?;
    let (leads, quiz_responses) = (table("dyniq", "leads")?, table("dyniq", "quiz_responses")?);
    match action {
        Action::SubmitQuiz { .. } => {
            let request = scoreapp_request(&client, action)?;
            let answer = db::send(&ctx.cfg, request, &[quiz_responses, leads]).await?;
            Ok(Response::json(200, answer.body))
        }
        Action::UpsertLead { .. } => {
            let request = scoreapp_request(&client, action)?;
            let answer = db::send(&ctx.cfg, request, &[leads]).await?;
            Ok(Response::json(
                200,
                format!(r#"{{"lead":{}}}"#, answer.first_row()?),
            ))
        }
        Action::Ignore { event, reason } => {
            edge::json_response(202, &json!({ "ignored": event, "reason": reason }))
        }
    }
}

fn table(schema: &str, name: &str) -> Result<&'static TableDef, ApiError> {
    registry::table(schema, name)
        .ok_or_else(|| ApiError::internal(format!("{schema}.{name} is not registered")))
}

/// The request a ScoreApp action makes: `submit_quiz` (lead and response in one transaction), or
/// the lead alone through `write_records`, which changes only the columns the delivery carries.
pub fn scoreapp_request(client: &Client, action: Action) -> Result<db::Query, ApiError> {
    match action {
        Action::SubmitQuiz { params } => Ok(client.rpc("submit_quiz", db::body(&params)?)),
        Action::UpsertLead { lead } => {
            let params = WriteRecords {
                p_table: "leads",
                p_records: &[InsertRecord::from(lead)],
                p_on_conflict: vec!["email"],
            };
            Ok(client.rpc("write_records", db::body(&params)?))
        }
        Action::Ignore { .. } => Err(ApiError::internal("an ignored event makes no request")),
    }
}

/// The parameters of `<schema>.ingest` (in name order).
#[derive(Serialize)]
struct Ingest<'a> {
    p_delivery_id: &'a str,
    p_on_conflict: Option<&'a [String]>,
    p_records: &'a [InsertRecord],
    p_table: &'a str,
}

/// The request a signed delivery makes: `<schema>.ingest`, which records the delivery id and
/// writes the records (through `write_records`) in one transaction.
pub fn ingest_request(
    client: &Client,
    delivery_id: &str,
    batch: &ingest::Batch,
) -> Result<db::Query, ApiError> {
    let params = Ingest {
        p_delivery_id: delivery_id,
        p_on_conflict: batch.on_conflict.as_deref(),
        p_records: &batch.records,
        p_table: batch.table,
    };
    Ok(client.rpc("ingest", db::body(&params)?))
}

/// `POST /webhooks/{schema}/ingest`: Standard Webhooks-signed records for one table of the
/// schema, shaped like the record API's, written with the delivery's id in one transaction.
pub async fn ingest(mut req: Request, ctx: &Ctx, schema: &str) -> Result<Response, ApiError> {
    // Only this schema's secrets: a sender trusted with one app's tables reaches no other's.
    let secrets: Vec<&str> = ctx
        .cfg
        .ingest_secrets(schema)
        .iter()
        .map(|s| s.expose())
        .collect();
    if secrets.is_empty() {
        return Err(ApiError::Unauthorized {
            detail: format!(
                "This schema takes no signed deliveries: {} is not configured.",
                config::ingest_secrets_binding(schema)
            ),
        });
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

    let batch = ingest::parse(schema, &body).map_err(ApiError::shaping)?;
    let def = table(schema, batch.table)?;
    let client = db::client(&ctx.cfg, schema, As::ServiceRole)?;
    let answer = db::send(&ctx.cfg, ingest_request(&client, &key, &batch)?, &[def]).await?;
    Ok(Response::json(200, answer.body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn service(schema: &str) -> Client {
        db::client(&Config::for_tests(), schema, As::ServiceRole).unwrap()
    }

    fn body(r: &db::Query) -> serde_json::Value {
        serde_json::from_str(r.body().unwrap()).unwrap()
    }

    #[test]
    fn an_ingest_calls_its_schemas_ingest_as_the_service_role() {
        let batch = ingest::parse(
            "walker_os",
            br#"{"table": "path_a", "records": [{"user_id": "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f", "milestone": "Series A"}]}"#,
        )
        .unwrap();
        let r = ingest_request(&service("walker_os"), "standard-webhooks:msg_1", &batch).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.url(), "http://127.0.0.1:54321/rpc/ingest");
        assert_eq!(r.header_values("content-profile")[0], "walker_os");
        assert_eq!(r.header_values("authorization")[0], "Bearer service-key");
        assert_eq!(body(&r)["p_delivery_id"], "standard-webhooks:msg_1");
        assert_eq!(body(&r)["p_table"], "path_a");
    }

    #[test]
    fn a_leads_ingest_with_on_conflict_sends_the_key_and_the_shaped_records() {
        let batch = ingest::parse(
            "dyniq",
            br#"{"table": "leads", "records": [{"email": " Ada@Example.com "}], "on_conflict": "email"}"#,
        )
        .unwrap();
        let r = ingest_request(&service("dyniq"), "standard-webhooks:msg_2", &batch).unwrap();
        assert_eq!(
            body(&r),
            json!({"p_delivery_id": "standard-webhooks:msg_2", "p_table": "leads",
                   "p_records": [{"email": "ada@example.com"}], "p_on_conflict": ["email"]})
        );
        assert_eq!(
            r.body().unwrap().as_bytes(),
            br#"{"p_delivery_id":"standard-webhooks:msg_2","p_on_conflict":["email"],"p_records":[{"email":"ada@example.com"}],"p_table":"leads"}"#
        );
    }

    #[test]
    fn an_insert_only_ingest_sends_a_null_key() {
        let batch = ingest::parse(
            "dyniq",
            br#"{"table": "content_posts", "record": {"platform": "LinkedIn"}}"#,
        )
        .unwrap();
        let r = ingest_request(&service("dyniq"), "standard-webhooks:msg_3", &batch).unwrap();
        assert_eq!(
            body(&r),
            json!({"p_delivery_id": "standard-webhooks:msg_3", "p_table": "content_posts",
                   "p_records": [{"platform": "linkedin"}], "p_on_conflict": null})
        );
    }

    #[test]
    fn a_scoreapp_lead_goes_through_write_records_on_email() {
        let action = scoreapp::parse(
            br#"{"event_name": "LEAD_DETAILS_UPDATED", "data": {"email": "a@b.co", "phone": "+44 20 7946 0958"}}"#,
        )
        .unwrap();
        assert!(matches!(action, Action::UpsertLead { .. }), "{action:?}");
        let r = scoreapp_request(&service("dyniq"), action).unwrap();
        assert_eq!(r.url(), "http://127.0.0.1:54321/rpc/write_records");
        assert_eq!(
            body(&r),
            json!({"p_table": "leads", "p_records": [{"email": "a@b.co", "phone": "+442079460958"}], "p_on_conflict": ["email"]})
        );
    }

    #[test]
    fn a_finished_quiz_calls_submit_quiz_with_the_cores_parameters() {
        let action = scoreapp::parse(
            br#"{"event_name": "QUIZ_FINISHED", "data": {"id": 7, "email": "A@b.co", "first_name": "Ada", "score": 49.6, "quiz_questions": [{"q": 1}]}}"#,
        )
        .unwrap();
        let r = scoreapp_request(&service("dyniq"), action).unwrap();
        assert_eq!(r.url(), "http://127.0.0.1:54321/rpc/submit_quiz");
        // Every parameter, null when the delivery has no value, in the order they always had.
        assert_eq!(
            r.body().unwrap().as_bytes(),
            br#"{"p_answers":{"quiz_questions":[{"q":1}]},"p_email":"a@b.co","p_name":"Ada","p_phone":null,"p_submission_id":"7","p_total_score":50}"#
        );
    }

    #[test]
    fn an_ignored_event_makes_no_request() {
        let action =
            scoreapp::parse(br#"{"event_name": "QUIZ_STARTED", "data": {"id": "x"}}"#).unwrap();
        assert!(scoreapp_request(&service("dyniq"), action).is_err());
    }
}
