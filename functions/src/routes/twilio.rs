//! Yachtparty's Twilio webhooks: inbound SMS (`POST /webhooks/yachtparty/twilio/sms`) and the
//! status callbacks of the messages the scheduled sender sent
//! (`POST /webhooks/yachtparty/twilio/status?message_id=<uuid>`).
//!
//! Both are authenticated the way Twilio documents it: `X-Twilio-Signature` over the URL Twilio
//! called and the form parameters decoded from the raw body, before anything is shaped
//! ([`rowgate_core::twilio::verify`]); then the `AccountSid` must be the configured account.
//! A missing or wrong signature is a 401 and writes nothing. Unknown parameters are ignored
//! (Twilio adds them without notice: design decision 12). Each delivery is one SQL function,
//! one transaction, idempotent by Twilio's own ids.

use crate::http::{Request, Response};
use rowgate_core::secret::constant_time_eq;
use rowgate_core::table::TableDef;
use rowgate_core::twilio::{self, TwilioError};

use crate::config::Twilio;
use crate::db::{self, As};
use crate::error::ApiError;
use crate::http::{self as edge, Ctx};

const SCHEMA: &str = "yachtparty";

fn table(name: &str) -> Result<&'static TableDef, ApiError> {
    rowgate_core::registry::table(SCHEMA, name)
        .ok_or_else(|| ApiError::internal(format!("{SCHEMA}.{name} is not registered")))
}

fn rejected(e: TwilioError) -> ApiError {
    ApiError::Unauthorized {
        detail: e.to_string(),
    }
}

/// The configured account, or a logged 500: a Worker that cannot check signatures must not
/// accept deliveries, and it is our configuration, not Twilio's request, that is wrong.
fn account(ctx: &Ctx) -> Result<&Twilio, ApiError> {
    ctx.cfg
        .twilio
        .as_ref()
        .ok_or_else(|| ApiError::internal("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set"))
}

/// The form parameters of a request Twilio signed, or 401/415 and nothing more.
async fn verified_form(
    req: &mut Request,
    ctx: &Ctx,
    twilio: &Twilio,
) -> Result<Vec<(String, String)>, ApiError> {
    if req.header(twilio::SIGNATURE_SETTINGS_HEADER).is_some() {
        return Err(rejected(TwilioError::UnsupportedSignatureSettings));
    }
    let media = req.header("content-type").unwrap_or_default();
    let media = media.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType {
            expected: "application/x-www-form-urlencoded",
        });
    }
    let signature = req.header(twilio::SIGNATURE_HEADER);
    let body = edge::raw_body(req, ctx).await?;
    let params = twilio::parse_form(&body);
    let url = twilio::signed_url(twilio.webhook_base_url.as_deref(), req.url());
    twilio::verify(&twilio.auth_token, &url, &params, signature.as_deref()).map_err(rejected)?;
    // Signed by this account's token, so the AccountSid is Twilio's word: it must be ours.
    let account_sid = params
        .iter()
        .find(|(name, _)| name == "AccountSid")
        .map(|(_, v)| v.as_str());
    if !account_sid
        .is_some_and(|sid| constant_time_eq(sid.as_bytes(), twilio.account_sid.as_bytes()))
    {
        return Err(ApiError::Unauthorized {
            detail: "The request is not for this Twilio account (AccountSid).".into(),
        });
    }
    Ok(params)
}

/// Twilio's "do nothing" answer: the empty TwiML document. Replies are queued and sent by the
/// scheduled sender, never returned here.
fn empty_twiml() -> Result<Response, ApiError> {
    Ok(Response::text(
        200,
        "text/xml; charset=utf-8",
        r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#.into(),
    ))
}

/// `POST /webhooks/yachtparty/twilio/sms`: an inbound SMS. `receive_sms` writes the user
/// (created on first contact, with the Bouncer), the active conversation, the message keyed by
/// `MessageSid` and a `user.message.received` event in one transaction; a repeated or racing
/// delivery of the same SID writes nothing more. PostgREST or the database down: 503 with
/// `Retry-After`, which Twilio retries.
pub async fn sms(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let twilio = account(ctx)?;
    let params = verified_form(&mut req, ctx, twilio).await?;
    let sms = twilio::inbound_sms(&params).map_err(ApiError::Validation)?;
    let client = db::client(&ctx.cfg, SCHEMA, As::ServiceRole)?;
    let request = client.rpc("receive_sms", db::body(&sms.rpc_params(None))?);
    let tables = [
        table("messages")?,
        table("users")?,
        table("conversations")?,
        table("events")?,
    ];
    db::send(&ctx.cfg, request, &tables).await?;
    empty_twiml()
}

/// `POST /webhooks/yachtparty/twilio/status?message_id=<uuid>`: a status callback. The message
/// is found by the id the sender put in the callback URL (so a callback that beats the sender's
/// own report still lands), and its status only moves forward; failed and undelivered record
/// Twilio's ErrorCode in a `message.delivery_failed` event. 204, also for a status Twilio added
/// that rowgate does not know (logged, so that Twilio does not retry what can never succeed).
pub async fn status(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let twilio = account(ctx)?;
    let params = verified_form(&mut req, ctx, twilio).await?;
    let message_id = twilio::message_id_from_query(&edge::query_pairs(&req))
        .map_err(|e| ApiError::Validation(e.into()))?;
    let callback = match twilio::status_callback(&params) {
        Ok(callback) => callback,
        // A status Twilio added after this was written (not a missing one: that is a 422).
        Err(errors)
            if errors.len() == 1
                && errors
                    .on("MessageStatus")
                    .is_some_and(|e| e.code == rowgate_core::error::code::ENUM) =>
        {
            worker::console_warn!(
                "{}",
                serde_json::json!({"level": "warn", "msg": "status callback with a status rowgate does not know: ignored",
                    "message_id": message_id, "errors": errors})
            );
            return no_content();
        }
        Err(errors) => return Err(ApiError::Validation(errors)),
    };
    // Without ?message_id= (a callback URL set some other way) the message is found by its SID.
    let client = db::client(&ctx.cfg, SCHEMA, As::ServiceRole)?;
    let request = client.rpc(
        "record_sms_status",
        db::body(&twilio::status_params(message_id.as_deref(), &callback))?,
    );
    match db::send(&ctx.cfg, request, &[table("messages")?, table("events")?]).await {
        Ok(_) => no_content(),
        Err(db::DbError::NotFound { .. }) => Err(ApiError::NotFound {
            detail: "No outbound message has this message_id or MessageSid.".into(),
        }),
        // The callback contradicts the message it names: sent under another SID, or not an
        // outbound message at all. Nothing is written.
        Err(db::DbError::Raised { code, .. }) if code == "22023" => {
            Err(ApiError::Validation(rowgate_core::error::FieldError::new(
                "MessageSid",
                "mismatch",
                "The message this callback names is not an outbound message sent as this MessageSid.",
            )
            .into()))
        }
        Err(e) => Err(e.into()),
    }
}

fn no_content() -> Result<Response, ApiError> {
    Ok(Response::empty(204))
}
