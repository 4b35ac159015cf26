//! The record API: `/v1/{schema}/{table}` for every table in the core's registry. Handlers
//! authenticate, shape through the core, validate the query through the core, make one
//! PostgREST call as the caller (so RLS decides), and map the answer.

use crate::http::{Request, Response};
use rowgate_core::postgrest::query::{self, Query};
use rowgate_core::registry::{self, InsertRecord, PatchRecord};
use rowgate_core::table::TableDef;
use serde::Serialize;

use crate::auth;
use crate::db::{self, As, Client};
use crate::error::ApiError;
use crate::http::{self as edge, Ctx};

/// The table the path names, or 404.
pub fn table(schema: &str, table: &str) -> Result<&'static TableDef, ApiError> {
    registry::table(schema, table).ok_or_else(|| ApiError::NotFound {
        detail: format!("There is no table {schema}.{table}."),
    })
}

/// The query string, validated against the table's columns, their types and its keys.
fn parse_query(req: &Request, def: &'static TableDef, ctx: &Ctx) -> Result<Query, ApiError> {
    let pairs = edge::query_pairs(req);
    query::parse(&pairs, def, ctx.cfg.max_page_size).map_err(ApiError::InvalidQuery)
}

/// An insert body shaped by the core: one record, or an array of them (errors carry indices).
pub enum Shaped {
    One(Box<InsertRecord>),
    Many(Vec<InsertRecord>),
}

impl Shaped {
    pub fn records(&self) -> &[InsertRecord] {
        match self {
            Shaped::One(r) => std::slice::from_ref(&**r),
            Shaped::Many(rs) => rs,
        }
    }
}

/// Shapes an insert body through the core; an array is a bulk insert.
pub fn shape_insert(def: &TableDef, body: &[u8]) -> Result<Shaped, ApiError> {
    let many = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if many {
        def.shape_insert_many(body)
            .map(Shaped::Many)
            .map_err(ApiError::shaping)
    } else {
        def.shape_insert(body)
            .map(|r| Shaped::One(Box::new(r)))
            .map_err(ApiError::shaping)
    }
}

/// The parameters of `<schema>.write_records`: the one upsert both the record API and the signed
/// ingest use. Each record changes only the columns it carries.
#[derive(Serialize)]
pub struct WriteRecords<'a> {
    pub p_table: &'a str,
    pub p_records: &'a [InsertRecord],
    pub p_on_conflict: Vec<&'a str>,
}

/// Every column an insert may carry, for PostgREST's `columns=` on a bulk insert: with
/// `missing=default`, a record that lacks one gets the column's default, not null.
fn insertable_columns(def: &TableDef) -> String {
    let mut out = String::new();
    for c in def
        .columns()
        .iter()
        .filter(|c| c.insertable && !c.input_only)
    {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(c.name);
    }
    out
}

/// The request an insert makes:
/// - one record: PostgREST's plain insert (the record's own keys are its columns);
/// - several: one bulk insert naming every insertable column, absent ones defaulted;
/// - `?on_conflict=`: `<schema>.write_records`, after the core refused two records with the same
///   key, because PostgREST's bulk upsert sets every named column, erasing what a record lacks.
pub fn insert_request(
    client: &Client,
    def: &'static TableDef,
    shaped: &Shaped,
    q: &Query,
) -> Result<db::Query, ApiError> {
    Ok(match (&q.on_conflict, shaped) {
        (Some(key), _) => {
            let key: Vec<&str> = key.split(',').collect();
            def.check_records_carry_fields(shaped.records())
                .map_err(ApiError::Validation)?;
            def.check_distinct_keys(shaped.records(), &key)
                .map_err(ApiError::Validation)?;
            let params = WriteRecords {
                p_table: def.name,
                p_records: shaped.records(),
                p_on_conflict: key,
            };
            client.rpc("write_records", db::body(&params)?)
        }
        (None, Shaped::One(record)) => client.from(def.name).insert(db::body(record)?),
        (None, Shaped::Many(records)) => client
            .from(def.name)
            .insert(db::body(records)?)
            .query(&[("columns", insertable_columns(def))])
            .header("Prefer", "missing=default"),
    })
}

