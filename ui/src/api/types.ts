// The shapes the API answers with (see /api/v1/openapi.json).

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  last_transition_time: string;
}

export interface Status {
  observed_generation: number;
  conditions: Condition[];
  details: Record<string, unknown>;
}

export interface Resource<S> {
  id: string;
  parent_id: string | null;
  spec: S;
  generation: number;
  status: Status;
  finalizers: string[];
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ProjectSpec {
  slug: string;
  name: string;
  description?: string;
}

export interface EnvironmentSpec {
  slug: string;
  variables?: Record<string, string>;
}

export interface EnvVar {
  name: string;
  value: string;
  secret?: boolean;
}

export interface ImageSource {
  type: "image";
  image: string;
  credentials?: { username: string; password: string } | null;
}

export interface GitSource {
  type: "git";
  repository_url: string;
  branch?: string;
  commit?: string | null;
  dockerfile_path?: string;
  context?: string;
  build_args?: Record<string, string>;
  target?: string | null;
  credentials?: GitCredentials | null;
  watch_paths?: string[];
}

/** Exactly one of token (https) or ssh_key; both read back masked. */
export interface GitCredentials {
  token?: string | null;
  username?: string;
  ssh_key?: string | null;
}

export interface HttpHealthcheck {
  type: "http";
  path?: string;
  port: number;
  interval?: number;
  timeout?: number;
  start_period?: number;
  retries?: number;
}

export interface CommandHealthcheck {
  type: "command";
  command: string[];
  interval?: number;
  timeout?: number;
  start_period?: number;
  retries?: number;
}

export type Healthcheck = HttpHealthcheck | CommandHealthcheck;

export interface Resources {
  cpu_limit?: number | null;
  cpu_reservation?: number | null;
  memory_limit?: number | null;
  memory_reservation?: number | null;
}

export interface VolumeMount {
  volume: string;
  container_path: string;
  read_only?: boolean;
}

export interface PublishedPort {
  published: number;
  target: number;
  protocol?: "tcp" | "udp";
}

export interface ServiceSpec {
  slug: string;
  source: ImageSource | GitSource;
  command?: string[] | null;
  entrypoint?: string[] | null;
  env?: EnvVar[];
  replicas?: number;
  resources?: Resources;
  healthcheck?: Healthcheck | null;
  ports?: PublishedPort[];
  volumes?: VolumeMount[];
  restart_policy?: "on-failure" | "any" | "none";
}

export type DeploymentPhase =
  | "QUEUED"
  | "BUILDING"
  | "STARTING"
  | "HEALTHY"
  | "FAILED"
  | "REMOVED"
  | "CANCELLED";

export interface DeploymentSpec {
  service_spec: ServiceSpec;
  image: string | null;
  trigger: "deploy" | "redeploy" | "rollback" | "webhook";
  rollback_of: string | null;
  commit_sha: string | null;
  cancel_requested: boolean;
}

export interface DomainSpec {
  domain: string;
  base_path?: string;
  target?: { service_id: string; port: number } | null;
  redirect?: { url: string; permanent?: boolean } | null;
  strip_prefix?: boolean;
}

export interface VolumeSpec {
  slug: string;
  kind?: "named" | "host_path";
  host_path?: string | null;
  read_only?: boolean;
  purge_on_delete?: boolean;
}

export interface BuildSpec {
  deployment_id: string;
  source: GitSource;
}

export type Project = Resource<ProjectSpec>;
export type Environment = Resource<EnvironmentSpec>;
export type Service = Resource<ServiceSpec>;
export type Domain = Resource<DomainSpec>;
export type Volume = Resource<VolumeSpec>;
export type BuildPhase =
  | "QUEUED"
  | "CLONING"
  | "BUILDING"
  | "SUCCEEDED"
  | "FAILED"
  | "CANCELLED";

export interface Build extends Resource<BuildSpec> {
  phase: BuildPhase | null;
  image: string | null;
}
export interface Deployment extends Resource<DeploymentSpec> {
  phase: DeploymentPhase | null;
}

export interface Change {
  path: string;
  change: "added" | "removed" | "changed";
  live?: unknown;
  pending?: unknown;
}

export interface PendingChanges {
  live_deployment_id: string | null;
  generation: number;
  changes: Change[];
}

export interface SearchHit {
  kind: "projects" | "services";
  id: string;
  slug: string;
  name: string;
  project_id: string;
  environment_id: string | null;
}

export interface Me {
  user_id: string;
  username: string;
  is_admin: boolean;
  via: string;
}

export interface LogEntry {
  id: string;
  fields: Record<string, string>;
}

export interface LogPage {
  entries: LogEntry[];
  next_cursor: string | null;
}

export interface DeletionAccepted {
  id: string;
  gone: boolean;
  deleted_at: string | null;
  finalizers: string[];
}

export const MASK = "••••••••";

/** What one call of a service's webhook did (the API's audit of a delivery). */
export interface WebhookDelivery {
  result: "deployed" | "ignored" | "refused";
  reason: string | null;
  service_id: string;
  deployment_id: string | null;
  commit: string | null;
  host: string;
  status_code: number;
}

export interface WebhookInfo {
  service_id: string;
  path: string;
  url: string;
  token: string;
  secret: string;
  created_at: string;
  rotated_at: string;
  last_delivery_at: string | null;
  last_delivery: WebhookDelivery | null;
}
