//! `GET /openapi.json`: the OpenAPI 3.1 document ([`crate::openapi`], built from the core's
//! table descriptions), built once per isolate (the registry is compiled in, so the document
//! cannot change while it lives).

use std::cell::OnceCell;

use crate::error::ApiError;
use crate::http::Response;

thread_local! {
    static DOCUMENT: OnceCell<String> = const { OnceCell::new() };
}

pub fn get() -> Result<Response, ApiError> {
    let body = DOCUMENT.with(|d| {
        d.get_or_init(|| crate::openapi::document().to_string())
            .clone()
    });
    Ok(Response::json(200, body))
}