/// Authenticates the request and returns a PostgREST client for the table's schema that acts
/// as the caller, so that RLS decides what it may touch.
async fn as_caller(req: &Request, ctx: &Ctx, def: &TableDef) -> Result<Client, ApiError> {
    let caller = auth::authenticate(req, ctx).await?;
    Ok(db::client(
        &ctx.cfg,
        def.schema,
        As::Caller(caller.token()),
    )?)
}

/// `POST /v1/{schema}/{table}`: one record or an array (all-or-nothing), `?on_conflict=` upserts.
pub async fn insert(
    mut req: Request,
    ctx: &Ctx,
    def: &'static TableDef,
) -> Result<Response, ApiError> {
    let client = as_caller(&req, ctx, def).await?;
    let q = parse_query(&req, def, ctx)?;
    let body = edge::json_body(&mut req, ctx).await?;
    let shaped = shape_insert(def, &body)?;
    let request = insert_request(&client, def, &shaped, &q)?;
    match shaped {
        // The rows as PostgREST wrote them, never copied into wasm memory.
        Shaped::Many(_) => Ok(Response::json_js(
            201,
            db::send_passing_body(&ctx.cfg, request, &[def]).await?.body,
        )),
        Shaped::One(_) => {
            let answer = db::send(&ctx.cfg, request, &[def]).await?;
            Ok(Response::json(201, answer.first_row()?))
        }
    }
}

/// `POST /v1/{schema}/{table}/validate`: the shaped record or every error; writes nothing.
pub async fn validate(
    mut req: Request,
    ctx: &Ctx,
    def: &'static TableDef,
) -> Result<Response, ApiError> {
    auth::authenticate(&req, ctx).await?;
    let body = edge::json_body(&mut req, ctx).await?;
    // Written straight from the shaped types (no intermediate JSON values).
    #[derive(Serialize)]
    struct Valid<'a, T: Serialize> {
        valid: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        record: Option<&'a T>,
        #[serde(skip_serializing_if = "Option::is_none")]
        records: Option<&'a [T]>,
    }
    let body = match shape_insert(def, &body)? {
        Shaped::One(record) => db::body(&Valid {
            valid: true,
            record: Some(&*record),
            records: None,
        })?,
        Shaped::Many(records) => db::body(&Valid {
            valid: true,
            record: None,
            records: Some(&records),
        })?,
    };
    Ok(Response::json(200, body))
}

/// `PATCH /v1/{schema}/{table}?<filters>`: validated by the patch shape; never unfiltered.
pub async fn update(
    mut req: Request,
    ctx: &Ctx,
    def: &'static TableDef,
) -> Result<Response, ApiError> {
    let client = as_caller(&req, ctx, def).await?;
    let q = parse_query(&req, def, ctx)?;
    require_filter(&q, "update")?;
    let body = edge::json_body(&mut req, ctx).await?;
    let patch = def.shape_patch(&body).map_err(ApiError::shaping)?;
    let request = update_request(&client, def, &patch, &q)?;
    let answer = db::send_passing_body(&ctx.cfg, request, &[def]).await?;
    Ok(Response::json_js(200, answer.body))
}

/// `GET /v1/{schema}/{table}`: filtered reads, bounded pages, optional exact count.
pub async fn read(req: Request, ctx: &Ctx, def: &'static TableDef) -> Result<Response, ApiError> {
    let client = as_caller(&req, ctx, def).await?;
    let q = parse_query(&req, def, ctx)?;
    let answer = db::send_passing_body(&ctx.cfg, read_request(&client, def, &q), &[def]).await?;
    let mut response = Response::json_js(200, answer.body);
    if let Some(range) = answer.content_range {
        response = response.header("Content-Range", &range)?;
        if let Some(total) = range.rsplit('/').next().filter(|t| *t != "*") {
            response = response.header("X-Total-Count", total)?;
        }
    }
    Ok(response)
}

