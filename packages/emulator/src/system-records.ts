import { join } from 'node:path';
import { SchemaRegistry, SObjectRecord, SObjectSchema } from './sobject-schema';

/**
 * The schema files of the records every org has before anything is loaded (User, Organization). They are
 * read-only: Salesforce's CLI reads them (`sf org login access-token` reads the User's Username,
 * `sf org login jwt` queries Organization), and a Bulk API job on them is refused with NOT_EMULATED
 * (loading users is not emulated).
 */
export const SYSTEM_OBJECTS_DIR = join(__dirname, 'system-objects');

/** Who and what the system records describe. */
export interface SystemRecordsProps {
  /** The org's 18-character id (`00D…`). */
  readonly orgId: string;
  /** The org's name in the emulator (dev, qa …): the Organization's Name. */
  readonly orgName: string;
  /** The integration user's 18-character id (`005…`). */
  readonly userId: string;
  /** The integration user's username. */
  readonly username: string;
  /** When the org was made: the records' CreatedDate. */
  readonly createdDate: string;
}

/**
 * The org's own User and Organization records. Field values Salesforce documents for these objects
 * (Object Reference: "User", "Organization"); the values themselves (names, edition, instance name) are
 * the emulator's choice, as any org has its own.
 */
export class SystemRecords {
  private readonly byObject: ReadonlyMap<string, SObjectRecord>;

  constructor(props: SystemRecordsProps) {
    const audit = {
      IsDeleted: false,
      CreatedDate: props.createdDate,
      CreatedById: props.userId,
      LastModifiedDate: props.createdDate,
      LastModifiedById: props.userId,
      SystemModstamp: props.createdDate,
    };
    const user: SObjectRecord = {
      Id: props.userId,
      ...audit,
      Username: props.username,
      LastName: 'User',
      FirstName: 'Integration',
      Name: 'Integration User',
      Alias: 'integ',
      Email: props.username,
      IsActive: true,
      UserType: 'Standard',
      TimeZoneSidKey: 'GMT',
      LanguageLocaleKey: 'en_US',
      LocaleSidKey: 'en_US',
    };
    const organization: SObjectRecord = {
      Id: props.orgId,
      ...audit,
      Name: props.orgName,
      // An emulated org runs on no Salesforce instance; a real one names its pod (NA1, EU45 …).
      InstanceName: 'EMU1',
      IsSandbox: false,
      TrialExpirationDate: null,
      NamespacePrefix: null,
      OrganizationType: 'Developer Edition',
      DefaultLocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      TimeZoneSidKey: 'GMT',
    };
    this.byObject = new Map([
      ['user', user],
      ['organization', organization],
    ]);
  }

  /** Whether `objectName` is one of the system objects (case-insensitive). */
  holds(objectName: string): boolean {
    return this.byObject.has(objectName.toLowerCase());
  }

  /** The records of a system object (one each), or none for any other object. */
  records(objectName: string): readonly SObjectRecord[] {
    const record = this.byObject.get(objectName.toLowerCase());
    return record ? [record] : [];
  }

  /** A system record by its 18-character id. */
  get(id: string): SObjectRecord | undefined {
    for (const record of this.byObject.values()) if (record.Id === id) return record;
    return undefined;
  }
}

/**
 * The objects a query, a describe or a record read sees: the loadable ones plus the system objects, unless
 * an object directory replaced one of them.
 */
export function withSystemObjects(schemas: SchemaRegistry): SchemaRegistry {
  const system = SchemaRegistry.fromDirectories([SYSTEM_OBJECTS_DIR]).list();
  const added: SObjectSchema[] = system.filter((o) => schemas.get(o.name) === undefined);
  return new SchemaRegistry([...schemas.list(), ...added]);
}
