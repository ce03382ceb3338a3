/**
 * Windows has no POSIX mode bits: whether the machine-wide provisioning file can be changed by a
 * non-administrator is in its ACL. `readWindowsAcl` asks PowerShell for the owner and each access
 * rule with the identity as a SID (names are localised: "Everyone" is "所有人" on a Chinese
 * Windows), and `aclProblem` decides. The decision is a pure function, tested on every OS.
 */
import { execFileSync } from 'node:child_process';

export interface AclRule {
  readonly sid: string;
  /** FileSystemRights as PowerShell prints them, e.g. "ReadAndExecute, Synchronize" or "FullControl". */
  readonly rights: string;
  readonly allow: boolean;
}

export interface FileAcl {
  readonly ownerSid: string;
  readonly rules: readonly AclRule[];
}

/** SYSTEM, Administrators, TrustedInstaller: who may own and write the file. */
const ADMIN_SIDS = new Set(['S-1-5-18', 'S-1-5-32-544', 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464']);
const WRITE_RIGHTS = /\b(FullControl|Modify|Write|WriteData|AppendData|ChangePermissions|TakeOwnership|Delete|\d+)\b/;

/** Why a non-administrator could change the file, or undefined when only administrators can. */
export function aclProblem(acl: FileAcl): string | undefined {
  if (!ADMIN_SIDS.has(acl.ownerSid)) return `it is owned by ${acl.ownerSid}, not by Administrators or SYSTEM`;
  for (const r of acl.rules) {
    if (!r.allow || ADMIN_SIDS.has(r.sid)) continue;
    // Numeric rights (generic bits PowerShell cannot name) are treated as writable: fail closed.
    if (WRITE_RIGHTS.test(r.rights)) return `${r.sid} may change it (${r.rights})`;
  }
  return undefined;
}

const SCRIPT = [
  '$a = Get-Acl -LiteralPath $env:IK_ACL_FILE',
  "$o = (New-Object System.Security.Principal.NTAccount($a.Owner)).Translate([System.Security.Principal.SecurityIdentifier]).Value",
  "Write-Output ('O|' + $o)",
  "foreach ($r in $a.Access) { $s = $r.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]).Value; Write-Output ('R|' + $s + '|' + $r.FileSystemRights + '|' + $r.AccessControlType) }",
].join('; ');

export function parseAclOutput(text: string): FileAcl | undefined {
  let ownerSid: string | undefined;
  const rules: AclRule[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split('|');
    if (parts[0] === 'O' && parts[1]) ownerSid = parts[1];
    if (parts[0] === 'R' && parts.length === 4) rules.push({ sid: parts[1]!, rights: parts[2]!, allow: parts[3] === 'Allow' });
  }
  return ownerSid ? { ownerSid, rules } : undefined;
}

/** Reads a file's owner and access rules (Windows only; a few hundred ms, once at start). */
export function readWindowsAcl(file: string): FileAcl | undefined {
  try {
    const out = execFileSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', SCRIPT], { env: { ...process.env, IK_ACL_FILE: file }, encoding: 'utf8', timeout: 15_000, windowsHide: true });
    return parseAclOutput(out);
  } catch {
    return undefined;
  }
}
