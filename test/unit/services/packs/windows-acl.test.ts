import { describe, expect, it } from 'vitest';
import { aclProblem, parseAclOutput } from '../../../../main/services/packs/windows-acl';

const ADMINS = 'S-1-5-32-544';
const SYSTEM = 'S-1-5-18';
const USERS = 'S-1-5-32-545';
const EVERYONE = 'S-1-1-0';

describe('Windows ACL of the provisioning file', () => {
  it('accepts a file owned by Administrators that users may only read', () => {
    expect(aclProblem({ ownerSid: ADMINS, rules: [
      { sid: SYSTEM, rights: 'FullControl', allow: true },
      { sid: ADMINS, rights: 'FullControl', allow: true },
      { sid: USERS, rights: 'ReadAndExecute, Synchronize', allow: true },
    ] })).toBeUndefined();
  });

  it('refuses a file users or Everyone may modify, or a user owns', () => {
    expect(aclProblem({ ownerSid: ADMINS, rules: [{ sid: USERS, rights: 'Modify, Synchronize', allow: true }] })).toMatch(/S-1-5-32-545 may change it/);
    expect(aclProblem({ ownerSid: ADMINS, rules: [{ sid: EVERYONE, rights: 'Write', allow: true }] })).toMatch(/S-1-1-0/);
    expect(aclProblem({ ownerSid: ADMINS, rules: [{ sid: USERS, rights: '268435456', allow: true }] })).toMatch(/may change it/);
    expect(aclProblem({ ownerSid: 'S-1-5-21-1-2-3-1001', rules: [] })).toMatch(/owned by/);
    // A deny rule is not a grant.
    expect(aclProblem({ ownerSid: SYSTEM, rules: [{ sid: USERS, rights: 'FullControl', allow: false }] })).toBeUndefined();
  });

  it('parses the PowerShell lines (SIDs, so a localised Windows reads the same)', () => {
    const acl = parseAclOutput('O|S-1-5-32-544\r\nR|S-1-5-18|FullControl|Allow\r\nR|S-1-5-32-545|ReadAndExecute, Synchronize|Allow\r\n');
    expect(acl).toEqual({ ownerSid: ADMINS, rules: [{ sid: SYSTEM, rights: 'FullControl', allow: true }, { sid: USERS, rights: 'ReadAndExecute, Synchronize', allow: true }] });
    expect(parseAclOutput('garbage')).toBeUndefined();
  });
});
