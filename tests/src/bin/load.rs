//! The load program: the one place the project's speed figures come from. In one run it sends
//! the same work to PostgREST directly, to rowgate's Worker and to the JavaScript peer (the
//! Worker a Supabase user would write: jose, zod 4, supabase-js; `tests/peer-worker/`), both
//! Workers served by plain workerd, and prints per case requests per second, p50/p99 latency and
//! the workerd CPU each request cost, then the ratios the project is held to.
//!
//! Cases:
//! - `insert`: single-lead inserts into `dyniq.leads` (a messy lead as a client sends it through
//!   the Workers; the same lead already clean, straight to PostgREST);
//! - `validate`: the same lead through both Workers' dry run (authentication and shaping, no
//!   PostgREST call);
//! - `404`: a request that touches nothing, both Workers (the fixed cost of an entry);
//! - `bulk`: 1,000 leads in one request, through rowgate's Worker and straight to PostgREST;
//! - cold start: a new workerd process per Worker, timed to its listening socket and to the
//!   answer of its first insert (the first request on a new isolate).
//!
//! Each case's targets run in rounds (4 unless `ROWGATE_LOAD_ROUNDS` says otherwise), A B C then
//! C B A and again, so a slow drift of the machine or of the table (which grows as the run
//! inserts) weighs on every target alike. CPU is read from `/proc/<pid>/task/*/schedstat` of
//! each Worker's workerd process, before and after each of its rounds; the figure reported is
//! the median of its rounds' CPU per request.
//!
//! Loopback only, bounded in count and in time:
//!   bash scripts/load.sh [requests per target] [concurrency] [seconds per target]
//! (the script starts what is missing, serves both Workers on workerd and sets the variables
//! below), or by hand with `ROWGATE_POSTGREST_URL`, `ROWGATE_WORKERD_URL`/`_PID`,
//! `ROWGATE_PEER_URL`/`_PID` and, for cold starts, `ROWGATE_WORKERD_BIN` and
//! `ROWGATE_COLD_CONFIGS` (`name=config.capnp=port,…`).

use std::io::Write;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rowgate_tests::{postgrest_url, SERVICE_ROLE_KEY};

/// The seed's table count across the six apps: what the size projection is for.
const SEED_TABLES: usize = 60;
/// Records per bulk request.
const BULK: usize = 1000;

struct Run {
    ok: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// Milliseconds of the target's process CPU per answered request, one figure per round
    /// (when its pid is known).
    round_cpu: Vec<f64>,
    first_failure: Option<String>,
}

