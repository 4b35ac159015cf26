-- Delivery ids are scoped by schema (design decision 15). Each schema's ingest has its own
-- senders and secrets, and two senders do not coordinate their ids: the same `webhook-id`
-- delivered to dyniq and to walker_os is two deliveries, and each must be written. The key
-- becomes (schema_name, id); the same id twice to one schema is still written once.

-- ---------------------------------------------------------------------------------------------
-- tables
-- ---------------------------------------------------------------------------------------------

-- Same name (webhook_deliveries_pkey), so nothing that reports it changes. schema_name leads:
-- every lookup (rowgate.ingest's on conflict) names both columns.
alter table rowgate.webhook_deliveries drop constraint webhook_deliveries_pkey;
alter table rowgate.webhook_deliveries
  add constraint webhook_deliveries_pkey primary key (schema_name, id);
