/**
 * Who may call what. Every route the hub registers must appear here (the server refuses to start
 * otherwise), and test/integration/hub-permissions.test.ts walks every route as every principal.
 * `candidateData: true` marks routes whose successful reads are written to the audit log.
 */
export type HrRole = 'hr_admin' | 'recruiter' | 'proctor' | 'auditor';
export type Principal = HrRole | 'kiosk' | 'anonymous';
export const HR_ROLES: readonly HrRole[] = ['hr_admin', 'recruiter', 'proctor', 'auditor'];
export const PRINCIPALS: readonly Principal[] = [...HR_ROLES, 'kiosk', 'anonymous'];

export interface RoutePermission {
  readonly allowed: readonly Principal[];
  readonly candidateData: boolean;
}

export const PERMISSIONS: Readonly<Record<string, RoutePermission>> = {
  'GET /v1/health': { allowed: PRINCIPALS, candidateData: false },
  'POST /v1/auth/login': { allowed: ['anonymous'], candidateData: false },
  'POST /v1/auth/logout': { allowed: HR_ROLES, candidateData: false },
  'POST /v1/users': { allowed: ['hr_admin'], candidateData: false },
  'POST /v1/enrolment-codes': { allowed: ['hr_admin'], candidateData: false },
  'POST /v1/kiosks/enrol': { allowed: ['anonymous'], candidateData: false },
  'GET /v1/kiosks': { allowed: ['hr_admin', 'proctor', 'auditor'], candidateData: false },
  'POST /v1/kiosk/items': { allowed: ['kiosk'], candidateData: false },
  'POST /v1/kiosk/upload-token': { allowed: ['kiosk'], candidateData: false },
  'GET /v1/kiosk/sync-state': { allowed: ['kiosk'], candidateData: false },
  'GET /v1/sessions': { allowed: ['hr_admin', 'recruiter', 'proctor'], candidateData: true },
  'GET /v1/sessions/:kioskId/:sessionId': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/sessions/:kioskId/:sessionId/events': { allowed: ['hr_admin', 'recruiter', 'auditor'], candidateData: true },
  'GET /v1/items': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/media/:kioskId/:key': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/chain-flags': { allowed: ['hr_admin', 'auditor'], candidateData: false },
  'GET /v1/audit-log': { allowed: ['hr_admin', 'auditor'], candidateData: false },
  // invites, reminders, reschedule requests and no-shows (#13)
  'POST /v1/invites': { allowed: ['hr_admin', 'recruiter'], candidateData: false },
  'POST /v1/invites/import': { allowed: ['hr_admin', 'recruiter'], candidateData: false },
  'GET /v1/invites': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/invites/export': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/invites/:id': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'POST /v1/invites/:id/cancel': { allowed: ['hr_admin', 'recruiter'], candidateData: false },
  'POST /v1/invites/:id/reschedule': { allowed: ['hr_admin', 'recruiter'], candidateData: false },
  'GET /v1/reminders': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/reschedule-requests': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/no-shows': { allowed: ['hr_admin', 'recruiter', 'proctor'], candidateData: true },
  // the candidate's at-home page (the invite code is the credential) or a kiosk
  'POST /v1/invite-codes/:code/reschedule-requests': { allowed: ['anonymous', 'kiosk'], candidateData: false },
  'POST /v1/invite-codes/:code/precheck': { allowed: ['anonymous', 'kiosk'], candidateData: false },
  // the HR and proctor console (#14): the web app is public files; its API is role-gated here
  'GET /console': { allowed: PRINCIPALS, candidateData: false },
  'GET /console/*': { allowed: PRINCIPALS, candidateData: false },
  'GET /v1/console/me': { allowed: HR_ROLES, candidateData: false },
  'GET /v1/console/board': { allowed: ['hr_admin', 'proctor'], candidateData: true },
  'POST /v1/console/alerts/ack': { allowed: ['hr_admin', 'proctor'], candidateData: false },
  'POST /v1/console/resume-codes': { allowed: ['hr_admin', 'proctor'], candidateData: false },
  'GET /v1/console/review': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/console/review/:reviewId': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  // the answer's words opened with HR's key, and its recording: reviewers only, every read audited
  'GET /v1/console/review/:reviewId/answer': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'GET /v1/console/review/:reviewId/recording/:segment': { allowed: ['hr_admin', 'recruiter'], candidateData: true },
  'POST /v1/console/review/:reviewId/decisions': { allowed: ['hr_admin', 'recruiter'], candidateData: false },
  'POST /v1/console/review/:reviewId/second-review': { allowed: ['hr_admin', 'recruiter'], candidateData: false },
  'GET /v1/console/journal': { allowed: ['hr_admin', 'auditor'], candidateData: false },
  // HR analytics (#14): aggregate reports (which report a role sees is in hub/analytics/reports.ts;
  // a proctor sees none), their exports, and HR's imports of outcomes and demographic categories
  'GET /v1/analytics': { allowed: HR_ROLES, candidateData: false },
  'GET /v1/analytics/:name': { allowed: ['hr_admin', 'recruiter', 'auditor'], candidateData: true },
  'GET /v1/analytics/:name/export': { allowed: ['hr_admin', 'recruiter', 'auditor'], candidateData: true },
  'POST /v1/analytics/imports/outcomes': { allowed: ['hr_admin'], candidateData: true },
  'POST /v1/analytics/imports/demographics': { allowed: ['hr_admin'], candidateData: true },
  // the HR endpoint API (docs/hr-endpoint.openapi.yaml) under /hr, for kiosks: hub/hr/routes.ts
  // authenticates these itself with the kiosk bearer tokens HR issues (refusals are the document's
  // 401, never 403); health and pre-check carry no token and are rate-limited per address
  'GET /hr/v1/health': { allowed: PRINCIPALS, candidateData: false },
  'HEAD /hr/v1/health': { allowed: PRINCIPALS, candidateData: false },
  'POST /hr/v1/unlock': { allowed: ['kiosk'], candidateData: false },
  'POST /hr/v1/stages/release': { allowed: ['kiosk'], candidateData: false },
  'GET /hr/v1/centres/:centreId/schedules/:day': { allowed: ['kiosk'], candidateData: false },
  'POST /hr/v1/no-shows': { allowed: ['kiosk'], candidateData: false },
  'POST /hr/v1/kiosk-incidents': { allowed: ['kiosk'], candidateData: false },
  'GET /hr/precheck/time': { allowed: PRINCIPALS, candidateData: false },
  'GET /hr/precheck/latency': { allowed: PRINCIPALS, candidateData: false },
  'POST /hr/precheck/upload': { allowed: PRINCIPALS, candidateData: false },
  // HR's side of the HR endpoint: pack keys (from `pack sign`'s .key.json), signed day schedules,
  // kiosks' bearer tokens, and the journal of every release decision
  'POST /v1/hr-endpoint/pack-keys': { allowed: ['hr_admin'], candidateData: false },
  'GET /v1/hr-endpoint/pack-keys': { allowed: ['hr_admin', 'auditor'], candidateData: false },
  'POST /v1/hr-endpoint/schedules': { allowed: ['hr_admin'], candidateData: false },
  'GET /v1/hr-endpoint/schedules': { allowed: ['hr_admin', 'proctor', 'auditor'], candidateData: false },
  'POST /v1/hr-endpoint/kiosk-tokens': { allowed: ['hr_admin'], candidateData: false },
  'GET /v1/hr-endpoint/releases': { allowed: ['hr_admin', 'auditor'], candidateData: true },
  // tus resumable uploads: an upload token issued to a signed kiosk request
  'POST /v1/uploads': { allowed: ['kiosk'], candidateData: false },
  'HEAD /v1/uploads/:id': { allowed: ['kiosk'], candidateData: false },
  'PATCH /v1/uploads/:id': { allowed: ['kiosk'], candidateData: false },
  'OPTIONS /v1/uploads': { allowed: PRINCIPALS, candidateData: false },
  'OPTIONS /v1/uploads/:id': { allowed: PRINCIPALS, candidateData: false },
};