impl Run {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    /// CPU per answered request, in milliseconds: the median of the rounds' figures, so that a
    /// round the machine spent elsewhere (a collection, a burst of kernel work) does not move it.
    fn cpu_ms(&self) -> Option<f64> {
        if self.round_cpu.is_empty() {
            return None;
        }
        Some(median(self.round_cpu.clone()))
    }
    /// Two runs of one target as one: their requests, time and latencies added up, their rounds'
    /// CPU figures kept side by side.
    fn merge(mut self, other: Run) -> Run {
        self.ok += other.ok;
        self.failed += other.failed;
        self.elapsed += other.elapsed;
        self.round_cpu.extend(other.round_cpu);
        self.latencies.extend(other.latencies);
        self.latencies.sort();
        self.first_failure = self.first_failure.or(other.first_failure);
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

/// The one HTTP client of the run: its keep-alive connections outlive a round, as a Worker's
/// connections from Cloudflare's front line outlive a burst, so no round pays for opening them.
fn agent() -> ureq::Agent {
    static AGENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    AGENT
        .get_or_init(|| {
            ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                .max_idle_connections(1024)
                .max_idle_connections_per_host(64)
                .build()
        })
        .clone()
}

/// Nanoseconds on CPU of every thread of `pid` (the kernel's per-task scheduler statistics).
fn cpu_ns(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = task.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        total += text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(total)
}

/// What a request's body is, from its number in the run.
type BodyFn<'a> = dyn Fn(usize) -> Option<String> + Sync + 'a;

/// One target of one case: where the requests go, how they are authenticated and what answer
/// counts as done.
struct Target<'a> {
    name: &'static str,
    method: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: &'a BodyFn<'a>,
    expect: u16,
    pid: Option<u32>,
    /// Records per request (1, or [`BULK`]).
    records: usize,
}

impl Target<'_> {
    /// Sends `total` requests from `concurrency` threads, stopping early at `limit`.
    /// `offset` numbers the requests, so every body of the run is distinct.
    fn run(&self, offset: usize, total: usize, concurrency: usize, limit: Duration) -> Run {
        let next = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let first_failure = Arc::new(Mutex::new(None));
        let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
        let cpu_before = self.pid.and_then(cpu_ns);
        let started = Instant::now();
        let deadline = started + limit;
        std::thread::scope(|s| {
            for _ in 0..concurrency {
                let (next, failed, latencies, first_failure) = (
                    next.clone(),
                    failed.clone(),
                    latencies.clone(),
                    first_failure.clone(),
                );
                s.spawn(move || {
                    let agent = agent();
                    let mut mine = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= total || Instant::now() >= deadline {
                            break;
                        }
                        let body = (self.body)(offset + n);
                        let mut req = agent.request(self.method, &self.url);
                        for (k, v) in &self.headers {
                            req = req.set(k, v);
                        }
                        let t = Instant::now();
                        let result = match &body {
                            Some(b) => req.send_string(b),
                            None => req.call(),
                        };
                        let answer = match result {
                            Ok(r) => Ok(r),
                            Err(ureq::Error::Status(_, r)) => Ok(r),
                            Err(e) => Err(e.to_string()),
                        };
                        match answer {
                            Ok(r) if r.status() == self.expect => {
                                let _ = r.into_string();
                                mine.push(t.elapsed());
                            }
                            other => {
                                failed.fetch_add(1, Ordering::Relaxed);
                                let why = match other {
                                    Ok(r) => format!(
                                        "{} {}",
                                        r.status(),
                                        r.into_string().unwrap_or_default()
                                    ),
                                    Err(e) => e,
                                };
                                first_failure
                                    .lock()
                                    .expect("first failure")
                                    .get_or_insert(why);
                            }
                        }
                    }
                    latencies.lock().expect("latencies").extend(mine);
                });
            }
        });
        let elapsed = started.elapsed();
        let cpu_after = self.pid.and_then(cpu_ns);
        let mut latencies = Arc::try_unwrap(latencies)
            .expect("threads joined")
            .into_inner()
            .expect("lock");
        latencies.sort();
        let first_failure = first_failure.lock().expect("first failure").take();
        let ok = latencies.len();
        let round_cpu = match (cpu_before, cpu_after) {
            (Some(a), Some(b)) if ok > 0 => vec![b.saturating_sub(a) as f64 / 1e6 / ok as f64],
            _ => Vec::new(),
        };
        Run {
            ok,
            failed: failed.load(Ordering::Relaxed),
            elapsed,
            latencies,
            round_cpu,
            first_failure,
        }
    }
}

/// Runs every target of a case in two interleaved halves after a short warm-up, and prints
/// them. Returns the merged runs, in the targets' order.
fn case(
    title: &str,
    targets: &[Target],
    total: usize,
    concurrency: usize,
    limit: Duration,
    offset: &mut usize,
) -> Vec<Run> {
    if !wanted(title) {
        return Vec::new();
    }
    // Before each measured round, an unmeasured burst of the same requests, so that the round
    // measures the steady state: connections open, the code the requests run compiled.
    let warm = (concurrency * 20).min(total.max(1));
    // Rounds, each target's share in turn, the order reversed every other round: A B C, C B A,
    // A B C, C B A.
    let rounds = rounds().min(total.max(1));
    let mut runs: Vec<Option<Run>> = targets.iter().map(|_| None).collect();
    for round in 0..rounds {
        let n = total / rounds + usize::from(round < total % rounds);
        let order: Vec<usize> = if round.is_multiple_of(2) {
            (0..targets.len()).collect()
        } else {
            (0..targets.len()).rev().collect()
        };
        for i in order {
            targets[i].run(*offset, warm, concurrency, limit);
            *offset += warm;
            let r = targets[i].run(*offset, n, concurrency, limit / rounds as u32);
            *offset += n;
            runs[i] = Some(match runs[i].take() {
                Some(before) => before.merge(r),
                None => r,
            });
        }
    }
    let runs: Vec<Run> = runs
        .into_iter()
        .map(|r| r.expect("every target ran"))
        .collect();

    println!();
    println!("{title}, {total} requests per target, concurrency {concurrency}");
    println!(
        "  {:<10} {:>7} {:>6} {:>10} {:>11} {:>8} {:>8} {:>10}",
        "target", "ok", "failed", "req/s", "records/s", "p50 ms", "p99 ms", "CPU ms/req"
    );
    for (t, r) in targets.iter().zip(&runs) {
        println!(
            "  {:<10} {:>7} {:>6} {:>10.0} {:>11.0} {:>8.2} {:>8.2} {:>10}",
            t.name,
            r.ok,
            r.failed,
            r.rps(),
            r.rps() * t.records as f64,
            r.percentile(0.50).as_secs_f64() * 1e3,
            r.percentile(0.99).as_secs_f64() * 1e3,
            r.cpu_ms().map_or("-".into(), |ms| format!("{ms:.3}")),
        );
        if let Some(why) = &r.first_failure {
            let why: String = why.chars().take(300).collect();
            println!("    first failure: {why}");
        }
    }
    runs
}

