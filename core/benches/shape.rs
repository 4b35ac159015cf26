//! Shaping throughput against its floor (issue 3, section 8): 10,000 lead records as a client
//! sends them (mixed-case enums, stray spaces, empty strings, a few invalid) and 1,000
//! content_metrics rows, each shaped from its own JSON body, against deserialising the same
//! bytes into a plain `#[derive(Deserialize)]` struct of the same fields with no rules.
//!
//! `cargo bench -p rowgate-core` runs criterion over the four cases, then prints records per
//! second and the ratio shaping / floor, measured in the same run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use rowgate_core::dyniq::content_metrics::ContentMetric;
use rowgate_core::dyniq::leads::Lead;
use serde::Deserialize;

const LEADS: usize = 10_000;
const METRICS: usize = 1_000;

/// The floor for a lead: the same fields, plainly typed.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainLead {
    email: String,
    name: Option<String>,
    phone: Option<String>,
    company_name: Option<String>,
    industry: Option<String>,
    source: Option<String>,
    status: Option<String>,
    tier: Option<String>,
    lead_score: Option<i32>,
    pain_points: Option<Vec<String>>,
    needs: Option<String>,
    urgency: Option<String>,
}

/// The floor for a content_metrics row.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainMetric {
    post_id: String,
    likes: Option<i32>,
    comments: Option<i32>,
    engagement_rate: Option<f64>,
    metric_date: Option<String>,
}

/// A small deterministic generator (xorshift), so every run shapes the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn leads() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let first = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
    ];
    let companies = [
        "Acme Bakery",
        "Nordwind BV",
        "",
        "Studio Lumen",
        "  Kapper Jan  ",
        "Veldhuis & Zn",
    ];
    let industries = ["hospitality", " retail ", "construction", "", "healthcare"];
    let sources = ["Quiz", "quiz", "PILOT", "referral", " Referral ", ""];
    let statuses = ["onboarding", "Active", "ACTIVE", "churned", ""];
    let tiers = ["hot", "Warm", "COLD", " hot ", "HOT"];
    let urgencies = [
        "This Quarter",
        "immediate",
        "this_year",
        "Exploring",
        "this-quarter",
    ];
    let phones = [
        "+32 470 12 34 56",
        "+1 (415) 555-2671",
        "0044 20 7946 0958",
        "+31612345678",
        "",
    ];
    let pains = [
        r#"["cash flow", " hiring "]"#,
        r#"["no time"]"#,
        "[]",
        r#"[" marketing ", "", "pricing"]"#,
    ];
    let needs = [
        "automation, crm",
        " lead follow-up ",
        "",
        "voice agent,scheduling,  invoicing",
    ];
    (0..LEADS)
        .map(|i| {
            let name = rng.pick(&first);
            let mut email = format!(" {name}.{i}@Example.COM ");
            let mut tier = rng.pick(&tiers).to_string();
            let mut score = rng.below(101);
            // About 2 % invalid, each in one way.
            match rng.below(150) {
                0 => email = format!("{name}{i}-at-example.com"),
                1 => tier = "lukewarm".into(),
                2 => score = 150,
                _ => {}
            }
            format!(
                r#"{{"email":"{email}","name":" {name} Lovelace ","phone":"{}","company_name":"{}","industry":"{}","source":"{}","status":"{}","tier":"{tier}","lead_score":{score},"pain_points":{},"needs":"{}","urgency":"{}"}}"#,
                rng.pick(&phones),
                rng.pick(&companies),
                rng.pick(&industries),
                rng.pick(&sources),
                rng.pick(&statuses),
                rng.pick(&pains),
                rng.pick(&needs),
                rng.pick(&urgencies),
            )
            .into_bytes()
        })
        .collect()
}

