// The Worker's two doors to the runtime, in JavaScript so that each is one crossing between wasm
// and JavaScript instead of one per header, property and promise (functions/src/http.rs and
// functions/src/fetch.rs call them). Headers cross as one string of "name\nvalue\n" lines:
// HTTP forbids CR and LF in names and values, and the Rust side refuses any that carries one.

const pairs = (lines) => {
  const parts = lines.split("\n");
  const out = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
  return out;
};

// The answer to the client: status, the header lines, and a body (a string, bytes, or null).
export function respond(status, headers, body) {
  return new Response(body, { status, headers: pairs(headers) });
}

// One outbound request through the runtime's fetch, with a deadline over the whole exchange
// (headers and body). Always resolves: to the answer, or to what kept it from coming.
export async function send(method, url, headers, body, timeoutMs) {
  let init;
  try {
    init = { method, headers: new Headers(pairs(headers)), signal: AbortSignal.timeout(timeoutMs) };
    if (body !== null && body !== undefined) init.body = body;
  } catch (e) {
    return { status: 0, failure: "request", message: String(e?.message ?? e) };
  }
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    return {
      status: response.status,
      contentRange: response.headers.get("content-range"),
      retryAfter: response.headers.get("retry-after"),
      body: text,
      failure: null,
    };
  } catch (e) {
    return {
      status: 0,
      failure: init.signal.aborted ? "timeout" : "network",
      message: String(e?.message ?? e),
    };
  }
}
