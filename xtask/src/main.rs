//! rowgate's generator. `cargo run -p rowgate-xtask -- gen` reads the migrated database's catalog
//! (the local stack's, or `DATABASE_URL`'s) and writes the column half of every table of the app
//! schemas:
//!
//! - `core/src/<schema>/<table>.gen.rs`: the table's CHECK enums as Rust enums and a `table!`
//!   macro holding its columns (names, SQL and Rust types, nullability, defaults, lengths,
//!   ranges, domains, set-once and read-only columns from the grants, comments as docs), which
//!   the hand-written `<table>.rs` calls with the rules SQL cannot state;
//! - `core/src/<schema>/domains.gen.rs`: the schema's enum domains as Rust enums;
//! - `core/src/<schema>/tables.gen.rs` and `core/src/registry.gen.rs`: the modules and the
//!   registry;
//! - `docs/tables.md`: the reference of every table and column.
//!
//! A table without a hand-written half gets a stub (`<table>.rs`) the first time. Generated files
//! are never edited by hand: the test command regenerates them and fails on any difference.

mod catalog;
mod emit;
mod names;
mod reference;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The app schemas, in the order the registry lists them. A schema is generated once its
/// migration has created it.
pub const APP_SCHEMAS: [&str; 6] = [
    "dyniq",
    "walker_os",
    "yachtparty",
    "companion",
    "arami",
    "dyocense",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => match gen() {
            Ok(written) => {
                println!("rowgate-xtask gen: {written} files written");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rowgate-xtask gen: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!(
                "usage: cargo run -p rowgate-xtask -- gen\n\n\
                 Regenerates the core's column declarations (core/src/<schema>/*.gen.rs, \
                 core/src/registry.gen.rs) and docs/tables.md from the migrated database at \
                 DATABASE_URL (default: the local stack, port ROWGATE_DB_PORT or 54322)."
            );
            ExitCode::from(2)
        }
    }
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        let port = std::env::var("ROWGATE_DB_PORT").unwrap_or_else(|_| "54322".into());
        format!("postgres://postgres:postgres@127.0.0.1:{port}/postgres")
    })
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// Writes `text` to `path` unless it is already there; returns whether it wrote.
fn write(path: &Path, text: &str) -> Result<bool, String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}

/// The text rustfmt makes of `source` (the generated Rust is committed formatted).
fn rustfmt(source: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("rustfmt: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(source.as_bytes())
        .map_err(|e| format!("rustfmt: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt refused the generated code:\n{source}\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt: {e}"))
}

fn gen() -> Result<usize, String> {
    let url = database_url();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).map_err(|e| {
        format!(
            "cannot reach the database at {url}: {e}\n\
             start it with `bash scripts/local.sh db` (which also applies the migrations)"
        )
    })?;
    let db = catalog::read(&mut client, &APP_SCHEMAS)?;
    let model = emit::Model::new(&db)?;
    let root = root();
    let core = root.join("core/src");
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for schema in &model.schemas {
        let dir = core.join(&schema.name);
        for table in &schema.tables {
            files.push((
                dir.join(format!("{}.gen.rs", table.name)),
                rustfmt(&emit::table_file(table))?,
            ));
            let hand = dir.join(format!("{}.rs", table.name));
            if !hand.exists() {
                files.push((hand, rustfmt(&emit::hand_stub(table))?));
            }
        }
        files.push((
            dir.join("domains.gen.rs"),
            rustfmt(&emit::domains_file(schema))?,
        ));
        files.push((
            dir.join("tables.gen.rs"),
            rustfmt(&emit::tables_file(schema))?,
        ));
        let module = dir.join("mod.rs");
        if !module.exists() {
            files.push((module, rustfmt(&emit::schema_stub(schema))?));
        }
    }
    files.push((
        core.join("registry.gen.rs"),
        rustfmt(&emit::registry_file(&model, &APP_SCHEMAS))?,
    ));
    files.push((
        core.join("schemas.gen.rs"),
        rustfmt(&emit::schemas_file(&model))?,
    ));
    files.push((root.join("docs/tables.md"), reference::markdown(&model)));

    let mut written = 0;
    for (path, text) in &files {
        if write(path, text)? {
            println!(
                "  wrote {}",
                path.strip_prefix(&root).unwrap_or(path).display()
            );
            written += 1;
        }
    }
    // A generated file whose table is gone goes too.
    for schema in &model.schemas {
        let dir = core.join(&schema.name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(table) = name.strip_suffix(".gen.rs") else {
                continue;
            };
            if table != "domains"
                && table != "tables"
                && !schema.tables.iter().any(|t| t.name == table)
            {
                std::fs::remove_file(entry.path()).map_err(|e| format!("{name}: {e}"))?;
                println!("  removed {}", entry.path().display());
                written += 1;
            }
        }
    }
    Ok(written)
}
