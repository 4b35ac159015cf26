//! The one PostgREST adapter: describes a request ([`Client`], [`Query`]), sends it, and turns
//! every answer into `Ok(DbResponse)` or a typed `DbError`. The status is always checked here,
//! and the database's own text never leaves this module except in the logged cause of a server
//! fault.
//!
//! Who is at fault decides the class. The core checks every record, filter and upsert key before
//! a request is sent, so what PostgREST still refuses is either the caller's (a unique key already
//! taken, a foreign key to nothing, a row RLS hides: 4xx) or ours (a column, table, function or
//! schema PostgREST does not know, a value or filter the core let through but PostgreSQL refuses,
//! a constraint the registry does not know: a logged 500), or nobody's (PostgREST or the database
//! down, slow or overloaded: 503 with `Retry-After`).

use rowgate_core::error::{FieldError, ValidationErrors};
use rowgate_core::postgrest::violation::{self, ViolationKind};
use rowgate_core::table::TableDef;
use serde::Deserialize;

use crate::config::Config;
use crate::error::ApiError;
use crate::fetch::{self, FetchError, Outbound};

#[derive(Debug, PartialEq)]
pub enum DbError {
    /// PostgREST did not answer: refused, reset, or nothing before the deadline.
    NoAnswer { cause: String },
    /// PostgREST answered that the database cannot serve now (down, overloaded, locked).
    Unavailable { cause: String },
    /// The page asked for starts after the last row (PostgREST's 416 with an exact count).
    RangeNotSatisfiable,
    /// The role may not do this (grants or row-level security).
    Forbidden { detail: String },
    /// PostgREST refused the token the Worker had accepted (it expired in between).
    Unauthorized { detail: String },
    /// A unique key is taken: the constraint's columns, from the registry.
    Conflict { fields: Vec<String>, detail: String },
    /// Foreign key, check or not-null violations, as field errors.
    Invalid(ValidationErrors),
    /// A function found no row the request names (PL/pgSQL's `no_data_found`, P0002).
    NotFound { detail: String },
    /// A function refused its arguments in its own words (`raise ... using errcode = '22023'`,
    /// invalid_parameter_value, or `55000`, object_not_in_prerequisite_state). Where the
    /// arguments came from the Worker this is our fault (a 500, as [`DbError::Other`]); a route
    /// passing on what a sender said may answer it as that sender's mistake.
    Raised { code: String, cause: String },
    /// Anything else is a fault on our side: logged, answered with a generic 500.
    Other { cause: String },
}

#[derive(Debug)]
pub struct DbResponse {
    pub body: String,
}

impl DbResponse {
    /// PostgREST answers writes (and `write_records`) with an array; a single record sent gets
    /// its row back (`null` when the write touched none).
    pub fn first_row(&self) -> Result<String, ApiError> {
        // Sliced out as PostgREST wrote it, not parsed into values and written again.
        let rows: Vec<&serde_json::value::RawValue> =
            serde_json::from_str(&self.body).map_err(ApiError::internal)?;
        Ok(rows
            .first()
            .map_or_else(|| "null".into(), |row| row.get().to_string()))
    }
}

/// PostgREST's error body.
#[derive(Debug, Default, Deserialize)]
struct PgrstError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// A typed value as the JSON text of a PostgREST request body (records, patches, RPC
/// parameters): serialised once, straight from the shaped types.
pub fn body<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

/// Who the request runs as: the caller's own token (RLS decides), or the service role for
/// webhooks and trusted server-to-server calls.
pub enum As<'a> {
    Caller(&'a str),
    ServiceRole,
}

/// PostgREST for one app schema, authenticated as someone: where requests start, as the
/// `postgrest` crate's `Postgrest` is (`from`, `rpc`), but building the request as the strings
/// `fetch` takes rather than through reqwest's types (the README's measurement section says
/// what that bought).
pub struct Client {
    base: String,
    schema: String,
    apikey: String,
    authorization: String,
}

