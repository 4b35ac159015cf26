-- companion's documentation: every table and every column. The generator carries these into the
-- core's declarations, the OpenAPI descriptions and docs/tables.md.

comment on table companion.users is 'A companion profile: one per Supabase Auth user, made by ensure_profile() on first use.';
comment on column companion.users.id is 'The Supabase Auth user (auth.users.id); the caller when left out.';
comment on column companion.users.email is 'A display copy of the Auth email, trimmed and lower-cased; never identity. Taken from the token.';
comment on column companion.users.display_name is 'What the companion calls the user; 1 to 100 characters.';
comment on column companion.users.companion_name is 'What the user calls the companion; 1 to 50 characters.';
comment on column companion.users.timezone is 'An IANA time zone name (America/New_York) that PostgreSQL knows; the daily check-in follows it.';
comment on column companion.users.preferred_message_time is 'The local time of the daily check-in.';
comment on column companion.users.support_style is 'How the companion supports the user.';
comment on column companion.users.location is 'Where the user is, for the weather; 1 to 200 characters.';
comment on column companion.users.telegram_user_id is 'The linked Telegram user id (at most 52 bits); set only by the link flow, unique.';
comment on column companion.users.telegram_username is 'The linked Telegram account''s @username, if it has one.';
comment on column companion.users.telegram_linked_at is 'When Telegram was linked; set exactly when telegram_user_id is.';
comment on column companion.users.whatsapp_number is 'E.164; a future channel.';
comment on column companion.users.whatsapp_linked_at is 'When WhatsApp was linked.';
comment on column companion.users.onboarding_completed_at is 'When onboarding was completed; set only by complete_onboarding().';
comment on column companion.users.subscription_status is 'The subscription, written by the backend from the billing provider.';
comment on column companion.users.subscription_expires_at is 'When the paid subscription ends.';
comment on column companion.users.lemonsqueezy_customer_id is 'Lemon Squeezy''s customer id; backend only.';
comment on column companion.users.lemonsqueezy_subscription_id is 'Lemon Squeezy''s subscription id; backend only.';
comment on column companion.users.flux_generations_used is 'Image generations used in the current period (usage quota).';
comment on column companion.users.flux_generations_reset_at is 'When flux_generations_used was last reset.';
comment on column companion.users.messages_sent_count is 'Messages sent in the current period (usage quota).';
comment on column companion.users.messages_reset_at is 'When messages_sent_count was last reset.';
comment on column companion.users.preferences is 'Settings as a JSON object; daily_messages_paused, when present, is a boolean (true: no daily check-in).';
comment on column companion.users.created_at is 'When the profile was made.';
comment on column companion.users.updated_at is 'When the profile last changed; kept by a trigger.';

comment on table companion.onboarding is 'A user''s onboarding: the current step and the inputs so far; one per user.';
comment on column companion.onboarding.id is 'The row''s id.';
comment on column companion.onboarding.user_id is 'The owner: the caller when left out.';
comment on column companion.onboarding.current_step is 'The step the user is at (the app names them; 1 to 50 characters); complete when done.';
comment on column companion.onboarding.completed_at is 'When onboarding was completed, by complete_onboarding(); only with current_step complete.';
comment on column companion.onboarding.data is 'The inputs given so far, as a JSON object.';
comment on column companion.onboarding.created_at is 'When onboarding started.';
comment on column companion.onboarding.updated_at is 'When it last changed; kept by a trigger.';

comment on table companion.conversations is 'A thread between the user and the companion on one channel; at most one is open per user and channel.';
comment on column companion.conversations.id is 'The conversation''s id.';
comment on column companion.conversations.user_id is 'The owner: the caller when left out.';
comment on column companion.conversations.channel is 'Where it takes place; users start web conversations only.';
comment on column companion.conversations.initiated_by is 'Who started it: the user (pull) or the companion''s check-in (push).';
comment on column companion.conversations.started_at is 'When it started.';
comment on column companion.conversations.ended_at is 'When it ended; not before started_at. Open while null.';
comment on column companion.conversations.message_count is 'How many messages it holds; kept by a trigger on messages.';
comment on column companion.conversations.mood_summary is 'The mood of the conversation in a few words; 1 to 2000 characters.';
comment on column companion.conversations.topics is 'The topics discussed, as a JSON array.';
comment on column companion.conversations.created_at is 'When the row was made.';
comment on column companion.conversations.updated_at is 'When it last changed (a new message counts); kept by triggers.';

