-- nanofuse store, first schema. Runs on PostgreSQL 15 and on PGlite (PostgreSQL 18): only features
-- both have. Names from input (units, operations, sources, scopes) are interned in `names` and keyed
-- by a hash, so a 1 MB unit name never meets btree's ~2.7 kB index row limit.

create table names (
  id integer generated always as identity primary key,
  -- sha256 of the name, hex, computed by the store
  key text not null unique,
  name text not null
);

create table units (
  name_id integer primary key references names (id),
  first_window_us bigint not null,
  last_window_us bigint not null
);

create table catalog_snapshots (
  content_hash text primary key,
  catalog jsonb not null,
  created_at timestamptz not null
);

-- One row per (source, partition, window). Counts are bigint; µs sums are float8 so any double the
-- analysis produced comes back bit for bit. Sketches are DDSketches in src/store/sketch-codec.ts's
-- format. The rows of a window refer to `names` without foreign keys: names are never deleted, and a
-- check per row would cost a third of an aggregate write.
create table windows (
  id bigint generated always as identity primary key,
  source_id integer not null references names (id),
  partition integer not null,
  start_us bigint not null,
  window_us bigint not null check (window_us > 0),
  traces bigint not null,
  spans bigint not null,
  root_duration_us float8 not null,
  critical_path_us float8 not null,
  latency bytea not null,
  unique (source_id, partition, start_us, window_us)
);
create index windows_by_start on windows (start_us);

create table window_edges (
  window_id bigint not null references windows (id) on delete cascade,
  from_id integer not null,
  to_id integer not null,
  calls bigint not null,
  errors bigint not null,
  async_calls bigint not null,
  virtual boolean not null,
  estimated bigint not null,
  skewed bigint not null,
  network bytea not null,
  network_sum_us float8 not null,
  critical_path_network bytea not null,
  critical_path_network_us float8 not null,
  straggler_count bigint not null,
  barrier_wait_us float8 not null,
  primary key (window_id, from_id, to_id)
);

create table window_units (
  window_id bigint not null references windows (id) on delete cascade,
  unit_id integer not null,
  spans bigint not null,
  errors bigint not null,
  critical_path_us float8 not null,
  cold_starts bigint not null,
  cold_start_critical_path_us float8 not null,
  primary key (window_id, unit_id)
);

create table window_operations (
  window_id bigint not null references windows (id) on delete cascade,
  unit_id integer not null,
  operation_id integer not null,
  critical_path_us float8 not null,
  primary key (window_id, unit_id, operation_id)
);

-- Where each partition's consumer resumes; written in the same transaction as the windows it covers.
create table ingest_progress (
  source_id integer not null references names (id),
  partition integer not null,
  resume_offset bigint not null,
  state jsonb,
  revision integer not null,
  updated_at timestamptz not null,
  primary key (source_id, partition)
);

create table proposals (
  id integer generated always as identity primary key,
  scope_id integer not null references names (id),
  version integer not null,
  revision integer not null,
  state text not null check (
    state in ('draft', 'pending_approval', 'approved', 'rolling_out', 'promoted', 'rejected', 'rolled_back', 'superseded')
  ),
  content_hash text not null,
  supersedes integer references proposals (id),
  superseded_by integer references proposals (id),
  -- the planner's proposal without `predicted` and `merges`, which have their own columns
  plan jsonb not null,
  predicted jsonb not null,
  evidence jsonb not null,
  exemplar_trace_ids jsonb not null,
  catalog_hash text references catalog_snapshots (content_hash),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (scope_id, version),
  unique (scope_id, content_hash)
);
create index proposals_by_state on proposals (state, id);

create table proposal_audit (
  id bigint generated always as identity primary key,
  proposal_id integer not null references proposals (id),
  at timestamptz not null,
  actor text not null,
  action text not null,
  from_state text,
  to_state text not null,
  reason text,
  revision integer not null
);
create index proposal_audit_by_proposal on proposal_audit (proposal_id, id);

-- The audit log is append-only: history cannot be rewritten, even by a bug in the store.
create function proposal_audit_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'proposal_audit is append-only';
end;
$$;
create trigger proposal_audit_append_only before update or delete on proposal_audit
  for each row execute function proposal_audit_append_only();

create table exemplar_traces (
  trace_id text primary key check (trace_id ~ '^[0-9a-f]{32}$'),
  paths jsonb not null,
  created_at timestamptz not null
);

create table proposal_exemplars (
  proposal_id integer not null references proposals (id),
  trace_id text not null references exemplar_traces (trace_id),
  primary key (proposal_id, trace_id)
);

create table rollouts (
  id integer generated always as identity primary key,
  proposal_id integer not null references proposals (id),
  variant text not null,
  traffic_share float8 not null check (traffic_share > 0 and traffic_share <= 1),
  started_at timestamptz not null,
  ended_at timestamptz,
  outcome text check (outcome in ('promoted', 'rolled_back'))
);
create unique index one_rollout_in_progress on rollouts (proposal_id) where ended_at is null;

create table rollout_judgements (
  id bigint generated always as identity primary key,
  rollout_id integer not null references rollouts (id),
  at timestamptz not null,
  verdict text not null check (verdict in ('promote', 'roll_back', 'continue')),
  result jsonb not null
);

create table api_tokens (
  id text primary key,
  name text not null,
  role text not null check (role in ('viewer', 'approver', 'admin')),
  salt text not null,
  hash text not null,
  created_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz
);
