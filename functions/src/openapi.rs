//! The OpenAPI 3.1 document of the Worker's API: its routes, status codes and problem
//! responses, built here from the core's table descriptions (the request and row schemas of
//! every table, with enums, formats, limits and required fields), with the problem+json schema
//! and the security schemes. `GET /openapi.json` serves it.

use serde_json::{json, Map, Value};

use rowgate_core::ingest::MAX_RECORDS;
use rowgate_core::postgrest::query::{operators_for, ColumnClass};
use rowgate_core::registry::{self, APP_SCHEMAS};
use rowgate_core::scoreapp::EVENTS;
use rowgate_core::table::{Mode, TableDef};

const PROBLEM_STATUSES: [(&str, &str); 12] = [
    (
        "400",
        "The body is not valid JSON, or query parameters are refused (problem+json; `errors` names each parameter).",
    ),
    (
        "401",
        "Missing, malformed, oversized, badly signed or expired credentials; `detail` says which.",
    ),
    ("403", "The caller's role may not do this with this table."),
    ("404", "No such schema, table or route."),
    ("405", "Method not allowed; see the `Allow` header."),
    (
        "409",
        "A unique constraint: `errors` names each field of the key.",
    ),
    ("413", "The body is larger than the configured limit."),
    ("415", "The body must be `application/json`."),
    (
        "416",
        "With `count=exact`, `offset` is past the last row.",
    ),
    (
        "422",
        "Every failing field at once, in `errors` (with `index` for a record of an array). An empty array is refused here too: field `\"\"` (the body), code `empty`.",
    ),
    (
        "500",
        "A fault on the server's side (never the request's); the body is generic and the cause is logged under `request_id`.",
    ),
    (
        "503",
        "PostgREST or the database is unreachable, or did not answer in time, or the auth key server is unreachable; retry after `Retry-After` seconds.",
    ),
];

fn problem_responses(codes: &[&str]) -> Map<String, Value> {
    PROBLEM_STATUSES
        .iter()
        .filter(|(c, _)| codes.contains(c))
        .map(|(c, d)| {
            (
                (*c).to_string(),
                json!({"description": d, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}),
            )
        })
        .collect()
}

fn responses(ok_code: &str, ok: Value, problems: &[&str]) -> Value {
    let mut r = problem_responses(problems);
    r.insert(ok_code.into(), ok);
    Value::Object(r)
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn component(t: &TableDef, part: &str) -> String {
    format!("{}.{}.{part}", t.schema, t.name)
}

fn query_parameters(t: &TableDef, filters: bool, modifiers: &[&str]) -> Vec<Value> {
    let mut params = Vec::new();
    let described = [
        (
            "select",
            "Comma-separated columns to return.",
            json!({"type": "string"}),
        ),
        (
            "order",
            "column[.asc|.desc][.nullsfirst|.nullslast], comma-separated.",
            json!({"type": "string"}),
        ),
        (
            "limit",
            "Page size, at most the configured maximum (MAX_PAGE_SIZE).",
            json!({"type": "integer", "minimum": 0}),
        ),
        (
            "offset",
            "Rows to skip.",
            json!({"type": "integer", "minimum": 0}),
        ),
        (
            "count",
            "`exact` adds Content-Range and X-Total-Count with the total.",
            json!({"type": "string", "enum": ["exact"]}),
        ),
        (
            "on_conflict",
            "Upsert on this key: exactly the columns of the primary key or of a unique key (comma-separated, any order). Only the columns each record carries are written. Two records of one batch may not have the same key.",
            json!({"type": "string", "enum": t.conflict_keys()}),
        ),
    ];
    for (name, description, schema) in described {
        if modifiers.contains(&name) {
            params.push(json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema}));
        }
    }
    if filters {
        for c in t.columns().iter().filter(|c| !c.input_only) {
            params.push(json!({
                "name": c.name, "in": "query", "required": false,
                "description": format!(
                    "PostgREST filter `operator.value`, the value parsing as the column's type; `not.` negates. Operators on this {} column: {}.",
                    ColumnClass::of(&c.kind).type_name(),
                    operators_for(c)
                ),
                "schema": {"type": "string"}
            }));
        }
    }
    params
}