/// Milliseconds from spawn to a listening socket, of the first insert's answer, and of the
/// process's CPU until then.
type ColdStart = (f64, f64, f64);

/// A cold start: a new workerd process serving one Worker. Returns (ms from spawn to a
/// listening socket, ms of the first insert's answer, CPU ms of the process until then).
fn cold_start(bin: &str, config: &str, port: u16, body: &str) -> Result<ColdStart, String> {
    let mut child = Command::new(bin)
        .args(["serve", config])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawning {bin}: {e}"))?;
    let spawned = Instant::now();
    let result = (|| {
        let addr = format!("127.0.0.1:{port}");
        let listening = loop {
            if TcpStream::connect(&addr).is_ok() {
                break spawned.elapsed();
            }
            if spawned.elapsed() > Duration::from_secs(20) {
                return Err(format!("{config}: nothing listening on {addr} after 20 s"));
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(20))
            .build();
        let t = Instant::now();
        let r = agent
            .post(&format!("http://{addr}/v1/dyniq/leads"))
            .set("Authorization", &format!("Bearer {SERVICE_ROLE_KEY}"))
            .set("Content-Type", "application/json")
            .send_string(body)
            .map_err(|e| format!("{config}: first request: {e}"))?;
        let first = t.elapsed();
        if r.status() != 201 {
            return Err(format!("{config}: first request answered {}", r.status()));
        }
        let cpu = cpu_ns(child.id()).unwrap_or(0);
        Ok((
            listening.as_secs_f64() * 1e3,
            first.as_secs_f64() * 1e3,
            cpu as f64 / 1e6,
        ))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// How many rounds each case runs in (`ROWGATE_LOAD_ROUNDS`, 4 unless set).
fn rounds() -> usize {
    std::env::var("ROWGATE_LOAD_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(4)
}

/// Whether a case (named by the first word of its title) is among `ROWGATE_LOAD_CASES`
/// (`insert,validate,404,bulk,cold`; all when unset).
fn wanted(title: &str) -> bool {
    let name = title.split([':', ' ']).next().unwrap_or_default();
    std::env::var("ROWGATE_LOAD_CASES")
        .map(|cases| cases.split(',').any(|c| c.trim() == name))
        .unwrap_or(true)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n.is_multiple_of(2) {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    } else {
        xs[n / 2]
    }
}

/// A Worker served for the run.
struct Served {
    name: &'static str,
    base: String,
    pid: Option<u32>,
}

impl Served {
    /// Requests to `path` on this Worker, answered with `expect`.
    fn target<'a>(
        &self,
        path: &str,
        headers: &[(&'static str, String)],
        body: &'a BodyFn<'a>,
        expect: u16,
    ) -> Target<'a> {
        Target {
            name: self.name,
            method: if expect == 404 { "GET" } else { "POST" },
            url: format!("{}{path}", self.base),
            headers: headers.to_vec(),
            body,
            expect,
            pid: self.pid,
            records: 1,
        }
    }
}

/// What a ratio compares.
#[derive(Clone, Copy)]
enum Measure {
    /// Requests (or, for bulk, records) per second.
    Rps,
    /// Workerd CPU per request, in ms.
    Cpu,
}
use Measure::{Cpu, Rps};

/// A target's figure in a case (the runs come in the targets' order).
fn figure(targets: &[Target], runs: &[Run], name: &str, measure: Measure) -> Option<f64> {
    let i = targets.iter().position(|t| t.name == name)?;
    let run = runs.get(i)?;
    match measure {
        Rps => Some(run.rps() * targets[i].records as f64),
        Cpu => run.cpu_ms(),
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

fn env_pid(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|p| p.trim().parse().ok())
}

/// A lead as a client sends it: stray spaces, mixed case, blanks, a comma list.
fn messy_lead(tag: &str, n: usize) -> String {
    format!(
        r#"{{"email":" Lead.{tag}.{n}@Example.COM ","name":" Ada Lovelace ","phone":"+32 470 12 34 56","company_name":"","industry":" retail ","source":"Quiz","status":"Active","tier":" hot ","lead_score":72,"pain_points":"cash flow, hiring","needs":["automation"," crm "],"urgency":"This Quarter"}}"#
    )
}

/// The same lead as the Workers shape it: what a client writing straight to PostgREST sends.
fn clean_lead(tag: &str, n: usize) -> String {
    format!(
        r#"{{"email":"lead.{tag}.{n}@example.com","name":"Ada Lovelace","phone":"+32470123456","company_name":null,"industry":"retail","source":"quiz","status":"active","tier":"HOT","lead_score":72,"pain_points":["cash flow","hiring"],"needs":["automation","crm"],"urgency":"this_quarter"}}"#
    )
}

fn array(n: usize, one: impl Fn(usize) -> String) -> String {
    let mut out = String::with_capacity(BULK * 400);
    out.push('[');
    for i in 0..BULK {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&one(n * BULK + i));
    }
    out.push(']');
    out
}

fn main() {
    let total = arg(1, 4000);
    let concurrency = arg(2, 16);
    let limit = Duration::from_secs(arg(3, 60) as u64);
    let layout = std::env::var("ROWGATE_LAYOUT").unwrap_or_else(|_| "shared".into());
    // Distinct emails in every run of the program (the table keeps earlier runs' leads).
    let tag = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_micros()
    );
    let tag = tag.as_str();
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
    // The Workers served for the run: rowgate always, the peer and the floor when given.
    let mut workers = Vec::new();
    for (name, url, pid) in [
        ("rowgate", "ROWGATE_WORKERD_URL", "ROWGATE_WORKERD_PID"),
        ("peer", "ROWGATE_PEER_URL", "ROWGATE_PEER_PID"),
        ("floor", "ROWGATE_FLOOR_URL", "ROWGATE_FLOOR_PID"),
    ] {
        if let Ok(base) = std::env::var(url) {
            workers.push(Served {
                name,
                base,
                pid: env_pid(pid),
            });
        }
    }
    let postgrest = postgrest_url();
    for url in std::iter::once(&postgrest).chain(workers.iter().map(|w| &w.base)) {
        assert!(
            url.starts_with("http://127.")
                || url.starts_with("http://localhost")
                || url.starts_with("http://[::1]"),
            "the load program only targets loopback addresses, not {url}"
        );
    }
    if workers.first().is_none_or(|w| w.name != "rowgate") {
        eprintln!("ROWGATE_WORKERD_URL is not set: run scripts/load.sh");
        std::process::exit(2);
    }

    let messy: &BodyFn = &move |n| Some(messy_lead(tag, n));
    let clean: &BodyFn = &move |n| Some(clean_lead(tag, n));
    let none: &BodyFn = &|_| None;
    let bulk_messy: &BodyFn = &move |n| Some(array(n, |i| messy_lead(&format!("{tag}b"), i)));
    let bulk_clean: &BodyFn = &move |n| Some(array(n, |i| clean_lead(&format!("{tag}c"), i)));
    // The floor passes the body on as it is: it gets the lead already clean.
    let lead_for = |w: &Served| if w.name == "floor" { clean } else { messy };

    println!(
        "layout {layout}; {}",
        workers
            .iter()
            .map(|w| format!("{} at {}", w.name, w.base))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut offset = 0;

    // Single-lead inserts.
    let mut insert = vec![Target {
        name: "postgrest",
        method: "POST",
        url: format!("{postgrest}/leads"),
        headers: direct_headers.clone(),
        body: clean,
        expect: 201,
        pid: None,
        records: 1,
    }];
    insert.extend(
        workers
            .iter()
            .map(|w| w.target("/v1/dyniq/leads", &worker_headers, lead_for(w), 201)),
    );
    let inserts = case(
        "insert: one lead per request into dyniq.leads",
        &insert,
        total,
        concurrency,
        limit,
        &mut offset,
    );

    // The dry run (the floor has none) and the request that touches nothing: where a Worker's
    // CPU goes.
    let validate: Vec<Target> = workers
        .iter()
        .filter(|w| w.name != "floor")
        .map(|w| w.target("/v1/dyniq/leads/validate", &worker_headers, messy, 200))
        .collect();
    let missing: Vec<Target> = workers
        .iter()
        .map(|w| w.target("/no/such/route", &worker_headers, none, 404))
        .collect();
    let validates = case(
        "validate: the same lead through the dry run (authenticate and shape, no PostgREST call)",
        &validate,
        total,
        concurrency,
        limit,
        &mut offset,
    );
    let missings = case(
        "404: a route that does not exist (the fixed cost of a request)",
        &missing,
        total,
        concurrency,
        limit,
        &mut offset,
    );

    // Bulk: 1,000 leads per request. The Worker sends PostgREST one insert naming the insertable
    // columns with `Prefer: missing=default`; the direct request is the same.
    let bulk_requests = (total / 250).max(8);
    let bulk_concurrency = 2;
    let mut direct_bulk = direct_headers.clone();
    for h in &mut direct_bulk {
        if h.0 == "Prefer" {
            h.1 = "return=representation,missing=default".into();
        }
    }
    let bulk = vec![
        Target {
            name: "postgrest",
            method: "POST",
            url: format!(
                "{postgrest}/leads?columns=email,name,phone,company_name,industry,source,status,tier,lead_score,pain_points,needs,urgency"
            ),
            headers: direct_bulk,
            body: bulk_clean,
            expect: 201,
            pid: None,
            records: BULK,
        },
        Target {
            records: BULK,
            ..workers[0].target("/v1/dyniq/leads", &worker_headers, bulk_messy, 201)
        },
    ];
    let mut bulk_offset = 0;
    let bulks = case(
        &format!("bulk: {BULK} leads per request"),
        &bulk,
        bulk_requests,
        bulk_concurrency,
        limit,
        &mut bulk_offset,
    );

    // Cold starts: a new workerd process per Worker, alternately.
    if let (true, Ok(bin), Ok(configs)) = (
        wanted("cold"),
        std::env::var("ROWGATE_WORKERD_BIN"),
        std::env::var("ROWGATE_COLD_CONFIGS"),
    ) {
        let configs: Vec<(String, String, u16)> = configs
            .split(',')
            .filter_map(|c| {
                let mut it = c.split('=');
                Some((
                    it.next()?.to_string(),
                    it.next()?.to_string(),
                    it.next()?.parse().ok()?,
                ))
            })
            .collect();
        let mut cold: Vec<(String, Vec<ColdStart>)> = configs
            .iter()
            .map(|(name, _, _)| (name.clone(), Vec::new()))
            .collect();
        for round in 0..5 {
            for (i, (name, config, port)) in configs.iter().enumerate() {
                // The floor passes the body on as it is: it gets the lead already clean.
                let lead = if name == "floor" {
                    clean_lead
                } else {
                    messy_lead
                };
                let body = lead(&format!("{tag}cold{name}"), round);
                match cold_start(&bin, config, *port, &body) {
                    Ok(m) => cold[i].1.push(m),
                    Err(e) => println!("cold start of {name}: {e}"),
                }
            }
        }
        println!();
        println!("cold start: a new workerd process, then its first insert (median of 5)");
        println!(
            "  {:<10} {:>14} {:>17} {:>17}",
            "worker", "listening ms", "first insert ms", "CPU ms until then"
        );
        for (name, ms) in &cold {
            if ms.is_empty() {
                continue;
            }
            println!(
                "  {:<10} {:>14.1} {:>17.1} {:>17.1}",
                name,
                median(ms.iter().map(|m| m.0).collect()),
                median(ms.iter().map(|m| m.1).collect()),
                median(ms.iter().map(|m| m.2).collect()),
            );
        }
    }

    // The ratios the project is held to (those whose cases ran): what, the case, the measure,
    // numerator and denominator, and the target.
    println!();
    println!("ratios ({layout} layout)");
    let direct_target = if layout == "split" { 0.95 } else { 0.75 };
    let direct_target = format!("(target >= {direct_target:.2})");
    let (ins, miss, val, bul) = (
        (&insert[..], &inserts[..]),
        (&missing[..], &missings[..]),
        (&validate[..], &validates[..]),
        (&bulk[..], &bulks[..]),
    );
    let ratios = [
        (
            "rowgate / postgrest, insert throughput",
            ins,
            Rps,
            "rowgate",
            "postgrest",
            &direct_target[..],
        ),
        (
            "peer / postgrest, insert throughput",
            ins,
            Rps,
            "peer",
            "postgrest",
            "",
        ),
        (
            "rowgate / peer, insert throughput",
            ins,
            Rps,
            "rowgate",
            "peer",
            "(target >= 1.30)",
        ),
        (
            "rowgate / peer, CPU per insert",
            ins,
            Cpu,
            "rowgate",
            "peer",
            "(target <= 0.50)",
        ),
        (
            "floor / peer, CPU per insert",
            ins,
            Cpu,
            "floor",
            "peer",
            "(a Worker that only passes the insert on)",
        ),
        (
            "rowgate / peer, CPU per 404",
            miss,
            Cpu,
            "rowgate",
            "peer",
            "(target <= 1.00)",
        ),
        ("floor / peer, CPU per 404", miss, Cpu, "floor", "peer", ""),
        (
            "rowgate / peer, CPU per dry run",
            val,
            Cpu,
            "rowgate",
            "peer",
            "",
        ),
        (
            "rowgate / postgrest, bulk records/s",
            bul,
            Rps,
            "rowgate",
            "postgrest",
            "(target >= 0.80)",
        ),
    ];
    for (what, (targets, runs), measure, a, b, target) in ratios {
        if let (Some(x), Some(y)) = (
            figure(targets, runs, a, measure),
            figure(targets, runs, b, measure),
        ) {
            let detail = match measure {
                Cpu => format!(" ({x:.3} / {y:.3} ms)"),
                Rps => String::new(),
            };
            println!("  {what:<40} {:>5.2}{detail} {target}", x / y);
        }
    }
    let cpu = |(targets, runs): (&[Target], &[Run]), name: &str| figure(targets, runs, name, Cpu);
    for name in ["rowgate", "peer"] {
        if let (Some(i), Some(v), Some(m)) = (cpu(ins, name), cpu(val, name), cpu(miss, name)) {
            println!(
                "  {name} CPU per insert {i:.3} ms = entry {m:.3} + authenticate and shape {:.3} + PostgREST call {:.3}",
                v - m,
                i - v
            );
        }
    }
    if let Some(b) = cpu(bul, "rowgate") {
        println!(
            "  rowgate CPU per bulk request: {b:.1} ms ({:.1} µs per record)",
            b * 1e3 / BULK as f64
        );
    }

    let tables = rowgate_core::registry::all().len();
    match wasm_gzip_size() {
        Some((raw, gz)) => {
            let kib = gz as f64 / 1024.0;
            println!(
                "  worker wasm: {raw} bytes, {gz} bytes gzip ({kib:.1} KiB; target <= 1024 KiB) with {tables} tables registered"
            );
            println!(
                "  if every byte grew with the table count, {SEED_TABLES} tables: {:.0} KiB gzip (an upper bound)",
                kib * SEED_TABLES as f64 / tables as f64
            );
        }
        None => println!("  worker wasm: not built (run scripts/build-worker.sh)"),
    }
}
