-- yachtparty's documentation: what each table and the columns that need a word are for. The
-- generator carries these into the core's declarations, the OpenAPI descriptions and
-- docs/tables.md.

comment on table yachtparty.users is 'A person on the network, known by their phone number from their first text message.';
comment on column yachtparty.users.phone_number is 'E.164; the identity of a user who texts in.';
comment on column yachtparty.users.email is 'Trimmed and lower-cased.';
comment on column yachtparty.users.verified is 'Fully approved into the network.';
comment on column yachtparty.users.innovator is 'Offers a solution (see innovators).';
comment on column yachtparty.users.expert_connector is 'Can make introductions.';
comment on column yachtparty.users.poc_agent_type is 'The agent that is the user''s point of contact: new users start with the bouncer.';
comment on column yachtparty.users.quiet_hours_start is 'Local time from which no proactive message is sent; with quiet_hours_end, or neither. The window may wrap midnight (22:00 to 08:00).';
comment on column yachtparty.users.quiet_hours_end is 'Local time from which messages may be sent again.';
comment on column yachtparty.users.timezone is 'An IANA time zone name (America/New_York) that PostgreSQL knows; quiet hours and the daily budget follow it.';
comment on column yachtparty.users.credit_balance is 'The sum of the user''s processed credit events, kept by the ledger''s trigger; never written by clients.';
comment on column yachtparty.users.referred_by is 'The user who referred them; never themselves.';
comment on column yachtparty.users.name_dropped is 'The referrer''s name as the user gave it.';
comment on column yachtparty.users.last_active_at is 'When the user last texted in.';
comment on column yachtparty.users.auth_user_id is 'The Supabase Auth user who claimed this profile (claim_sms_profile): the owner for row-level security.';

comment on table yachtparty.conversations is 'A user''s SMS thread; at most one is active per user.';
comment on column yachtparty.conversations.phone_number is 'A copy of the user''s phone number, for the webhook''s lookup.';
comment on column yachtparty.conversations.messages_since_summary is 'Messages since conversation_summary was last written.';

comment on table yachtparty.messages is 'A text message in or out of a conversation.';
comment on column yachtparty.messages.content is 'The text exactly as sent or received; an inbound MMS may have none.';
comment on column yachtparty.messages.twilio_message_sid is 'Twilio''s id of the message: unique, so a repeated webhook delivery writes once.';
comment on column yachtparty.messages.status is 'Twilio''s MessageStatus; a status callback only moves it forward.';

comment on table yachtparty.events is 'The event store: what happened, for agents to act on. Append-only but for processed.';
comment on column yachtparty.events.event_type is 'Dotted lower-case words: user.message.received.';
comment on column yachtparty.events.payload is 'The event''s data (never sent in a NOTIFY, which only carries the id and type).';
comment on column yachtparty.events.processed is 'Claimed by a consumer (claim_events).';

comment on table yachtparty.agent_tasks is 'The agents'' task queue, claimed with SKIP LOCKED.';
comment on column yachtparty.agent_tasks.retry_count is 'Attempts made so far.';
comment on column yachtparty.agent_tasks.last_attempted_at is 'When the current attempt started: the lease of a processing task.';

comment on table yachtparty.message_queue is 'Outbound text messages waiting for their time, their budget and the user''s waking hours.';
comment on column yachtparty.message_queue.message_data is 'The message''s content before it is rendered.';
comment on column yachtparty.message_queue.final_message is 'The rendered text, at most 1600 characters (Twilio''s limit).';
comment on column yachtparty.message_queue.requires_fresh_context is 'Re-render or re-check relevance before sending.';
comment on column yachtparty.message_queue.sequence_id is 'Messages sent together as one: all claimed at once, counted once against the budget.';

comment on table yachtparty.user_message_budget is 'Messages sent to a user per local day, and the user''s limits.';
comment on column yachtparty.user_message_budget.date is 'The user''s local date.';

comment on table yachtparty.user_priorities is 'What to bring up with each user next, ranked.';
comment on column yachtparty.user_priorities.priority_rank is '1 is the highest.';

comment on table yachtparty.solution_workflows is 'The Solution Saga''s state for one request of a user.';
comment on table yachtparty.intro_opportunities is 'An introduction a connector may make, for a bounty of credits.';
comment on table yachtparty.community_requests is 'A question put to experts in the community; closed when it expires or every target answered.';
comment on column yachtparty.community_requests.target_user_ids is 'The experts asked.';
comment on column yachtparty.community_requests.responses_count is 'Kept by a trigger on community_responses.';
comment on table yachtparty.community_responses is 'An expert''s answer to a community request.';
comment on column yachtparty.community_responses.verbatim_answer is 'The answer exactly as the expert gave it.';
comment on column yachtparty.community_responses.usefulness_score is '0 to 10.';

comment on table yachtparty.credit_events is 'The credits ledger: append-only; each award has an idempotency key.';
comment on column yachtparty.credit_events.amount is 'Credits earned (positive) or spent (negative); never 0.';
comment on column yachtparty.credit_events.idempotency_key is 'One award per key: the same key again is a duplicate, with a different award a conflict.';
comment on column yachtparty.credit_events.processed is 'Applied to users.credit_balance.';

comment on table yachtparty.innovators is 'A user''s company offering a solution.';
comment on column yachtparty.innovators.credits_balance is 'Bounty credits, changed by the backend only.';
comment on table yachtparty.prospects is 'A person an innovator wants to reach, uploaded by the innovator.';
comment on column yachtparty.prospects.upload_batch_id is 'Groups the prospects of one CSV upload.';
comment on table yachtparty.linkedin_research_prospects is 'LinkedIn profiles researched, one per profile URL.';
comment on table yachtparty.agent_instances is 'An agent working for a user.';
comment on table yachtparty.agent_actions_log is 'What agents did: model calls, functions, events, with tokens, cost and latency.';
