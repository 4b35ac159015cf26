//! `GET /openapi.json` is a valid OpenAPI 3.1 document (checked with @apidevtools/swagger-parser)
//! that describes every route and every table of the registry.

use std::process::Command;

use rowgate_tests::*;

#[test]
fn the_openapi_document_validates_as_openapi_3_1_and_covers_every_table() {
    ready();
    let a = call("GET", &format!("{}/openapi.json", worker_url()), &[], None);
    assert_eq!(a.status, 200);
    let doc = a.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/health",
        "/openapi.json",
        "/webhooks/dyniq/scoreapp",
        "/webhooks/{schema}/ingest",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
    for schema in rowgate_core::registry::schemas() {
        for table in rowgate_core::registry::tables(schema) {
            let path = format!("/v1/{schema}/{}", table.name);
            assert!(
                doc["paths"].get(&path).is_some(),
                "{path} is not documented"
            );
            assert!(
                doc["paths"].get(format!("{path}/validate")).is_some(),
                "{path}/validate is not documented"
            );
        }
    }
    let file = std::env::temp_dir().join(format!("rowgate-openapi-{}.json", std::process::id()));
    std::fs::write(&file, &a.body).unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new("node")
        .arg(format!("{root}/scripts/validate-openapi.mjs"))
        .arg(&file)
        .current_dir(root)
        .output()
        .expect("node runs");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