comment on table companion.messages is 'A message in a conversation; append-only for users.';
comment on column companion.messages.id is 'The message''s id.';
comment on column companion.messages.conversation_id is 'The conversation it belongs to (the seed''s conv_id).';
comment on column companion.messages.role is 'Who wrote it; users write only user messages, assistant messages are the backend''s.';
comment on column companion.messages.content is 'The text, trimmed; 1 to 4096 characters (Telegram''s limit).';
comment on column companion.messages.telegram_message_id is 'Telegram''s message_id, unique only within its chat (not an idempotency key).';
comment on column companion.messages.metadata is 'Delivery details as a JSON object (Telegram update_id, chat_id, date).';
comment on column companion.messages.created_at is 'When it was written.';

comment on table companion.user_context is 'What the companion remembers about the user: one value per category and key.';
comment on column companion.user_context.id is 'The memory''s id.';
comment on column companion.user_context.user_id is 'The owner: the caller when left out.';
comment on column companion.user_context.category is 'What kind of memory it is.';
comment on column companion.user_context.key is 'What it is about (job); 1 to 100 characters, unique per user and category.';
comment on column companion.user_context.value is 'The detail (software engineer); 1 to 2000 characters.';
comment on column companion.user_context.importance_score is 'How much it matters, from 0 to 1.';
comment on column companion.user_context.emotional_valence is 'How it feels, from -2 (very negative) to +2 (very positive).';
comment on column companion.user_context.source is 'Who added it: manual for a user''s own rows, extracted for the backend''s; not writable by users.';
comment on column companion.user_context.expires_at is 'When it stops mattering and is deleted; never while null.';
comment on column companion.user_context.last_referenced_at is 'When the companion last brought it up.';
comment on column companion.user_context.created_at is 'When it was first remembered.';
comment on column companion.user_context.updated_at is 'When it last changed; kept by a trigger.';

comment on table companion.scheduled_messages is 'A daily check-in: one per user and local day, planned, claimed, then sent, failed or skipped.';
comment on column companion.scheduled_messages.id is 'The check-in''s id.';
comment on column companion.scheduled_messages.user_id is 'Whom it is for.';
comment on column companion.scheduled_messages.conversation_id is 'The conversation it started, set when sent.';
comment on column companion.scheduled_messages.scheduled_for is 'The instant of the slot: the local day at the user''s preferred time, in their zone.';
comment on column companion.scheduled_messages.content is 'The text, if the backend wrote one (else a fallback is sent); 1 to 4096 characters.';
comment on column companion.scheduled_messages.status is 'pending, processing (claimed by a sender), then sent, failed or skipped.';
comment on column companion.scheduled_messages.sent_at is 'When it was sent; set when status is sent.';
comment on column companion.scheduled_messages.failure_reason is 'Why it failed or was skipped; set for those statuses.';
comment on column companion.scheduled_messages.created_at is 'When it was planned.';
comment on column companion.scheduled_messages.local_date is 'The user''s calendar day the check-in belongs to; unique per user.';

comment on table companion.telegram_link_tokens is 'One-time tokens of the Telegram deep link (t.me/<bot>?start=<token>); backend only.';
comment on column companion.telegram_link_tokens.id is 'The token''s row id.';
comment on column companion.telegram_link_tokens.user_id is 'The user the token links.';
comment on column companion.telegram_link_tokens.token is 'The bearer secret: 256 random bits, base64url, made by the database; unique.';
comment on column companion.telegram_link_tokens.expires_at is 'When it stops being valid: 15 minutes after it is made.';
comment on column companion.telegram_link_tokens.used_at is 'When it was used; a token is used once.';
comment on column companion.telegram_link_tokens.created_at is 'When it was made.';