/// A client for one app schema, authenticated as `who`.
pub fn client(cfg: &Config, schema: &str, who: As<'_>) -> Result<Client, DbError> {
    let token = match who {
        As::Caller(token) => token,
        As::ServiceRole => cfg
            .service_role_key
            .as_ref()
            .map(|k| k.expose())
            .ok_or_else(|| DbError::Other {
                cause: "SUPABASE_SERVICE_ROLE_KEY is not set".into(),
            })?,
    };
    // Hosted Supabase's gateway wants an `apikey`; the anon key identifies the project.
    let apikey = match &cfg.anon_key {
        Some(k) => k.expose(),
        None => token,
    };
    if cfg.postgrest_url.is_empty() {
        return Err(DbError::Other {
            cause: "neither POSTGREST_URL nor SUPABASE_URL is set".into(),
        });
    }
    Ok(Client {
        base: cfg.postgrest_url.trim_end_matches('/').to_string(),
        schema: schema.to_string(),
        apikey: apikey.to_string(),
        authorization: format!("Bearer {token}"),
    })
}

impl Client {
    /// A request on a table (a read until `insert`, `update` or `delete` says otherwise).
    pub fn from(&self, table: &str) -> Query {
        self.request("GET", format!("{}/{table}", self.base))
    }

    /// A call of one of the schema's functions with its JSON parameters.
    pub fn rpc(&self, function: &str, params: impl Into<String>) -> Query {
        let mut q = self.request("POST", format!("{}/rpc/{function}", self.base));
        q.body = Some(params.into());
        q
    }

    fn request(&self, method: &'static str, url: String) -> Query {
        Query {
            method,
            url,
            has_query: false,
            schema: self.schema.clone(),
            headers: vec![
                ("apikey", self.apikey.clone()),
                ("Authorization", self.authorization.clone()),
            ],
            body: None,
        }
    }
}

/// One PostgREST request: method, URL with its query, headers and JSON body, in the vocabulary
/// of PostgREST's API (and of the `postgrest` crate, whose headers it sends alike).
#[derive(Debug)]
pub struct Query {
    method: &'static str,
    url: String,
    has_query: bool,
    schema: String,
    headers: Vec<(&'static str, String)>,
    body: Option<String>,
}

impl Query {
    /// Inserts `body` (a record or an array), answering with the rows written.
    pub fn insert(self, body: impl Into<String>) -> Self {
        self.write("POST", Some(body.into()))
    }

    /// Updates the rows the filters match with `body`, answering with them.
    pub fn update(self, body: impl Into<String>) -> Self {
        self.write("PATCH", Some(body.into()))
    }

    /// Deletes the rows the filters match, answering with them.
    pub fn delete(self) -> Self {
        self.write("DELETE", None)
    }

    fn write(mut self, method: &'static str, body: Option<String>) -> Self {
        self.method = method;
        self.body = body;
        self.header("Prefer", "return=representation")
    }

    /// Appends query parameters, form-encoded as PostgREST reads them.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        for (k, v) in pairs {
            self.url.push(if self.has_query { '&' } else { '?' });
            self.has_query = true;
            self.url
                .extend(worker::url::form_urlencoded::byte_serialize(
                    k.as_ref().as_bytes(),
                ));
            self.url.push('=');
            self.url
                .extend(worker::url::form_urlencoded::byte_serialize(
                    v.as_ref().as_bytes(),
                ));
        }
        self
    }

    /// Appends a header (a second `Prefer` adds to the first).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn method(&self) -> &str {
        self.method
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// Every header as sent: the client's, the request's, then the schema's profile (reads name
    /// it in `Accept-Profile`, writes and calls in `Content-Profile`) and, with a body, its type.
    pub fn headers(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> =
            self.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let read = matches!(self.method, "GET" | "HEAD");
        out.push((
            if read {
                "Accept-Profile"
            } else {
                "Content-Profile"
            },
            &self.schema,
        ));
        if !read {
            out.push(("Content-Type", "application/json"));
        }
        out
    }

    /// The values of one header, in order (names compared without case).
    #[cfg(test)]
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers()
            .into_iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect()
    }
}