fn table_paths(t: &TableDef, paths: &mut Map<String, Value>, schemas: &mut Map<String, Value>) {
    let (insert, patch, row) = (
        component(t, "Insert"),
        component(t, "Patch"),
        component(t, "Row"),
    );
    schemas.insert(insert.clone(), t.json_schema(Mode::Insert));
    schemas.insert(patch.clone(), t.json_schema(Mode::Patch));
    schemas.insert(row.clone(), t.row_json_schema());
    let one_or_many = json!({"oneOf": [reference(&insert), {"type": "array", "items": reference(&insert), "minItems": 1}]});
    let rows = json!({"type": "array", "items": reference(&row)});
    let tag = t.schema;
    let q = t.qualified_name();
    paths.insert(
        format!("/v1/{}/{}", t.schema, t.name),
        json!({
            "get": {
                "tags": [tag], "summary": format!("Read {q}"), "operationId": format!("read_{}_{}", t.schema, t.name),
                "security": [{"bearerAuth": []}],
                "parameters": query_parameters(t, true, &["select", "order", "limit", "offset", "count"]),
                "responses": responses("200", json!({"description": "The matching rows the caller may see.", "content": json_content(rows.clone())}), &["400", "401", "403", "404", "416", "500", "503"]),
            },
            "post": {
                "tags": [tag], "summary": format!("Insert into {q} (one record or an all-or-nothing array)"),
                "operationId": format!("insert_{}_{}", t.schema, t.name),
                "security": [{"bearerAuth": []}],
                "parameters": query_parameters(t, false, &["on_conflict"]),
                "requestBody": {"required": true, "content": json_content(one_or_many)},
                "responses": responses("201", json!({"description": "The stored row (or rows, for an array).", "content": json_content(json!({"oneOf": [reference(&row), rows.clone()]}))}), &["400", "401", "403", "404", "409", "413", "415", "422", "500", "503"]),
            },
            "patch": {
                "tags": [tag], "summary": format!("Update rows of {q} matching the filters (at least one filter)"),
                "operationId": format!("update_{}_{}", t.schema, t.name),
                "security": [{"bearerAuth": []}],
                "parameters": query_parameters(t, true, &["select"]),
                "requestBody": {"required": true, "content": json_content(reference(&patch))},
                "responses": responses("200", json!({"description": "The updated rows.", "content": json_content(rows.clone())}), &["400", "401", "403", "404", "409", "413", "415", "422", "500", "503"]),
            },
            "delete": {
                "tags": [tag], "summary": format!("Delete rows of {q} matching the filters (at least one filter)"),
                "operationId": format!("delete_{}_{}", t.schema, t.name),
                "security": [{"bearerAuth": []}],
                "parameters": query_parameters(t, true, &[]),
                "responses": responses("200", json!({"description": "The deleted rows.", "content": json_content(rows)}), &["400", "401", "403", "404", "500", "503"]),
            }
        }),
    );
    paths.insert(
        format!("/v1/{}/{}/validate", t.schema, t.name),
        json!({"post": {
            "tags": [tag], "summary": format!("Dry run: shape a record for {q} and write nothing"),
            "operationId": format!("validate_{}_{}", t.schema, t.name),
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": true, "content": json_content(one_or_many_ref(&insert))},
            "responses": responses("200", json!({"description": "The shaped record(s).", "content": json_content(json!({
                "type": "object", "required": ["valid"],
                "properties": {"valid": {"const": true}, "record": reference(&insert), "records": {"type": "array", "items": reference(&insert)}}
            }))}), &["400", "401", "404", "413", "415", "422"]),
        }}),
    );
}

