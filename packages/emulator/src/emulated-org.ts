import { randomBytes } from 'node:crypto';
import { BulkIngest, BulkIngestOptions, IngestJobSnapshot } from './bulk-ingest';
import { BulkQuery } from './bulk-query';
import { FaultConfig, FaultInjector } from './fault-injector';
import { OAuthServer, OAuthSettings } from './oauth';
import { OrgData, OrgDataSnapshot } from './org-data';
import { formatDateTime } from './row-converter';
import { newSalesforceId } from './salesforce-id';
import { SchemaRegistry, SObjectRecord } from './sobject-schema';
import { SystemRecords, withSystemObjects } from './system-records';

/** One org of the emulator, as configured (file, CLI or code). Credentials are generated when absent. */
export interface OrgConfig extends BulkIngestOptions {
  /** The org's name (dev, qa, uat, prod …). */
  readonly name: string;
  /** Port of its instance URL. @default a free port */
  readonly port?: number;
  /** @default generated */
  readonly clientId?: string;
  /** @default generated */
  readonly clientSecret?: string;
  /** The integration user. @default `integration@<name>.example.com` */
  readonly username?: string;
  /** Password for the username-password grant (only where allowUsernamePassword). */
  readonly password?: string;
  /** @default false, as in orgs created since Summer '23 */
  readonly allowUsernamePassword?: boolean;
  /** Certificate (PEM) of the connected app, for the JWT bearer flow; a public key PEM works too. */
  readonly jwtCertificate?: string;
  /** Extra JWT audiences accepted besides the login URL and login/test.salesforce.com. */
  readonly jwtAudiences?: readonly string[];
  /** @default generated */
  readonly refreshToken?: string;
  /** @default 7200 */
  readonly sessionSeconds?: number;
  /** Faults injected from the start; tests can change them through the control endpoint. */
  readonly faults?: FaultConfig;
  /** API versions this org serves, lowest to highest. @default 31.0 to 66.0 */
  readonly minApiVersion?: number;
  /** @default 66.0 (Spring '26) */
  readonly maxApiVersion?: number;
}

/** What an org persists in the data directory. */
export interface OrgSnapshot {
  readonly credentials: Pick<OAuthSettings, 'orgId' | 'userId' | 'clientId' | 'clientSecret' | 'refreshToken'>;
  readonly data: OrgDataSnapshot;
  readonly jobs: IngestJobSnapshot[];
}

/** An emulated org: its objects, records, ingest jobs, OAuth sessions and faults. */
export class EmulatedOrg {
  readonly data: OrgData;
  readonly ingest: BulkIngest;
  /** Bulk API 2.0 query jobs; kept in memory only (a restart drops them, as Salesforce drops them after 7 days). */
  readonly query: BulkQuery;
  readonly faults: FaultInjector;
  readonly oauth: OAuthServer;
  readonly settings: OAuthSettings;
  readonly minApiVersion: number;
  readonly maxApiVersion: number;
  /** What queries, describes and record reads see: `schemas` plus the system objects (User, Organization). */
  readonly querySchemas: SchemaRegistry;
  /** The org's own User and Organization records. */
  readonly system: SystemRecords;
  /** Set once the org's server listens. */
  instanceUrl = '';
  private readonly stats = { apiCalls: 0, faultsInjected: 0 };

  constructor(
    readonly config: OrgConfig,
    readonly schemas: SchemaRegistry,
    saved?: OrgSnapshot,
  ) {
    const orgIndex = Buffer.from(config.name).reduce((a, b) => (a * 31 + b) % 238_328, 7);
    this.settings = {
      orgId: saved?.credentials.orgId ?? newSalesforceId('00D', orgIndex),
      userId: saved?.credentials.userId ?? newSalesforceId('005', orgIndex),
      username: config.username ?? `integration@${config.name}.example.com`,
      clientId: config.clientId ?? saved?.credentials.clientId ?? `3MVG9${randomBytes(30).toString('base64url')}`,
      clientSecret:
        config.clientSecret ?? saved?.credentials.clientSecret ?? randomBytes(32).toString('hex').toUpperCase(),
      refreshToken:
        config.refreshToken ?? saved?.credentials.refreshToken ?? `5Aep861${randomBytes(40).toString('base64url')}`,
      jwtCertificate: config.jwtCertificate,
      jwtAudiences: config.jwtAudiences,
      password: config.password,
      allowUsernamePassword: config.allowUsernamePassword,
      sessionSeconds: config.sessionSeconds,
    };
    this.minApiVersion = config.minApiVersion ?? 31;
    this.maxApiVersion = config.maxApiVersion ?? 66;
    this.data = new OrgData(schemas);
    this.querySchemas = withSystemObjects(schemas);
    this.system = new SystemRecords({
      orgId: this.settings.orgId,
      orgName: config.name,
      userId: this.settings.userId,
      username: this.settings.username,
      createdDate: formatDateTime(new Date()),
    });
    this.faults = new FaultInjector(config.faults ?? {});
    this.oauth = new OAuthServer(this.settings, () => this.instanceUrl);
    this.ingest = new BulkIngest(schemas, this.data, this.faults, this.settings.userId, config);
    this.query = new BulkQuery({
      source: (withDeleted) => ({
        schemas: this.querySchemas,
        records: (name) => this.readRecords(name, withDeleted),
        recordById: (id) => this.readRecord(id),
        count: (name) => this.countRecords(name, withDeleted),
      }),
      userId: this.settings.userId,
      newJobId: () => this.ingest.newJobId(),
    });
    if (saved) {
      this.data.restore(saved.data);
      this.ingest.restore(saved.jobs);
    }
  }

  get name(): string {
    return this.config.name;
  }

  /** The live records a query reads (`withDeleted`: the recycle bin's too, as queryAll does). */
  readRecords(objectName: string, withDeleted: boolean): Iterable<SObjectRecord> {
    if (this.system.holds(objectName) && !this.schemas.get(objectName)) return this.system.records(objectName);
    return withDeleted ? this.data.recordsWithDeleted(objectName) : this.data.records(objectName);
  }

  /** How many records `readRecords` gives. */
  countRecords(objectName: string, withDeleted: boolean): number {
    if (this.system.holds(objectName) && !this.schemas.get(objectName)) return this.system.records(objectName).length;
    return this.data.count(objectName) + (withDeleted ? this.data.deletedCount(objectName) : 0);
  }

  /** A live record (loaded or a system record) by its 18-character id. */
  readRecord(id: string): SObjectRecord | undefined {
    return this.data.get(id) ?? this.system.get(id);
  }

  countCall(faulted: boolean): void {
    this.stats.apiCalls++;
    if (faulted) this.stats.faultsInjected++;
  }

  statistics(): Record<string, unknown> {
    const records: Record<string, number> = {};
    for (const schema of this.schemas.list()) {
      const n = this.data.count(schema.name);
      if (n > 0) records[schema.name] = n;
    }
    return { ...this.stats, records, faults: this.faults.current };
  }

  /** Removes all records and jobs and ends all sessions; credentials stay. */
  reset(): void {
    this.data.clear();
    this.ingest.restore([]);
    this.query.clear();
    this.oauth.expireAll();
    this.stats.apiCalls = 0;
    this.stats.faultsInjected = 0;
  }

  snapshot(): OrgSnapshot {
    const { orgId, userId, clientId, clientSecret, refreshToken } = this.settings;
    return {
      credentials: { orgId, userId, clientId, clientSecret, refreshToken },
      data: this.data.snapshot(),
      jobs: this.ingest.snapshot(),
    };
  }
}
