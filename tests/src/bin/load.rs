//! The load program: the same single-record inserts sent through the Worker and straight to
//! PostgREST, in one run, at the same concurrency; prints requests per second and p50/p99
//! latency for each target, the Worker/PostgREST throughput ratios, and the gzip size of the
//! built Worker wasm.
//!
//! Targets: PostgREST (`ROWGATE_POSTGREST_URL`), the Worker on `wrangler dev`
//! (`ROWGATE_WORKER_URL`) and, when `ROWGATE_WORKERD_URL` is set, the same Worker on plain
//! workerd, the runtime it is deployed on. Each target's requests are split into two halves
//! sent in the order A B C, then C B A, so that a slow drift of the machine or the table (which
//! grows as the run inserts) weighs on every target alike.
//!
//! Loopback only, bounded in count and in time:
//!   bash scripts/load.sh [requests per target] [concurrency] [seconds per target]
//! (the script starts what is missing and serves the Worker on workerd), or with the stack from
//! `scripts/local.sh start`:
//!   cargo run --release -p rowgate-tests --bin load -- [requests] [concurrency] [seconds]

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rowgate_tests::{postgrest_url, worker_url, SERVICE_ROLE_KEY};

struct Run {
    ok: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    /// Two runs of one target as one: their requests, time and latencies added up.
    fn merge(mut self, other: Run) -> Run {
        self.ok += other.ok;
        self.failed += other.failed;
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self.latencies.sort();
        self
    }

    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i]
    }
}

/// Where the inserts go, and how they are authenticated there.
struct Target {
    name: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
}

impl Target {
    /// Sends `total` inserts from `concurrency` threads, stopping early at `limit`.
    fn run(&self, total: usize, concurrency: usize, limit: Duration) -> Run {
        let (url, headers) = (self.url.as_str(), self.headers.as_slice());
        let next = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
        let started = Instant::now();
        let deadline = started + limit;
        std::thread::scope(|s| {
            for _ in 0..concurrency {
                let (next, failed, latencies) = (next.clone(), failed.clone(), latencies.clone());
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
                    let mut mine = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= total || Instant::now() >= deadline {
                            break;
                        }
                        let body = format!(
                            r#"{{"platform":"linkedin","hook":"load {n}","topic":"load test","body":"measured insert {n}"}}"#
                        );
                        let mut req = agent.post(url);
                        for (k, v) in headers {
                            req = req.set(k, v);
                        }
                        let t = Instant::now();
                        match req.send_string(&body) {
                            Ok(r) if r.status() == 201 => {
                                let _ = r.into_string();
                                mine.push(t.elapsed());
                            }
                            _ => {
                                failed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    latencies.lock().expect("latencies").extend(mine);
                });
            }
        });
        let elapsed = started.elapsed();
        let mut latencies = Arc::try_unwrap(latencies)
            .expect("threads joined")
            .into_inner()
            .expect("lock");
        latencies.sort();
        Run {
            ok: latencies.len(),
            failed: failed.load(Ordering::Relaxed),
            elapsed,
            latencies,
        }
    }
}

/// The built Worker's wasm (worker-build writes `functions/build/index_bg.wasm`).
fn wasm_gzip_size() -> Option<(u64, u64)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../functions/build");
    let wasm = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))?;
    let bytes = std::fs::read(&wasm).ok()?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).ok()?;
    Some((bytes.len() as u64, gz.finish().ok()?.len() as u64))
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let total = arg(1, 2000);
    let concurrency = arg(2, 16);
    let limit = Duration::from_secs(arg(3, 60) as u64);
    let bearer = format!("Bearer {SERVICE_ROLE_KEY}");
    let json = "application/json".to_string();
    let direct_headers = vec![
        ("Authorization", bearer.clone()),
        ("apikey", SERVICE_ROLE_KEY.to_string()),
        ("Content-Profile", "dyniq".to_string()),
        ("Content-Type", json.clone()),
        ("Prefer", "return=representation".to_string()),
    ];
    let worker_headers = vec![("Authorization", bearer), ("Content-Type", json)];

    let mut targets = vec![Target {
        name: "postgrest",
        url: format!("{}/content_posts", postgrest_url()),
        headers: direct_headers,
    }];
    if let Ok(base) = std::env::var("ROWGATE_WORKERD_URL") {
        targets.push(Target {
            name: "workerd",
            url: format!("{base}/v1/dyniq/content_posts"),
            headers: worker_headers.clone(),
        });
    }
    targets.push(Target {
        name: "wrangler",
        url: format!("{}/v1/dyniq/content_posts", worker_url()),
        headers: worker_headers,
    });
    for t in &targets {
        assert!(
            t.url.starts_with("http://127.")
                || t.url.starts_with("http://localhost")
                || t.url.starts_with("http://[::1]"),
            "the load program only targets loopback addresses, not {}",
            t.url
        );
    }

    // A short warm-up of each, so none pays for cold connections or JIT in the figures.
    for t in &targets {
        t.run(50, concurrency, limit);
    }
    // Two halves per target: A B C, then C B A.
    let first: Vec<Run> = targets
        .iter()
        .map(|t| t.run(total / 2, concurrency, limit / 2))
        .collect();
    let mut second: Vec<Run> = targets
        .iter()
        .rev()
        .map(|t| t.run(total - total / 2, concurrency, limit / 2))
        .collect();
    second.reverse();
    let runs: Vec<Run> = first
        .into_iter()
        .zip(second)
        .map(|(a, b)| a.merge(b))
        .collect();

    println!(
        "single-record inserts into dyniq.content_posts, {total} per target, concurrency {concurrency}"
    );
    println!(
        "{:<10} {:>8} {:>7} {:>10} {:>9} {:>9}",
        "target", "ok", "failed", "req/s", "p50 ms", "p99 ms"
    );
    for (t, r) in targets.iter().zip(&runs) {
        println!(
            "{:<10} {:>8} {:>7} {:>10.0} {:>9.2} {:>9.2}",
            t.name,
            r.ok,
            r.failed,
            r.rps(),
            r.percentile(0.50).as_secs_f64() * 1e3,
            r.percentile(0.99).as_secs_f64() * 1e3
        );
    }
    let direct = runs[0].rps();
    for (t, r) in targets.iter().zip(&runs).skip(1) {
        println!(
            "{} / postgrest throughput: {:.2} (target >= 0.70)",
            t.name,
            r.rps() / direct
        );
    }
    match wasm_gzip_size() {
        Some((raw, gz)) => println!(
            "worker wasm: {raw} bytes, {gz} bytes gzip ({:.1} KiB; target <= 1024 KiB)",
            gz as f64 / 1024.0
        ),
        None => println!("worker wasm: not built (run scripts/build-worker.sh)"),
    }
}