/// A successful answer whose body stays in JavaScript, for handing on unchanged.
pub struct PassedResponse {
    pub body: wasm_bindgen::JsValue,
    /// PostgREST's `Content-Range` (`0-24/3573` with an exact count).
    pub content_range: Option<String>,
}

/// [`send`], for an answer the client gets as PostgREST wrote it (a page of rows, the rows of a
/// bulk write): the body is never copied into wasm memory, only read there when it is an error.
pub async fn send_passing_body(
    cfg: &Config,
    req: Query,
    tables: &[&'static TableDef],
) -> Result<PassedResponse, DbError> {
    let answer = fetch::send_keeping_body(outbound(cfg, &req))
        .await
        .map_err(unreachable)?;
    if (200..300).contains(&answer.status) {
        return Ok(PassedResponse {
            body: answer.body,
            content_range: answer.content_range,
        });
    }
    let body = answer.body.as_string().unwrap_or_default();
    Err(classify(answer.status, &body, tables))
}

fn outbound<'a>(cfg: &Config, req: &'a Query) -> Outbound<'a> {
    Outbound {
        method: req.method(),
        url: req.url(),
        headers: req.headers(),
        body: req.body().map(str::as_bytes),
        timeout_ms: cfg.postgrest_timeout_ms,
    }
}

