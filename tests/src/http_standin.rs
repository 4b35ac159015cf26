//! The HTTP/1.1 server under the loopback stand-ins of third-party APIs (`twilio`,
//! `telegram`): each stand-in decides answers, this module reads requests and writes replies.
//!
//! Std only: one thread per connection, so a scripted hang never holds up another request, and
//! every answer closes its connection, so there is no keep-alive state to get wrong. Requests
//! are bounded (line, header count, body) so a broken client cannot hold memory, and one that
//! is not valid HTTP gets a `400` in the stand-in's own error shape.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bounds that keep a broken or hostile client from holding memory: a request line or header
/// line, the number of headers, and a body.
const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How long a client may take to send its request before it is answered 400.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What a stand-in does with requests.
pub(crate) trait Api: Send + Sync + 'static {
    /// Names the listener's threads and prefixes log lines (`twilio stand-in`).
    const NAME: &'static str;

    /// The answer to a well-formed HTTP request (and the place to record it).
    fn answer(&self, request: &Request) -> Reply;

    /// The answer to a request that is not valid HTTP; it never reached the API, so it is not
    /// recorded (`problem` is logged, to explain a failing test).
    fn bad_request(&self, problem: &str) -> Reply;

    /// `text` (a problem quoting the request line, say) with the stand-in's secrets taken out,
    /// before it is logged or answered.
    fn redact(&self, text: &str) -> String {
        text.to_string()
    }
}

/// A parsed HTTP/1.1 request.
pub(crate) struct Request {
    pub method: String,
    /// The request target in origin form (`/path?query`), even when sent in absolute form.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query string without its `?`, empty when there is none.
    pub fn query(&self) -> &str {
        self.target
            .split_once('?')
            .map(|(_, query)| query)
            .unwrap_or_default()
    }

    /// The `Content-Type` without its parameters, lowercased (`application/json`).
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type")
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
    }
}

/// An answer: always JSON, always closing the connection.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// How long to wait before answering (a scripted hang).
    pub delay: Option<Duration>,
}

/// Listens on 127.0.0.1:`port` (0 picks a free port). Panics if the port is taken, because the
/// Worker would otherwise talk to whoever holds it; `what` names the stand-in in that panic.
pub(crate) fn bind(port: u16, what: &str) -> TcpListener {
    TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| {
        panic!(
            "the {what} cannot listen on 127.0.0.1:{port} ({e}); \
             another process (or another stand-in) holds the port"
        )
    })
}

/// Serves `listener` with `api` on a thread of its own until the process ends; returns the port.
pub(crate) fn run<A: Api>(listener: TcpListener, api: Arc<A>) -> u16 {
    let port = listener
        .local_addr()
        .expect("the stand-in's local address")
        .port();
    let name = A::NAME.replace(' ', "-");
    thread::Builder::new()
        .name(format!("{name}-{port}"))
        .spawn(move || accept_loop(listener, api))
        .expect("start the stand-in's listener thread");
    port
}

/// `application/x-www-form-urlencoded`, decoded without a crate so the stand-in does not
/// depend on what the code under test uses.
pub(crate) fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let key = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stays as it is, and
/// bytes that are not UTF-8 become U+FFFD rather than failing the request.
pub(crate) fn percent_decode(text: &[u8]) -> String {
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(text.get(i + 1)), hex(text.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A poisoned lock only means another server thread panicked; the data is still usable, and
/// one bad request must not take the stand-in down for the rest of the run.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop<A: Api>(listener: TcpListener, api: Arc<A>) {
    let thread_name = format!("{}-connection", A::NAME.replace(' ', "-"));
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let api = Arc::clone(&api);
                let spawned = thread::Builder::new()
                    .name(thread_name.clone())
                    .spawn(move || serve(stream, &*api));
                if let Err(e) = spawned {
                    eprintln!("{}: cannot start a connection thread: {e}", A::NAME);
                }
            }
            Err(e) => {
                // Out of descriptors, say: back off instead of spinning.
                eprintln!("{}: accept failed: {e}", A::NAME);
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// One connection, one request, one answer, then close.
fn serve<A: Api>(stream: TcpStream, api: &A) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let reply = match read_request(&stream) {
        Ok(Some(request)) => api.answer(&request),
        // Connected and closed without a byte (a port probe): nothing to answer.
        Ok(None) => return,
        Err(problem) => {
            let problem = api.redact(&problem);
            eprintln!("{}: bad request: {problem}", A::NAME);
            api.bad_request(&problem)
        }
    };
    if let Some(delay) = reply.delay {
        thread::sleep(delay);
    }
    // The client may have given up (a timeout under test); that is not the stand-in's error.
    let _ = write_reply(&stream, &reply);
    close(stream);
}

fn write_reply(mut stream: &TcpStream, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        reply.status,
        reason(reply.status),
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(reply.body.as_bytes())?;
    stream.flush()
}

/// Half-closes, then reads what the client still sends for a moment: closing with unread
/// bytes makes the kernel send a reset, which can destroy the answer before the client reads it.
fn close(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < MAX_REQUEST_BODY {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request; `Ok(None)` when the client closed before sending anything.
fn read_request(stream: &TcpStream) -> Result<Option<Request>, String> {
    let mut reader = BufReader::new(stream);
    // RFC 9112 lets a server skip empty lines before the request line.
    let mut line = String::new();
    for _ in 0..4 {
        match read_line(&mut reader)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => {
                line = l;
                break;
            }
        }
    }
    let (method, target) = request_line(&line)?;
    let headers = read_headers(&mut reader)?;
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    if request
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        let mut writer = stream;
        writer
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|e| format!("writing 100 Continue: {e}"))?;
    }
    request.body = read_body(&mut reader, &request)?;
    Ok(Some(request))
}

