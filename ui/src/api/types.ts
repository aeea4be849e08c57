// The shapes the API answers with, named for the pages. Every one comes from schema.ts, which
// openapi-typescript generates from the API's OpenAPI document (src/api/openapi.json): edit the
// API's models, then regenerate (`npm run gen:types`), never this file's shapes by hand.

import type { components } from "./schema";

type Schemas = components["schemas"];

export type ConditionStatus = Schemas["ConditionStatus"];
export type Condition = Schemas["Condition"];
export type Status = Schemas["Status"];

export type ProjectSpec = Schemas["ProjectSpec"];
export type EnvironmentSpec = Schemas["EnvironmentSpec"];
export type EnvVar = Schemas["EnvVar"];
export type ImageSource = Schemas["ImageSource"];
export type GitSource = Schemas["GitSource"];
export type DatabaseSource = Schemas["DatabaseSource"];
export type DatabaseConnection = Schemas["DatabaseConnection"];
export type CreatedDatabase = Schemas["CreatedDatabase"];
/** A new volume and the restore of a snapshot into it. */
export type RestoredVolume = Schemas["RestoredVolume"];
export type NewDatabase = Schemas["NewDatabase"];
export type Backup = Schemas["Backup"];
export type PlatformBackupPolicy = Schemas["PlatformBackupPolicy"];
export type BackupPolicy = Schemas["BackupPolicy"];
export type BackupTarget = Schemas["BackupTarget"];
export type BackupTargetSpec = Schemas["BackupTargetSpec"];
export type CronJob = Schemas["CronJob"];
export type PlacementRule = Schemas["PlacementRule"];
export type BackupHealth = Schemas["BackupHealth"];
export type BackupPhase = Schemas["BackupPhase"];
/** A backup of the platform-wide list, with the database it is of. */
export type OverviewBackup = Schemas["OverviewBackup"];
export type BackupDatabase = Schemas["BackupDatabase"];
export type BackupsSummary = Schemas["BackupsSummary"];
export type ScheduledDatabaseHealth = Schemas["ScheduledDatabaseHealth"];
/** Exactly one of token (https) or ssh_key; both read back masked. */
export type GitCredentials = Schemas["GitCredentials"];
export type HttpHealthcheck = Schemas["HttpHealthcheck"];
export type CommandHealthcheck = Schemas["CommandHealthcheck"];
export type Healthcheck = HttpHealthcheck | CommandHealthcheck;
export type Resources = Schemas["Resources"];
export type VolumeMount = Schemas["VolumeMount"];
export type PublishedPort = Schemas["PublishedPort"];
export type ServiceSpec = Schemas["ServiceSpec"];
export type DeploymentPhase = Schemas["DeploymentPhase"];
export type DeploymentSpec = Schemas["DeploymentSpec"];
export type DomainSpec = Schemas["DomainSpec"];
export type VolumeSpec = Schemas["VolumeSpec"];
export type BuildPhase = Schemas["BuildPhase"];
export type BuildSpec = Schemas["BuildSpec"];

export type Project = Schemas["Project"];
export type Environment = Schemas["Environment"];
export type Service = Schemas["Service"];
export type Domain = Schemas["Domain"];
export type Volume = Schemas["Volume"];
export type Build = Schemas["Build"];
export type Deployment = Schemas["Deployment"];

/**
 * One page of a list. A helper type remains because the document names one page per kind
 * (Page_Project_, Page_Service_, ...: the API's generic Page[T]) and the pages call
 * `get<Page<Service>>(...)`; it is derived from a generated page so its fields stay the API's,
 * and types.test.ts checks it against the generated pages.
 */
export type Page<T> = Omit<Schemas["Page_Project_"], "items"> & { items: T[] };

export type Change = Schemas["Change"];
export type PendingChanges = Schemas["PendingChanges"];
export type SearchHit = Schemas["SearchHit"];
export type Me = Schemas["Me"];
export type LogEntry = Schemas["LogEntry"];
export type LogPage = Schemas["LogPage"];
export type DeletionAccepted = Schemas["DeletionAccepted"];

/** What one call of a service's webhook did (the API's audit of a delivery). */
export type WebhookDelivery = Schemas["Delivery"];
export type WebhookInfo = Schemas["WebhookInfo"];

/**
 * The fields the API fills in when a request leaves them out: each has a default in the
 * document. The document has one schema per model for both ways, and openapi-typescript makes
 * a field with a default required (true of every answer), so what a page sends uses the looser
 * `...Input` shapes below; types.test.ts checks that each field listed still has a default.
 */
export const FILLED_BY_API = {
  ServiceSpec: ["mode", "replicas", "restart_policy"],
  GitSource: ["branch", "context", "dockerfile_path"],
  GitCredentials: ["username"],
} as const satisfies { [N in keyof Schemas]?: readonly (keyof Schemas[N])[] };

type Filled = typeof FILLED_BY_API;
type FilledOf<N extends keyof Filled> = Extract<Filled[N][number], keyof Schemas[N]>;
type Sent<N extends keyof Filled> = Omit<Schemas[N], FilledOf<N>> &
  Partial<Pick<Schemas[N], FilledOf<N>>>;

export type GitCredentialsInput = Sent<"GitCredentials">;
export type GitSourceInput = Omit<Sent<"GitSource">, "credentials"> & {
  credentials?: GitCredentialsInput | null;
};
export type ServiceSpecInput = Omit<Sent<"ServiceSpec">, "source"> & {
  source: ImageSource | GitSourceInput | DatabaseSource;
};

/** What the API shows instead of a secret's value; sent back, it keeps the stored one. */
export const MASK = "••••••••";
export type SessionInfo = Schemas["SessionInfo"];
export type PinnedHostKey = Schemas["PinnedHostKey"];
export type PinnedHostKeys = Schemas["PinnedHostKeys"];
export type TokenInfo = Schemas["TokenInfo"];
export type CreatedToken = Schemas["CreatedToken"];
export type Run = Schemas["Run"];
export type RunPhase = Schemas["RunPhase"];

export type ChannelSpec = Schemas["ChannelSpec"];
export type Channel = Schemas["Channel"];
export type Notification = Schemas["Notification"];
export type EventType = Schemas["EventType"];
export type NotificationPhase = Schemas["NotificationPhase"];
export type ChannelTarget = ChannelSpec["target"];

export type ServiceMetrics = Schemas["ServiceMetrics"];
export type MetricsChart = Schemas["Chart"];
export type ServersMetrics = Schemas["ServersMetrics"];
export type Server = Schemas["Server"];
export type HeaviestServices = Schemas["HeaviestServices"];
export type HeavyService = Schemas["HeavyService"];