/// `DELETE /v1/{schema}/{table}?<filters>`: where the role may delete; never unfiltered.
pub async fn delete(req: Request, ctx: &Ctx, def: &'static TableDef) -> Result<Response, ApiError> {
    let client = as_caller(&req, ctx, def).await?;
    let q = parse_query(&req, def, ctx)?;
    require_filter(&q, "delete")?;
    let answer = db::send_passing_body(&ctx.cfg, delete_request(&client, def, &q), &[def]).await?;
    Ok(Response::json_js(200, answer.body))
}

/// The request a `PATCH` makes: the shaped patch, where the filters match.
pub fn update_request(
    client: &Client,
    def: &TableDef,
    patch: &PatchRecord,
    q: &Query,
) -> Result<db::Query, ApiError> {
    Ok(client
        .from(def.name)
        .update(db::body(patch)?)
        .query(&q.postgrest_params()))
}

/// The request a `GET` makes: filters, select, order, one bounded page, optional exact count.
pub fn read_request(client: &Client, def: &TableDef, q: &Query) -> db::Query {
    // No rows asked for (a count, say): the offset means nothing, and PostgREST would refuse the
    // empty range it makes with it.
    let offset = if q.limit == 0 { 0 } else { q.offset };
    let request = client.from(def.name).query(&q.postgrest_params()).query(&[
        ("limit", q.limit.to_string()),
        ("offset", offset.to_string()),
    ]);
    if q.count {
        // Not the crate's exact_count(): it also asks for the range 0-0, a count-only read.
        request.header("Prefer", "count=exact")
    } else {
        request
    }
}

/// The request a `DELETE` makes, where the filters match.
pub fn delete_request(client: &Client, def: &TableDef, q: &Query) -> db::Query {
    client.from(def.name).delete().query(&q.postgrest_params())
}

