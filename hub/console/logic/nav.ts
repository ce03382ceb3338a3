/** Which console screens each HR role sees. The server enforces the same table on every route. */
export type ConsoleRole = 'hr_admin' | 'recruiter' | 'proctor' | 'auditor';
export type Screen = 'board' | 'review' | 'analytics' | 'journal';

export const SCREENS_BY_ROLE: Readonly<Record<ConsoleRole, readonly Screen[]>> = {
  hr_admin: ['board', 'review', 'analytics', 'journal'],
  recruiter: ['review', 'analytics'],
  proctor: ['board'],
  auditor: ['analytics', 'journal'],
};

export function screensFor(role: string): readonly Screen[] {
  return Object.prototype.hasOwnProperty.call(SCREENS_BY_ROLE, role) ? SCREENS_BY_ROLE[role as ConsoleRole] : [];
}

/** The screen to show for a requested one: the request when allowed, else the role's first. */
export function landingScreen(role: string, requested: string | null): Screen | null {
  const allowed = screensFor(role);
  if (requested && (allowed as readonly string[]).includes(requested)) return requested as Screen;
  return allowed[0] ?? null;
}
