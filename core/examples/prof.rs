//! Temporary profiling driver (removed before hand-off).
use rowgate_core::dyniq::content_metrics::ContentMetric;
use rowgate_core::dyniq::leads::Lead;
use serde::Deserialize;
use std::hint::black_box;
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

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let leads = leads();
    let metrics = metrics();
    for _ in 0..5 {
        match which.as_str() {
            "shape" => {
                black_box(shape_leads(&leads));
            }
            "floor" => {
                black_box(floor_leads(&leads));
            }
            "mshape" => {
                for _ in 0..10 {
                    black_box(shape_metrics(&metrics));
                }
            }
            "mfloor" => {
                for _ in 0..10 {
                    black_box(floor_metrics(&metrics));
                }
            }
            _ => {}
        }
    }
}