fn metrics() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    (0..METRICS)
        .map(|i| {
            let post = format!("{:08x}-3b9a-4c1d-9f5e-{:012x}", rng.next() as u32, i);
            let post = if i % 3 == 0 { post.to_uppercase() } else { post };
            format!(
                r#"{{"post_id":"{post}","likes":{},"comments":{},"engagement_rate":{},"metric_date":"2026-{:02}-{:02}"}}"#,
                rng.below(5000),
                rng.below(300),
                rng.below(1000) as f64 / 10_000.0,
                1 + rng.below(12),
                1 + rng.below(28),
            )
            .into_bytes()
        })
        .collect()
}

fn shape_leads(bodies: &[Vec<u8>]) -> usize {
    bodies
        .iter()
        .filter(|b| Lead::shape(black_box(b)).is_ok())
        .count()
}

fn floor_leads(bodies: &[Vec<u8>]) -> usize {
    bodies
        .iter()
        .filter(|b| serde_json::from_slice::<PlainLead>(black_box(b)).is_ok())
        .count()
}

fn shape_metrics(bodies: &[Vec<u8>]) -> usize {
    bodies
        .iter()
        .filter(|b| ContentMetric::shape(black_box(b)).is_ok())
        .count()
}

fn floor_metrics(bodies: &[Vec<u8>]) -> usize {
    bodies
        .iter()
        .filter(|b| serde_json::from_slice::<PlainMetric>(black_box(b)).is_ok())
        .count()
}

type Case = (&'static str, fn(&[Vec<u8>]) -> usize);

fn bench(c: &mut Criterion, group: &str, bodies: &[Vec<u8>], cases: [Case; 2]) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(bodies.len() as u64));
    for (name, f) in cases {
        g.bench_with_input(BenchmarkId::from_parameter(name), bodies, |b, bodies| {
            b.iter(|| f(bodies))
        });
    }
    g.finish();
}

/// The median time of one pass over `bodies`, from interleaved runs of both cases so that both
/// see the same machine.
fn medians(bodies: &[Vec<u8>], cases: [Case; 2], rounds: usize) -> [Duration; 2] {
    let mut times = [Vec::with_capacity(rounds), Vec::with_capacity(rounds)];
    for _ in 0..rounds {
        for (k, (_, f)) in cases.iter().enumerate() {
            let start = Instant::now();
            black_box(f(bodies));
            times[k].push(start.elapsed());
        }
    }
    times.map(|mut t| {
        t.sort_unstable();
        t[t.len() / 2]
    })
}

fn report(label: &str, bodies: &[Vec<u8>], cases: [Case; 2], rounds: usize) {
    let [shape, floor] = medians(bodies, cases, rounds);
    let per_second = |d: Duration| bodies.len() as f64 / d.as_secs_f64();
    println!(
        "{label:<22} {:>10} records  shaping {:>12.0} records/s  floor {:>12.0} records/s  ratio {:.2}",
        bodies.len(),
        per_second(shape),
        per_second(floor),
        shape.as_secs_f64() / floor.as_secs_f64(),
    );
}

fn main() {
    let leads = leads();
    let metrics = metrics();
    let accepted = shape_leads(&leads);
    let lead_cases: [Case; 2] = [("shape", shape_leads), ("floor", floor_leads)];
    let metric_cases: [Case; 2] = [("shape", shape_metrics), ("floor", floor_metrics)];
    assert_eq!(floor_leads(&leads), LEADS, "the floor reads every lead");
    assert_eq!(shape_metrics(&metrics), METRICS, "every metric shapes");

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    bench(&mut c, "leads_10000", &leads, lead_cases);
    bench(&mut c, "content_metrics_1000", &metrics, metric_cases);
    c.final_summary();

    println!("\nrowgate-core shaping vs floor (median of interleaved passes, same run)");
    println!("leads accepted: {accepted} of {LEADS}");
    report("dyniq.leads", &leads, lead_cases, 31);
    report("dyniq.content_metrics", &metrics, metric_cases, 301);
}
