-- A quiz submission is two writes, the lead upsert and the quiz response, so it is one function
-- called through PostgREST RPC (POST /rpc/submit_quiz with Content-Profile: dyniq): both commit
-- or neither does. A repeated submission id returns the first result and writes nothing.

create or replace function dyniq.submit_quiz(
  p_email text,
  p_total_score integer,
  p_submission_id text default null,
  p_tier text default null,
  p_answers jsonb default '{}',
  p_sales_briefing_url text default null,
  p_name text default null,
  p_phone text default null,
  p_company_name text default null,
  p_industry text default null,
  p_pain_points text[] default null,
  p_needs text[] default null,
  p_urgency text default null
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_email text := lower(btrim(p_email));
  v_tier text := coalesce(nullif(upper(btrim(p_tier)), ''), dyniq.tier_for_score(p_total_score));
  v_lead_id uuid;
  v_response dyniq.quiz_responses;
begin
  if p_submission_id is not null then
    select * into v_response from dyniq.quiz_responses where submission_id = p_submission_id;
    if found then
      select id into v_lead_id from dyniq.leads where email = v_response.email;
      return jsonb_build_object('lead_id', v_lead_id, 'quiz_response_id', v_response.id,
        'tier', v_response.tier, 'duplicate', true);
    end if;
  end if;

  -- A later quiz refreshes the lead's score and tier; contact details are only filled in, never
  -- erased by a submission that lacks them.
  insert into dyniq.leads as l (email, name, phone, company_name, industry, source, tier,
    lead_score, pain_points, needs, urgency)
  values (v_email, p_name, p_phone, p_company_name, p_industry, 'quiz', v_tier, p_total_score,
    coalesce(p_pain_points, '{}'), coalesce(p_needs, '{}'), p_urgency)
  on conflict (email) do update set
    name = coalesce(excluded.name, l.name),
    phone = coalesce(excluded.phone, l.phone),
    company_name = coalesce(excluded.company_name, l.company_name),
    industry = coalesce(excluded.industry, l.industry),
    source = coalesce(l.source, excluded.source),
    tier = excluded.tier,
    lead_score = excluded.lead_score,
    pain_points = case when p_pain_points is null then l.pain_points else excluded.pain_points end,
    needs = case when p_needs is null then l.needs else excluded.needs end,
    urgency = coalesce(excluded.urgency, l.urgency)
  returning id into v_lead_id;

  -- Two deliveries of the same submission racing each other: the loser's insert does nothing
  -- and it returns the winner's row.
  insert into dyniq.quiz_responses (submission_id, email, total_score, tier, sales_briefing_url, answers)
  values (p_submission_id, v_email, p_total_score, v_tier, p_sales_briefing_url, coalesce(p_answers, '{}'))
  on conflict (submission_id) do nothing
  returning * into v_response;

  if not found then
    select * into v_response from dyniq.quiz_responses where submission_id = p_submission_id;
    return jsonb_build_object('lead_id', v_lead_id, 'quiz_response_id', v_response.id,
      'tier', v_response.tier, 'duplicate', true);
  end if;

  return jsonb_build_object('lead_id', v_lead_id, 'quiz_response_id', v_response.id,
    'tier', v_response.tier, 'duplicate', false);
end;
$$;

revoke all on function dyniq.submit_quiz(text, integer, text, text, jsonb, text, text, text, text, text, text[], text[], text)
  from public, anon, authenticated;
grant execute on function dyniq.submit_quiz(text, integer, text, text, jsonb, text, text, text, text, text, text[], text[], text)
  to service_role;
