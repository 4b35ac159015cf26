//! Authentication through wrangler dev: HS256 and ES256 (JWKS, by kid) tokens, the scheme in any
//! case, and every way a token can be refused (oversized ones included), each a 401 problem+json
//! saying which.

use rowgate_tests::*;
use serde_json::{json, Value};

fn get_with(auth: Option<&str>) -> Answer {
    let url = format!("{}/v1/walker_os/path_a?limit=1", worker_url());
    match auth {
        Some(a) => call("GET", &url, &[("authorization", a)], None),
        None => call("GET", &url, &[], None),
    }
}

fn refused(auth: Option<&str>) -> String {
    let a = get_with(auth);
    let p = a.problem(401);
    assert_eq!(a.header("www-authenticate"), Some("Bearer"));
    p["detail"].as_str().unwrap().to_lowercase()
}

#[test]
fn an_hs256_user_token_is_accepted() {
    ready();
    let t = hs256(&user_claims(&new_user()));
    let a = get_with(Some(&bearer(&t)));
    assert_eq!(a.status, 200, "{}", a.body);
}

#[test]
fn an_es256_token_signed_by_a_jwks_key_is_accepted() {
    ready();
    let t = es256(&user_claims(&new_user()), ES256_KID);
    let a = get_with(Some(&bearer(&t)));
    assert_eq!(a.status, 200, "{}", a.body);
}

#[test]
fn an_es256_token_with_an_unknown_kid_is_refused() {
    ready();
    let t = es256(&user_claims(&new_user()), "some-other-key");
    assert!(refused(Some(&bearer(&t))).contains("key"));
}

#[test]
fn a_missing_token_is_refused_saying_so() {
    ready();
    assert!(refused(None).contains("missing"));
}

#[test]
fn a_malformed_header_or_token_is_refused_saying_so() {
    ready();
    assert!(refused(Some("Basic abc")).contains("malformed"));
    assert!(refused(Some("Bearer not-a-jwt")).contains("malformed"));
}

#[test]
fn a_badly_signed_token_is_refused_saying_so() {
    ready();
    let mut claims = user_claims(&new_user());
    let good = hs256(&claims);
    claims["role"] = json!("service_role");
    let forged_payload = hs256(&claims).split('.').nth(1).unwrap().to_string();
    let parts: Vec<&str> = good.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert!(refused(Some(&bearer(&forged))).contains("signature"));
}

#[test]
fn an_expired_token_is_refused_saying_so() {
    ready();
    let mut claims = user_claims(&new_user());
    claims["exp"] = json!(now() - 3600);
    assert!(refused(Some(&bearer(&hs256(&claims)))).contains("expired"));
}

#[test]
fn alg_none_is_refused() {
    ready();
    use base64::Engine;
    let enc = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let token = format!(
        "{}.{}.",
        enc(&json!({"alg": "none", "typ": "JWT"})),
        enc(&user_claims(&new_user()))
    );
    let detail = refused(Some(&bearer(&token)));
    assert!(
        detail.contains("algorithm") || detail.contains("alg"),
        "{detail}"
    );
}

#[test]
fn a_token_for_another_audience_is_refused() {
    ready();
    let mut claims = user_claims(&new_user());
    claims["aud"] = json!("some-other-api");
    assert!(refused(Some(&bearer(&hs256(&claims)))).contains("audience"));
}

#[test]
fn the_service_role_key_is_never_returned_to_a_client() {
    ready();
    for path in [
        "/health",
        "/openapi.json",
        "/v1/dyniq/leads?limit=1",
        "/nope",
    ] {
        let a = call(
            "GET",
            &format!("{}{path}", worker_url()),
            &[("authorization", &bearer(SERVICE_ROLE_KEY))],
            None,
        );
        assert!(
            !a.body.contains(SERVICE_ROLE_KEY),
            "{path} leaked the service role key"
        );
        assert!(!a.body.contains(JWT_SECRET), "{path} leaked the JWT secret");
    }
}

/// A validly signed user token of exactly (or, where base64 cannot land on it, one byte over)
/// `len` bytes, padded with a claim.
fn token_of_length(len: usize) -> String {
    let mut claims = user_claims(&new_user());
    claims["pad"] = json!("");
    let base = hs256(&claims).len();
    let mut pad = (len.saturating_sub(base)) * 3 / 4;
    loop {
        claims["pad"] = json!("x".repeat(pad));
        let t = hs256(&claims);
        if t.len() >= len {
            return t;
        }
        pad += 1;
    }
}

#[test]
fn an_oversized_bearer_token_is_a_401_never_a_5xx() {
    ready();
    for len in [40_000, 64_000] {
        let t = token_of_length(len);
        assert!(t.len() - len <= 1, "{}", t.len());
        let a = get_with(Some(&bearer(&t)));
        assert!(
            a.status < 500,
            "a {len}-byte token: {} {}",
            a.status,
            a.body
        );
        a.problem(401);
    }
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    ready();
    let t = hs256(&user_claims(&new_user()));
    let a = get_with(Some(&format!("BEARER {t}")));
    assert_eq!(a.status, 200, "{}", a.body);
}
