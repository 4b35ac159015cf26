//! Auth's key server failing: a second Worker from the same build on plain workerd, configured
//! without `SUPABASE_JWKS` so that it fetches keys from `<SUPABASE_URL>/auth/v1/.well-known/
//! jwks.json`, with SUPABASE_URL at a stand-in key server this file runs. A key server that is
//! down, refuses connections or never answers is a 503 with Retry-After (not a 401), keys already
//! fetched still verify, and a failure is cached briefly so that an outage is not one fetch per
//! request. One test at a time: each starts its own workerd, and the timings are checked.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rowgate_tests::*;
use serde_json::json;

static ONE: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How the stand-in answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// 200 with the local JWKS.
    Serve,
    /// 500.
    Fail,
    /// Accepts the connection, reads the request and never answers.
    Hang,
}

/// A key server on a loopback port that counts the requests it gets. Stopped when dropped.
struct KeyServer {
    url: String,
    mode: Arc<Mutex<Mode>>,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl KeyServer {
    fn start(mode: Mode) -> KeyServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stand-in key server");
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(mode));
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let jwks = local_jwks();
        let thread = {
            let (mode, requests, stop) = (mode.clone(), requests.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (mode, requests, stop, jwks) =
                        (mode.clone(), requests.clone(), stop.clone(), jwks.clone());
                    std::thread::spawn(move || answer(stream, &mode, &requests, &stop, &jwks));
                }
            })
        };
        KeyServer {
            url: format!("http://{addr}"),
            mode,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn answer(
    mut stream: TcpStream,
    mode: &Mutex<Mode>,
    requests: &AtomicUsize,
    stop: &AtomicBool,
    jwks: &str,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let mode = *mode.lock().unwrap();
    let (status, body) = match mode {
        Mode::Serve => ("200 OK", jwks),
        Mode::Fail => ("500 Internal Server Error", "{\"error\":\"down\"}"),
        Mode::Hang => {
            // Holds the connection open, unanswered, until the stand-in stops.
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            return;
        }
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

impl Drop for KeyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A Worker that fetches its keys from `key_server` (a base URL).
fn worker_fetching_keys_from(key_server: &str) -> Workerd {
    Workerd::start(&json!({
        "SUPABASE_JWKS": null,
        "SUPABASE_URL": key_server,
        "POSTGREST_URL": postgrest_url(),
        "JWKS_TIMEOUT_MS": "1000",
    }))
}

fn get(worker: &Workerd, token: &str) -> Answer {
    call(
        "GET",
        &format!("{}/v1/walker_os/path_a?limit=1", worker.url),
        &[("authorization", &bearer(token))],
        None,
    )
}

fn user_token(kid: &str) -> String {
    es256(&user_claims(&new_user()), kid)
}

fn unavailable(a: &Answer) {
    a.problem(503);
    assert!(a.header("retry-after").is_some(), "no Retry-After: {a:?}");
}

#[test]
fn a_key_server_that_fails_is_a_503_and_its_failure_is_cached_briefly() {
    let _one = one_at_a_time();
    ready();
    let keys = KeyServer::start(Mode::Fail);
    let worker = worker_fetching_keys_from(&keys.url);
    let before = keys.requests();
    let started = Instant::now();
    for i in 0..20 {
        let a = get(&worker, &user_token("some-other-key"));
        assert_ne!(a.status, 401, "request {i}: {}", a.body);
        unavailable(&a);
    }
    let fetches = keys.requests() - before;
    // A failure is remembered for 5 s: one fetch, and one more for every 5 s the requests took
    // (at least 2 allowed, so a slow machine cannot fail this; without the memory it is 20).
    let allowed = (1 + started.elapsed().as_secs() as usize / 5).max(2);
    assert!(
        (1..=allowed).contains(&fetches),
        "20 requests while the key server was down made {fetches} fetches (at most {allowed})"
    );
}

#[test]
fn a_key_already_fetched_still_verifies_while_the_key_server_is_down() {
    let _one = one_at_a_time();
    ready();
    let keys = KeyServer::start(Mode::Serve);
    let worker = worker_fetching_keys_from(&keys.url);
    let a = get(&worker, &user_token(ES256_KID));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(keys.requests() >= 1, "the Worker did not fetch the keys");

    keys.set(Mode::Fail);
    let a = get(&worker, &user_token(ES256_KID));
    assert_eq!(a.status, 200, "{}", a.body);
}

#[test]
fn a_key_server_that_never_answers_is_a_503_within_seconds() {
    let _one = one_at_a_time();
    ready();
    let keys = KeyServer::start(Mode::Hang);
    let worker = worker_fetching_keys_from(&keys.url);
    // JWKS_TIMEOUT_MS is 1000 here.
    let limit = Duration::from_secs(6);
    let started = Instant::now();
    let a = try_call(
        "GET",
        &format!("{}/v1/walker_os/path_a?limit=1", worker.url),
        &[("authorization", &bearer(&user_token("some-other-key")))],
        None,
        limit,
    )
    .unwrap_or_else(|e| panic!("no answer within {limit:?} while the key server hung: {e}"));
    let took = started.elapsed();
    unavailable(&a);
    assert!(took < limit, "took {took:?}");
}

#[test]
fn a_key_server_that_refuses_connections_is_a_503() {
    let _one = one_at_a_time();
    ready();
    // A port nothing listens on.
    let worker = worker_fetching_keys_from(&format!("http://127.0.0.1:{}", free_port()));
    let a = get(&worker, &user_token("some-other-key"));
    unavailable(&a);
}