fn one_or_many_ref(name: &str) -> Value {
    json!({"oneOf": [reference(name), {"type": "array", "items": reference(name), "minItems": 1}]})
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert(
        "FieldError".into(),
        json!({
            "type": "object", "required": ["field", "code", "message"],
            "properties": {
                "field": {"type": "string", "description": "The field (or query parameter) at fault; empty for the body as a whole."},
                "code": {"type": "string", "description": "A stable machine code: required, not_null, type, enum, format, range, length, unknown_field, duplicate_field, readonly, derived_mismatch, order, sum, empty, duplicate, json, too_many_errors, unique, foreign_key, check, not_null, query."},
                "message": {"type": "string"},
                "allowed": {"type": "array", "items": {"type": "string"}, "description": "For `enum`: the allowed values."},
                "index": {"type": "integer", "minimum": 0, "description": "For a bulk insert: the record's position."}
            }
        }),
    );
    schemas.insert(
        "Problem".into(),
        json!({
            "type": "object", "required": ["type", "title", "status"],
            "description": "RFC 9457 problem details.",
            "properties": {
                "type": {"type": "string", "format": "uri-reference"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string", "format": "uri-reference"},
                "request_id": {"type": "string"},
                "errors": {"type": "array", "items": reference("FieldError")}
            }
        }),
    );
    for t in registry::all() {
        table_paths(t, &mut paths, &mut schemas);
    }
    let registered: Vec<&str> = APP_SCHEMAS
        .iter()
        .copied()
        .filter(|s| registry::tables(s).next().is_some())
        .collect();
    paths.insert(
        "/health".into(),
        json!({"get": {
            "tags": ["operations"], "summary": "Version, and whether PostgREST and the database answer", "operationId": "health",
            "responses": {
                "200": {"description": "Healthy.", "content": json_content(reference("Health"))},
                "503": {"description": "PostgREST or the database does not answer: a problem whose `postgrest` and `database` members say which.", "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {"application/problem+json": {"schema": {"allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"type": "object", "required": ["postgrest", "database"], "properties": {
                            "postgrest": {"enum": ["ok", "unreachable"]}, "database": {"enum": ["ok", "unreachable"]}}}
                    ]}}}}
            }
        }}),
    );
    schemas.insert(
        "Health".into(),
        json!({"type": "object", "required": ["status", "version", "build", "postgrest", "database"], "properties": {
            "status": {"enum": ["ok"]}, "version": {"type": "string"},
            "build": {"type": "string", "description": "A digest of the sources the Worker was built from (`dev` for a build made outside scripts/build-worker.sh)."},
            "postgrest": {"enum": ["ok", "unreachable"]}, "database": {"enum": ["ok", "unreachable"]}
        }}),
    );
    paths.insert(
        "/openapi.json".into(),
        json!({"get": {"tags": ["operations"], "summary": "This document", "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3.1", "content": json_content(json!({"type": "object"}))}}}}),
    );
    let scoreapp_responses = {
        let mut r = responses(
            "200",
            json!({"description": "Written (the quiz submission's result, or the lead). A delivery without `data.id` is written once under a key derived from its content.", "content": json_content(json!({"type": "object"}))}),
            &["400", "401", "413", "415", "422", "500", "503"],
        );
        r["202"] = json!({
            "description": "Accepted and ignored: nothing to record for this event yet (QUIZ_STARTED, or QUIZ_FINISHED before the lead form gave an email).",
            "content": json_content(json!({
                "type": "object", "required": ["ignored", "reason"], "additionalProperties": false,
                "properties": {
                    "ignored": {"enum": EVENTS, "description": "The event that was ignored."},
                    "reason": {"type": "string", "description": "Why nothing was written."}
                }
            }))
        });
        r
    };
    paths.insert(
        "/webhooks/dyniq/scoreapp".into(),
        json!({"post": {
            "tags": ["webhooks"], "summary": "ScoreApp events (QUIZ_FINISHED records the quiz once per attempt)",
            "operationId": "webhook_scoreapp",
            "security": [{"scoreappSecret": []}, {"scoreappBearer": []}],
            "requestBody": {"required": true, "content": json_content(json!({
                "type": "object", "required": ["event_name", "data"],
                "properties": {"event_name": {"enum": EVENTS}, "data": {"type": "object"}}
            }))},
            "responses": scoreapp_responses,
        }}),
    );
    let ingest = responses(
        "200",
        json!({"description": "`{\"duplicate\": false, \"rows\": [...]}`, or `{\"duplicate\": true}` for a delivery seen before.",
            "content": json_content(json!({"type": "object", "required": ["duplicate"], "properties": {"duplicate": {"type": "boolean"}, "rows": {"type": "array", "items": {"type": "object"}}}}))}),
        &["400", "401", "404", "413", "415", "422", "500", "503"],
    );
    paths.insert(
        "/webhooks/{schema}/ingest".into(),
        json!({"post": {
            "tags": ["webhooks"], "summary": "Standard Webhooks-signed records for one table, written once per webhook-id",
            "operationId": "webhook_ingest",
            "security": [{"standardWebhook": []}],
            "parameters": [
                {"name": "schema", "in": "path", "required": true, "schema": {"enum": registered}},
                {"name": "webhook-id", "in": "header", "required": true, "schema": {"type": "string", "maxLength": 256}},
                {"name": "webhook-timestamp", "in": "header", "required": true, "schema": {"type": "string"}, "description": "Unix seconds; within 5 minutes of the server's clock."},
                {"name": "webhook-signature", "in": "header", "required": true, "schema": {"type": "string"}, "description": "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`."}
            ],
            "requestBody": {"required": true, "content": json_content(json!({
                "type": "object", "required": ["table"],
                "properties": {
                    "table": {"type": "string"},
                    "record": {"type": "object"},
                    "records": {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": MAX_RECORDS},
                    "on_conflict": {"description": "Upsert on exactly the primary key or a unique key of the table (the record API's rule); no two records may share the key.", "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}
                }
            }))},
            "responses": ingest,
        }}),
    );
    // Twilio posts forms; parameters it adds later are accepted (they are signed, and ignored).
    let form = |required: &[&str], properties: Value| {
        json!({"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": required, "properties": properties,
            "additionalProperties": {"type": "string"}
        }}})
    };
    let twilio_security = json!([{"twilioSignature": []}]);
    paths.insert(
        "/webhooks/yachtparty/twilio/sms".into(),
        json!({"post": {
            "tags": ["webhooks"], "summary": "Twilio's inbound SMS: the user, conversation, message and event in one transaction, once per MessageSid",
            "operationId": "webhook_twilio_sms",
            "security": twilio_security,
            "requestBody": {"required": true, "content": form(&["MessageSid", "AccountSid", "From", "To"], json!({
                "MessageSid": {"type": "string", "pattern": "^(SM|MM)[0-9a-fA-F]{32}$"},
                "AccountSid": {"type": "string", "description": "Must be the configured account."},
                "From": {"type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$"},
                "To": {"type": "string"},
                "Body": {"type": "string", "maxLength": 1600, "description": "Stored exactly as sent."},
                "NumMedia": {"type": "string", "pattern": "^[0-9]+$"}
            }))},
            "responses": responses("200", json!({"description": "The empty TwiML document: replies go through the message queue.",
                "content": {"text/xml": {"schema": {"type": "string"}}}}),
                &["400", "401", "413", "415", "422", "500", "503"]),
        }}),
    );
    paths.insert(
        "/webhooks/yachtparty/twilio/status".into(),
        json!({"post": {
            "tags": ["webhooks"], "summary": "Twilio's status callback for a message the scheduled sender sent: its status only moves forward",
            "operationId": "webhook_twilio_status",
            "security": twilio_security,
            "parameters": [{"name": "message_id", "in": "query", "required": false, "schema": {"type": "string", "format": "uuid"},
                "description": "The outbound message's id, which the sender puts in the callback URL."}],
            "requestBody": {"required": true, "content": form(&["MessageSid", "AccountSid", "MessageStatus"], json!({
                "MessageSid": {"type": "string"},
                "AccountSid": {"type": "string"},
                "MessageStatus": {"type": "string"},
                "ErrorCode": {"type": "string"}
            }))},
            "responses": responses("204", json!({"description": "Recorded (or a status rowgate does not know, logged and ignored)."}),
                &["400", "401", "404", "413", "415", "422", "500", "503"]),
        }}),
    );
    paths.insert(
        "/webhooks/companion/telegram".into(),
        json!({"post": {
            "tags": ["webhooks"], "summary": "Telegram Bot API updates for Companion's bot: every kind answered 2xx, once per update_id",
            "operationId": "webhook_telegram",
            "security": [{"telegramSecret": []}],
            "requestBody": {"required": true, "content": json_content(json!({
                "type": "object", "required": ["update_id"],
                "properties": {"update_id": {"type": "integer"}, "message": {"type": "object"}, "my_chat_member": {"type": "object"}},
                "additionalProperties": true
            }))},
            "responses": responses("200", json!({"description": "Handled. The body is empty, or a `sendMessage` reply Telegram executes: `{\"method\": \"sendMessage\", \"chat_id\": …, \"text\": …}`.",
                "content": json_content(json!({"type": "object"}))}),
                &["400", "401", "413", "415", "500", "503"]),
        }}),
    );
    let caller_op = |summary: &str, id: &str, ok: &str, ok_description: &str, problems: &[&str]| {
        json!({
            "tags": ["companion"], "summary": summary, "operationId": id,
            "security": [{"bearerAuth": []}],
            "responses": responses(ok, json!({"description": ok_description}), problems),
        })
    };
    paths.insert(
        "/v1/companion/profile".into(),
        json!({"post": caller_op("The caller's Companion profile, created on first call (ensure_profile)",
            "companion_profile", "200", "The caller's companion.users row.", &["401", "403", "500", "503"])}),
    );
    paths.insert(
        "/v1/companion/onboarding/complete".into(),
        json!({"post": caller_op("Completes the caller's onboarding (complete_onboarding, one transaction)",
            "companion_complete_onboarding", "200", "The completed onboarding row.", &["401", "403", "404", "500", "503"])}),
    );
    paths.insert(
        "/v1/companion/telegram/link".into(),
        json!({
            "post": caller_op("A single-use deep link that connects the Telegram account opening it (15 minutes)",
                "companion_telegram_link", "201", "`{\"url\": \"https://t.me/<bot>?start=<token>\", \"expires_at\": …}`",
                &["401", "403", "404", "500", "503"]),
            "delete": caller_op("Disconnects the caller's Telegram account",
                "companion_telegram_unlink", "204", "Disconnected.", &["401", "403", "404", "500", "503"]),
        }),
    );
    let tags: Vec<Value> = registered
        .iter()
        .map(|s| json!({"name": s, "description": format!("Records of the `{s}` schema")}))
        .chain([json!({"name": "webhooks"}), json!({"name": "operations"})])
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "rowgate",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Validated, shaped records for the apps' Supabase schemas, and their webhooks. Every error is application/problem+json (RFC 9457)."
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A Supabase access token (HS256 with the project's JWT secret, or ES256 from its JWKS), forwarded to PostgREST so RLS applies."},
                "scoreappSecret": {"type": "apiKey", "in": "header", "name": "X-Webhook-Secret", "description": "The secret configured in ScoreApp (also accepted as `?secret=`)."},
                "scoreappBearer": {"type": "http", "scheme": "bearer", "description": "The ScoreApp secret as a bearer token."},
                "standardWebhook": {"type": "apiKey", "in": "header", "name": "webhook-signature", "description": "Standard Webhooks HMAC-SHA256 signature with a whsec_ secret."},
                "telegramSecret": {"type": "apiKey", "in": "header", "name": "X-Telegram-Bot-Api-Secret-Token", "description": "The secret_token given to setWebhook (TELEGRAM_WEBHOOK_SECRET)."},
                "twilioSignature": {"type": "apiKey", "in": "header", "name": "X-Twilio-Signature", "description": "Twilio's request signature: base64 HMAC-SHA1, keyed by the auth token, of the URL Twilio called followed by the sorted POST parameters."}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_table_has_its_routes_and_schemas() {
        let doc = document();
        for t in registry::all() {
            let path = format!("/v1/{}/{}", t.schema, t.name);
            for method in ["get", "post", "patch", "delete"] {
                assert!(doc["paths"][&path][method].is_object(), "{method} {path}");
            }
            assert!(doc["components"]["schemas"][component(t, "Insert")].is_object());
        }
    }

    #[test]
    fn enum_columns_carry_their_values() {
        let doc = document();
        let tier = &doc["components"]["schemas"]["dyniq.leads.Insert"]["properties"]["tier"];
        assert_eq!(tier["enum"], json!(["HOT", "WARM", "COLD"]));
    }

    #[test]
    fn the_scoreapp_webhook_documents_its_202_for_ignored_events() {
        let doc = document();
        let r = &doc["paths"]["/webhooks/dyniq/scoreapp"]["post"]["responses"];
        let body = &r["202"]["content"]["application/json"]["schema"];
        assert_eq!(body["required"], json!(["ignored", "reason"]));
        assert_eq!(body["properties"]["ignored"]["enum"], json!(EVENTS));
        for status in ["200", "400", "422"] {
            assert!(r[status].is_object(), "{status}");
        }
    }

    #[test]
    fn every_body_taking_route_documents_400_for_malformed_json_and_422() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        let mut seen = 0;
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                // Twilio's form-bodied webhooks have no JSON to be malformed, and Telegram's
                // webhook acknowledges every update it can read (never 422: Telegram would retry).
                if op["requestBody"]["content"]["application/json"].is_object()
                    && path != "/webhooks/companion/telegram"
                {
                    seen += 1;
                    for status in ["400", "422"] {
                        assert!(
                            op["responses"][status].is_object(),
                            "{method} {path} {status}"
                        );
                    }
                }
            }
        }
        assert!(seen > registry::all().len() * 3);
        let unprocessable = doc["paths"]["/v1/dyniq/leads"]["post"]["responses"]["422"]
            ["description"]
            .as_str()
            .unwrap();
        assert!(unprocessable.contains("empty array"), "{unprocessable}");
    }

    #[test]
    fn the_array_form_of_an_insert_and_of_validate_needs_one_record() {
        let doc = document();
        for path in ["/v1/dyniq/leads", "/v1/dyniq/leads/validate"] {
            let schema =
                &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"];
            let array = schema["oneOf"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["type"] == "array")
                .unwrap();
            assert_eq!(array["minItems"], 1, "{path}");
        }
    }

    #[test]
    fn on_conflict_lists_the_keys_and_filters_their_operators() {
        let doc = document();
        let params = doc["paths"]["/v1/walker_os/daily_scorecard"]["post"]["parameters"]
            .as_array()
            .unwrap();
        let on = params.iter().find(|p| p["name"] == "on_conflict").unwrap();
        assert_eq!(
            on["schema"]["enum"],
            json!(["id", "user_id,scorecard_date"])
        );
        let params = doc["paths"]["/v1/dyniq/leads"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let created = params.iter().find(|p| p["name"] == "created_at").unwrap();
        let text = created["description"].as_str().unwrap();
        assert!(
            text.contains("timestamptz") && !text.contains("like"),
            "{text}"
        );
    }

    #[test]
    fn required_insert_fields_are_listed() {
        let doc = document();
        let required = &doc["components"]["schemas"]["dyniq.leads.Insert"]["required"];
        assert_eq!(required, &json!(["email"]));
    }
}