/// A line without its CRLF (a bare LF is tolerated); `None` at a clean end of stream.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("reading the request: {e}"))?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(if line.len() as u64 >= MAX_LINE - 1 {
            "a line is too long".into()
        } else {
            "the connection ended in the middle of the request".into()
        });
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| "a line of the head is not UTF-8".into())
}

/// A line that must be there.
fn expect_line(reader: &mut impl BufRead) -> Result<String, String> {
    read_line(reader)?.ok_or_else(|| "the connection ended in the middle of the request".into())
}

/// `METHOD target HTTP/1.x`; the target may be in origin form or absolute form.
fn request_line(line: &str) -> Result<(String, String), String> {
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(format!("malformed request line `{line}`"));
    };
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!("malformed method `{method}`"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(format!("unsupported version `{version}`"));
    }
    let target = match target.split_once("://") {
        Some((_, rest)) if !target.starts_with('/') => rest
            .find('/')
            .map_or("/", |slash| &rest[slash..])
            .to_string(),
        _ if target.starts_with('/') => target.to_string(),
        _ => return Err(format!("malformed request target `{target}`")),
    };
    Ok((method.to_string(), target))
}

fn read_headers(reader: &mut impl BufRead) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    loop {
        let line = expect_line(reader)?;
        if line.is_empty() {
            return Ok(headers);
        }
        if headers.len() == MAX_HEADERS {
            return Err("too many headers".into());
        }
        if line.starts_with([' ', '\t']) {
            return Err("obsolete header line folding".into());
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a header line without a colon: `{line}`"));
        };
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(format!("malformed header name `{name}`"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
}

/// The body, framed by `Transfer-Encoding: chunked` (which wins, per RFC 9112) or by
/// `Content-Length`; none at all without either.
fn read_body(reader: &mut impl BufRead, request: &Request) -> Result<Vec<u8>, String> {
    if let Some(codings) = request.header("transfer-encoding") {
        if codings
            .split(',')
            .all(|c| c.trim().eq_ignore_ascii_case("chunked"))
        {
            return read_chunked(reader);
        }
        return Err(format!("unsupported Transfer-Encoding `{codings}`"));
    }
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let Some(first) = lengths.first() else {
        return Ok(Vec::new());
    };
    if lengths.iter().any(|l| l != first) {
        return Err("conflicting Content-Length headers".into());
    }
    let length = parse_length(first)?;
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|e| format!("reading a {length}-byte body: {e}"))?;
    Ok(body)
}

fn parse_length(text: &str) -> Result<usize, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("malformed Content-Length `{text}`"));
    }
    match text.parse::<usize>() {
        Ok(length) if length <= MAX_REQUEST_BODY => Ok(length),
        _ => Err(format!("a body of {text} bytes is too large")),
    }
}

/// Chunks of `hex-size[;extensions] CRLF data CRLF`, ended by a zero-size chunk and optional
/// trailers, which are read and dropped.
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line = expect_line(reader)?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        if size_text.is_empty()
            || size_text.len() > 8
            || !size_text.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(format!("malformed chunk size `{size_text}`"));
        }
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("malformed chunk size `{size_text}`"))?;
        if size == 0 {
            break;
        }
        if body.len() + size > MAX_REQUEST_BODY {
            return Err("a chunked body is too large".into());
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|e| format!("reading a chunk: {e}"))?;
        if !expect_line(reader)?.is_empty() {
            return Err("a chunk is longer than its size".into());
        }
    }
    for _ in 0..=MAX_HEADERS {
        if expect_line(reader)?.is_empty() {
            return Ok(body);
        }
    }
    Err("too many trailers".into())
}
