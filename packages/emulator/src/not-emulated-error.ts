import { ApiError } from './api-error';

/**
 * A request the emulator refuses because it does not know what a real org answers: either Salesforce
 * accepts it and the emulator does not implement it, or Salesforce refuses it with an answer no source
 * shows. The errorCode `NOT_EMULATED` is the emulator's own, never Salesforce's, so a client (or a test
 * against a real org) can tell the emulator's gap from an org's answer.
 */
export class NotEmulatedError extends ApiError {
  /**
   * @param what what was asked, e.g. `the job property "assignmentRuleId"`
   * @param why what Salesforce is known to do with it, or why the emulator cannot answer as it would
   */
  constructor(what: string, why: string, status = 400) {
    super(status, 'NOT_EMULATED', `Not emulated: ${what}. ${why}`);
    this.name = 'NotEmulatedError';
  }
}