/// Sends one request and checks the answer. `tables` are the tables whose constraints the
/// request may break (the table written, or those an RPC writes), for naming the fields of a
/// violation.
///
/// The request goes out through the runtime's own `fetch` ([`fetch::send`]), with the
/// configured deadline.
pub async fn send(
    cfg: &Config,
    req: Query,
    tables: &[&'static TableDef],
) -> Result<DbResponse, DbError> {
    let answer = fetch::send(outbound(cfg, &req))
        .await
        .map_err(unreachable)?;
    if (200..300).contains(&answer.status) {
        return Ok(DbResponse { body: answer.body });
    }
    Err(classify(answer.status, &answer.body, tables))
}

fn unreachable(e: FetchError) -> DbError {
    match e {
        FetchError::Request { message } => DbError::Other {
            cause: format!("PostgREST request: {message}"),
        },
        e @ (FetchError::Timeout { .. } | FetchError::Network { .. }) => DbError::NoAnswer {
            cause: format!("PostgREST {e}"),
        },
    }
}

/// SQLSTATE classes and PostgREST codes that mean "not now": the database is down, restarting,
/// out of connections, or gave up on a lock or a deadlock. Retrying later can succeed.
fn is_transient(status: u16, code: &str) -> bool {
    matches!(status, 502..=504)
        || matches!(code, "PGRST000" | "PGRST001" | "PGRST002" | "PGRST003")
        || code.starts_with("08") // connection exceptions
        || code.starts_with("53") // insufficient resources (too many connections, …)
        || code.starts_with("57P") // admin/crash shutdown, cannot connect now
        || matches!(code, "57014" | "40001" | "40P01" | "55P03") // timeout, serialization, deadlock, lock
}

/// Every PostgREST answer that is not 2xx, as a `DbError`.
pub fn classify(status: u16, body: &str, tables: &[&'static TableDef]) -> DbError {
    let err: PgrstError = serde_json::from_str(body).unwrap_or_default();
    let code = err.code.as_deref().unwrap_or("");
    let message = err.message.as_deref().unwrap_or("");
    let cause = format!("PostgREST {status} {code}: {message}");
    if let Some(table) = violation::still_referenced_by(code, message) {
        // The key other rows refer to: the table's primary key (every foreign key of the
        // registered tables but one, which cascades, refers to it).
        let fields = tables
            .first()
            .map(|t| t.primary_key.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        return DbError::Conflict {
            fields,
            detail: format!("Rows of {table} still refer to it: remove or change them first."),
        };
    }
    if code.starts_with("23") {
        // A constraint names its fields through the registry's lookup; one the registry does not
        // know means the core and the database disagree: our fault, not the caller's.
        let Some(v) = tables
            .iter()
            .find_map(|t| violation::parse(t, code, message))
        else {
            return DbError::Other { cause };
        };
        let detail = v.message();
        let fields: Vec<String> = v.fields.iter().map(|f| f.to_string()).collect();
        return match v.kind {
            ViolationKind::Unique => DbError::Conflict { fields, detail },
            ViolationKind::ForeignKey | ViolationKind::Check | ViolationKind::NotNull => {
                DbError::Invalid(ValidationErrors::from(
                    fields
                        .into_iter()
                        .map(|f| FieldError::new(f, v.kind.code(), detail.clone()))
                        .collect::<Vec<_>>(),
                ))
            }
        };
    }
    if is_transient(status, code) {
        return DbError::Unavailable { cause };
    }
    match code {
        // Grants, or a row-level security policy refusing the new row.
        "42501" => DbError::Forbidden {
            detail: "Your role may not do this with this table.".into(),
        },
        "PGRST103" => DbError::RangeNotSatisfiable,
        // A function's own "no such row" (`raise ... using errcode = 'P0002'`): the caller named
        // something that does not exist. Its words stay in the log; the route says what it was.
        "P0002" => DbError::NotFound {
            detail: "What the request names does not exist.".into(),
        },
        "22023" | "55000" => DbError::Raised {
            code: code.to_string(),
            cause,
        },
        c if c.starts_with("PGRST30") => DbError::Unauthorized {
            detail: "The database did not accept the token.".into(),
        },
        // PGRST106 schema not exposed, PGRST202/PGRST205 function or table unknown, PGRST204 column
        // unknown, 42P01/42883/42703 the same from PostgreSQL, 22xxx a value the core accepted,
        // PGRST1xx a request the core built: none of them is the caller's doing.
        _ => DbError::Other { cause },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowgate_core::registry;

    fn leads() -> &'static TableDef {
        registry::table("dyniq", "leads").unwrap()
    }

    fn body(code: &str, message: &str) -> String {
        serde_json::json!({"code": code, "message": message, "details": null, "hint": null})
            .to_string()
    }

    fn is_other(e: &DbError) -> bool {
        matches!(e, DbError::Other { .. })
    }

    #[test]
    fn a_taken_unique_key_is_a_conflict_naming_its_column() {
        let e = classify(
            409,
            &body(
                "23505",
                r#"duplicate key value violates unique constraint "leads_email_key""#,
            ),
            &[leads()],
        );
        let DbError::Conflict { fields, detail } = e else {
            panic!("{e:?}")
        };
        assert_eq!(fields, ["email"]);
        assert!(!detail.contains("violates"));
    }

    #[test]
    fn a_delete_of_a_row_others_still_refer_to_is_a_conflict_naming_them() {
        let instances = registry::table("yachtparty", "agent_instances").unwrap();
        let e = classify(
            409,
            &body(
                "23503",
                r#"update or delete on table "agent_instances" violates foreign key constraint "agent_actions_log_agent_instance_id_fkey" on table "agent_actions_log""#,
            ),
            &[instances],
        );
        let DbError::Conflict { fields, detail } = e else {
            panic!("{e:?}")
        };
        assert_eq!(fields, ["id"]);
        assert!(detail.contains("agent_actions_log"), "{detail}");
        assert!(!detail.contains("violates"));
    }

    #[test]
    fn a_composite_key_names_each_column_even_when_rls_hides_the_detail() {
        let scorecard = registry::table("walker_os", "daily_scorecard").unwrap();
        let e = classify(
            409,
            &body(
                "23505",
                r#"duplicate key value violates unique constraint "daily_scorecard_user_id_scorecard_date_key""#,
            ),
            &[scorecard],
        );
        let DbError::Conflict { fields, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(fields, ["user_id", "scorecard_date"]);
    }

    #[test]
    fn check_and_foreign_key_violations_are_field_errors() {
        let e = classify(
            400,
            &body(
                "23514",
                r#"new row for relation "leads" violates check constraint "leads_lead_score_range""#,
            ),
            &[leads()],
        );
        let DbError::Invalid(errors) = e else {
            panic!("{e:?}")
        };
        assert_eq!(errors.as_slice()[0].field, "lead_score");
        assert_eq!(errors.as_slice()[0].code, "check");
    }

    #[test]
    fn a_constraint_the_registry_does_not_know_is_a_server_fault() {
        let e = classify(
            409,
            &body(
                "23505",
                r#"duplicate key value violates unique constraint "leads_mystery_key""#,
            ),
            &[leads()],
        );
        assert!(is_other(&e), "{e:?}");
        // And a violation with no table to look it up in.
        assert!(is_other(&classify(
            409,
            &body("23505", r#"violates unique constraint "leads_email_key""#),
            &[]
        )));
    }

    #[test]
    fn an_unreachable_or_overloaded_database_is_unavailable() {
        for (status, code) in [
            (503, "PGRST000"),
            (503, "PGRST001"),
            (504, "PGRST003"),
            (500, "08006"),
            (500, "57P01"),
            (500, "57P03"),
            (500, "53300"),
            (500, "57014"),
            (500, "40001"),
            (500, "40P01"),
            (500, "55P03"),
            (502, ""),
        ] {
            let e = classify(status, &body(code, "x"), &[leads()]);
            assert!(
                matches!(e, DbError::Unavailable { .. }),
                "{status} {code}: {e:?}"
            );
        }
        // A body that is not PostgREST's JSON at all (a proxy's error page).
        assert!(matches!(
            classify(503, "<html>busy</html>", &[]),
            DbError::Unavailable { .. }
        ));
    }

    #[test]
    fn a_refusal_by_grants_or_rls_is_forbidden() {
        let e = classify(
            403,
            &body(
                "42501",
                r#"new row violates row-level security policy for table "leads""#,
            ),
            &[leads()],
        );
        assert!(matches!(e, DbError::Forbidden { .. }), "{e:?}");
    }

    #[test]
    fn a_page_past_the_last_row_is_not_satisfiable() {
        let e = classify(
            416,
            &body("PGRST103", "Requested range not satisfiable"),
            &[leads()],
        );
        assert_eq!(e, DbError::RangeNotSatisfiable);
    }

    #[test]
    fn a_token_postgrest_refuses_is_unauthorized() {
        let e = classify(401, &body("PGRST301", "JWT expired"), &[leads()]);
        assert!(matches!(e, DbError::Unauthorized { .. }), "{e:?}");
    }

    #[test]
    fn what_the_core_should_have_prevented_is_a_server_fault_with_the_cause_kept() {
        for (status, code) in [
            (406, "PGRST106"),
            (400, "PGRST204"),
            (404, "PGRST202"),
            (404, "42P01"),
            (404, "42883"),
            (400, "42703"),
            (400, "22P02"),
            (400, "22007"),
            (400, "22023"),
            (400, "55000"),
            (400, "PGRST100"),
            (400, "21000"),
            (500, "P0001"),
            (500, ""),
        ] {
            let e = classify(status, &body(code, "the database's own words"), &[leads()]);
            // A function's own refusal keeps its code, for routes that pass on a sender's words;
            // either way it answers as a server fault.
            let (DbError::Other { cause } | DbError::Raised { cause, .. }) = &e else {
                panic!("{status} {code}: {e:?}")
            };
            assert!(cause.contains(code) && cause.contains("the database's own words"));
            assert_eq!(
                matches!(e, DbError::Raised { .. }),
                matches!(code, "22023" | "55000"),
                "{code}"
            );
            assert_eq!(crate::error::ApiError::from(e).status(), 500);
        }
    }

    #[test]
    fn a_function_finding_nothing_is_not_found() {
        let e = classify(400, &body("P0002", "no queued message 42"), &[leads()]);
        let DbError::NotFound { detail } = &e else {
            panic!("{e:?}")
        };
        assert!(
            !detail.contains("42"),
            "the database's words stay in the log: {detail}"
        );
    }

    #[test]
    fn a_single_row_is_sliced_out_of_the_array_unchanged() {
        let r = DbResponse {
            body: r#"[{"a": 1,  "b":[2]}]"#.into(),
        };
        assert_eq!(r.first_row().unwrap(), r#"{"a": 1,  "b":[2]}"#);
        let none = DbResponse { body: "[]".into() };
        assert_eq!(none.first_row().unwrap(), "null");
    }
}
