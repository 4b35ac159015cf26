// The floor: a JavaScript Worker that does nothing but pass a lead insert on to PostgREST and
// its answer back (no authentication, no validation, no log line). The load program measures it
// beside rowgate and the peer, to show how much of a Worker's CPU per insert is the runtime's
// own work (the request in, one subrequest out, the answer back) that any Worker pays.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/v1/dyniq/leads" || request.method !== "POST") {
      return new Response(null, { status: 404 });
    }
    const answer = await fetch(`${env.POSTGREST_URL}/leads`, {
      method: "POST",
      headers: {
        apikey: env.SUPABASE_ANON_KEY,
        authorization: request.headers.get("authorization"),
        "content-profile": "dyniq",
        "content-type": "application/json",
        prefer: "return=representation",
      },
      body: await request.text(),
    });
    return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
  },
};
