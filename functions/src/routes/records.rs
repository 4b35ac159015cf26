//! The record API: `/v1/{schema}/{table}` for every table in the core's registry. Handlers
//! authenticate, shape through the core, validate the query through the core, make one
//! PostgREST call as the caller (so RLS decides), and map the answer.

use postgrest::Postgrest;
use rowgate_core::query::{self, Query};
use rowgate_core::registry;
use rowgate_core::table::TableDef;
use serde_json::{json, Value};
use worker::{Request, Response};

use crate::auth;
use crate::db::{self, As};
use crate::error::ApiError;
use crate::http::{self as edge, Ctx};

/// The table the path names, or 404.
pub fn table(schema: &str, table: &str) -> Result<&'static TableDef, ApiError> {
    registry::table(schema, table).ok_or_else(|| ApiError::NotFound {
        detail: format!("There is no table {schema}.{table}."),
    })
}

/// The query string, validated against the table's columns.
fn parse_query(req: &Request, def: &TableDef, ctx: &Ctx) -> Result<Query, ApiError> {
    let pairs = edge::query_pairs(req);
    query::parse(&pairs, |c| def.has_column(c), ctx.cfg.max_page_size)
        .map_err(ApiError::InvalidQuery)
}

/// An insert body shaped by the core: one record or an array of them.
pub struct Shaped {
    pub json: Value,
    pub many: bool,
}

impl Shaped {
    /// Every column any record carries, for PostgREST's `columns=`: with `missing=default`,
    /// a record of a bulk insert that lacks one of them gets the column's default, not null.
    fn columns(&self) -> String {
        let mut cols: Vec<&str> = Vec::new();
        let records: Vec<&Value> = match &self.json {
            Value::Array(a) => a.iter().collect(),
            one => vec![one],
        };
        for key in records
            .iter()
            .filter_map(|r| r.as_object())
            .flat_map(|o| o.keys())
        {
            if !cols.contains(&key.as_str()) {
                cols.push(key);
            }
        }
        cols.join(",")
    }
}

/// Shapes an insert body through the core; an array is a bulk insert (errors carry indices).
pub fn shape_insert(def: &TableDef, body: &[u8]) -> Result<Shaped, ApiError> {
    let many = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let json = if many {
        serde_json::to_value(def.shape_insert_many(body).map_err(ApiError::Validation)?)
    } else {
        serde_json::to_value(def.shape_insert(body).map_err(ApiError::Validation)?)
    }
    .map_err(ApiError::internal)?;
    Ok(Shaped { json, many })
}

/// Authenticates the request and returns a PostgREST client for the table's schema that acts
/// as the caller, so that RLS decides what it may touch.
async fn as_caller(req: &Request, ctx: &Ctx, def: &TableDef) -> Result<Postgrest, ApiError> {
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
    let mut builder = client.from(def.name);
    builder = match &q.on_conflict {
        Some(cols) => builder
            .upsert(shaped.json.to_string())
            .on_conflict(cols.clone()),
        None => builder.insert(shaped.json.to_string()),
    };
    let request = builder
        .build()
        .query(&[("columns", shaped.columns())])
        .header("Prefer", "missing=default");
    let answer = db::send(request, def.name).await?;
    let body = if shaped.many {
        answer.body
    } else {
        answer.first_row()?
    };
    edge::raw_json_response(201, body)
}

/// `POST /v1/{schema}/{table}/validate`: the shaped record or every error; writes nothing.
pub async fn validate(
    mut req: Request,
    ctx: &Ctx,
    def: &'static TableDef,
) -> Result<Response, ApiError> {
    auth::authenticate(&req, ctx).await?;
    let body = edge::json_body(&mut req, ctx).await?;
    let shaped = shape_insert(def, &body)?;
    let key = if shaped.many { "records" } else { "record" };
    edge::json_response(200, &json!({ "valid": true, key: shaped.json }))
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
    let patch = def.shape_patch(&body).map_err(ApiError::Validation)?;
    let patch = serde_json::to_string(&patch).map_err(ApiError::internal)?;
    let request = client
        .from(def.name)
        .update(patch)
        .build()
        .query(&q.postgrest_params());
    let answer = db::send(request, def.name).await?;
    edge::raw_json_response(200, answer.body)
}

/// `GET /v1/{schema}/{table}`: filtered reads, bounded pages, optional exact count.
pub async fn read(req: Request, ctx: &Ctx, def: &'static TableDef) -> Result<Response, ApiError> {
    let client = as_caller(&req, ctx, def).await?;
    let q = parse_query(&req, def, ctx)?;
    let mut request = client
        .from(def.name)
        .build()
        .query(&q.postgrest_params())
        .query(&[("limit", q.limit), ("offset", q.offset)]);
    if q.count {
        // Not the crate's exact_count(): it also asks for the range 0-0, a count-only read.
        request = request.header("Prefer", "count=exact");
    }
    let answer = db::send(request, def.name).await?;
    let mut response = edge::raw_json_response(200, answer.body)?;
    if let Some(range) = answer.content_range {
        let headers = response.headers_mut();
        headers
            .set("Content-Range", &range)
            .map_err(ApiError::internal)?;
        if let Some(total) = range.rsplit('/').next().filter(|t| *t != "*") {
            headers
                .set("X-Total-Count", total)
                .map_err(ApiError::internal)?;
        }
    }
    Ok(response)
}

/// `DELETE /v1/{schema}/{table}?<filters>`: where the role may delete; never unfiltered.
pub async fn delete(req: Request, ctx: &Ctx, def: &'static TableDef) -> Result<Response, ApiError> {
    let client = as_caller(&req, ctx, def).await?;
    let q = parse_query(&req, def, ctx)?;
    require_filter(&q, "delete")?;
    let request = client
        .from(def.name)
        .delete()
        .build()
        .query(&q.postgrest_params());
    let answer = db::send(request, def.name).await?;
    edge::raw_json_response(200, answer.body)
}

fn require_filter(q: &Query, what: &str) -> Result<(), ApiError> {
    if q.filters.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Refusing to {what} every row: give at least one filter, e.g. ?id=eq.<uuid>."
        )));
    }
    Ok(())
}
