-- Rollouts carry the judge's policy (minimum sample, maximum duration, …) and whether its verdict is
-- applied without a person; the variants' request latencies are kept in arrival order, because the
-- judge's group-sequential looks read the first n of each; every applier call is recorded, failed or not.
alter table rollouts add column policy jsonb not null default '{}'::jsonb;
alter table rollouts add column automatic boolean not null default false;

create table rollout_observations (
  id bigint generated always as identity primary key,
  rollout_id integer not null references rollouts (id),
  variant text not null check (variant in ('control', 'candidate')),
  at timestamptz not null,
  latency_us float8 not null check (latency_us >= 0),
  error boolean not null
);
create index rollout_observations_by_rollout on rollout_observations (rollout_id, variant, id);

create table rollout_applies (
  id bigint generated always as identity primary key,
  proposal_id integer not null references proposals (id),
  rollout_id integer references rollouts (id),
  action text not null,
  at timestamptz not null,
  actor text not null,
  ok boolean not null,
  code text,
  result jsonb not null
);
create index rollout_applies_by_proposal on rollout_applies (proposal_id, id);