fn require_filter(q: &Query, what: &str) -> Result<(), ApiError> {
    if q.filters.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Refusing to {what} every row: give at least one filter, e.g. ?id=eq.<uuid>."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The exact request each record route sends PostgREST: method, URL, profile and `Prefer`
    //! headers, body. Built natively, never sent.
    use super::*;
    use crate::config::Config;
    use serde_json::json;

    fn leads() -> &'static TableDef {
        registry::table("dyniq", "leads").unwrap()
    }

    fn caller() -> Client {
        db::client(&Config::for_tests(), "dyniq", As::Caller("user-token")).unwrap()
    }

    fn query(pairs: &[(&str, &str)]) -> Query {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        query::parse(&pairs, leads(), 1000).unwrap()
    }

    fn header<'a>(r: &'a db::Query, name: &str) -> Vec<&'a str> {
        r.header_values(name)
    }

    fn body(r: &db::Query) -> serde_json::Value {
        serde_json::from_str(r.body().unwrap()).unwrap()
    }

    #[test]
    fn one_record_is_a_plain_insert_without_columns_or_missing_default() {
        let shaped = shape_insert(leads(), br#"{"email": "Ada@Example.com"}"#).unwrap();
        let r = insert_request(&caller(), leads(), &shaped, &query(&[])).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.url(), "http://127.0.0.1:54321/leads");
        assert_eq!(header(&r, "content-profile"), ["dyniq"]);
        assert_eq!(header(&r, "authorization"), ["Bearer user-token"]);
        assert_eq!(header(&r, "apikey"), ["anon-key"]);
        assert_eq!(header(&r, "prefer"), ["return=representation"]);
        assert_eq!(body(&r), json!({"email": "ada@example.com"}));
    }

    #[test]
    fn several_records_name_every_insertable_column_and_default_the_missing() {
        let shaped = shape_insert(
            leads(),
            br#"[{"email": "a@b.co", "tier": "hot"}, {"email": "c@d.co"}]"#,
        )
        .unwrap();
        let r = insert_request(&caller(), leads(), &shaped, &query(&[])).unwrap();
        assert_eq!(r.method(), "POST");
        let columns = worker::url::Url::parse(r.url())
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "columns")
            .unwrap()
            .1
            .to_string();
        let columns: Vec<&str> = columns.split(',').collect();
        assert!(columns.contains(&"tier") && columns.contains(&"id"));
        assert!(!columns.contains(&"updated_at"), "read-only: {columns:?}");
        assert_eq!(
            header(&r, "prefer"),
            ["return=representation", "missing=default"]
        );
        assert_eq!(
            body(&r),
            json!([{"email": "a@b.co", "tier": "HOT"}, {"email": "c@d.co"}])
        );
    }

    #[test]
    fn an_upsert_goes_through_write_records_so_each_record_changes_only_its_columns() {
        let shaped = shape_insert(
            leads(),
            br#"[{"email": "a@b.co", "tier": "hot"}, {"email": "c@d.co"}]"#,
        )
        .unwrap();
        let r = insert_request(
            &caller(),
            leads(),
            &shaped,
            &query(&[("on_conflict", "email")]),
        )
        .unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.url(), "http://127.0.0.1:54321/rpc/write_records");
        assert_eq!(header(&r, "content-profile"), ["dyniq"]);
        assert_eq!(
            body(&r),
            json!({"p_table": "leads", "p_records": [{"email": "a@b.co", "tier": "HOT"}, {"email": "c@d.co"}], "p_on_conflict": ["email"]})
        );
    }

    #[test]
    fn an_upsert_naming_one_key_twice_is_refused_before_any_request() {
        let shaped =
            shape_insert(leads(), br#"[{"email": "a@b.co"}, {"email": "A@b.co"}]"#).unwrap();
        let Err(ApiError::Validation(errors)) = insert_request(
            &caller(),
            leads(),
            &shaped,
            &query(&[("on_conflict", "email")]),
        ) else {
            panic!("a duplicate key must be refused")
        };
        assert_eq!(errors.as_slice()[0].index, Some(1));
        assert_eq!(errors.as_slice()[0].field, "email");
    }

    #[test]
    fn a_read_carries_filters_select_order_and_one_bounded_page() {
        let q = query(&[
            ("tier", "eq.HOT"),
            ("select", "id,email"),
            ("order", "created_at.desc"),
            ("limit", "25"),
            ("count", "exact"),
        ]);
        let r = read_request(&caller(), leads(), &q);
        assert_eq!(r.method(), "GET");
        assert_eq!(
            r.url(),
            "http://127.0.0.1:54321/leads?tier=eq.HOT&select=id%2Cemail&order=created_at.desc&limit=25&offset=0"
        );
        assert_eq!(header(&r, "accept-profile"), ["dyniq"]);
        assert_eq!(header(&r, "prefer"), ["count=exact"]);
    }

    #[test]
    fn a_read_of_no_rows_drops_the_offset() {
        let q = query(&[("limit", "0"), ("offset", "5"), ("count", "exact")]);
        let r = read_request(&caller(), leads(), &q);
        assert_eq!(r.url(), "http://127.0.0.1:54321/leads?limit=0&offset=0");
    }

    #[test]
    fn an_update_sends_the_shaped_patch_where_the_filters_match() {
        let patch = leads().shape_patch(br#"{"status": "Active"}"#).unwrap();
        let q = query(&[("email", "eq.a@b.co")]);
        let r = update_request(&caller(), leads(), &patch, &q).unwrap();
        assert_eq!(r.method(), "PATCH");
        assert_eq!(r.url(), "http://127.0.0.1:54321/leads?email=eq.a%40b.co");
        assert_eq!(header(&r, "content-profile"), ["dyniq"]);
        assert_eq!(body(&r), json!({"status": "active"}));
    }

    #[test]
    fn a_delete_sends_the_filters_and_asks_for_the_rows() {
        let q = query(&[("id", "eq.8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f")]);
        let r = delete_request(&caller(), leads(), &q);
        assert_eq!(r.method(), "DELETE");
        assert_eq!(
            r.url(),
            "http://127.0.0.1:54321/leads?id=eq.8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f"
        );
        assert_eq!(header(&r, "prefer"), ["return=representation"]);
    }

    #[test]
    fn an_empty_array_and_malformed_json_are_refused_with_their_statuses() {
        let Err(e) = shape_insert(leads(), b"[]") else {
            panic!("[] must be refused")
        };
        assert_eq!(e.status(), 422);
        let Err(e) = shape_insert(leads(), b"{\"email\": ") else {
            panic!("malformed JSON must be refused")
        };
        assert_eq!(e.status(), 400);
    }
}
