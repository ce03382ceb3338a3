import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { KioskState } from '../../logic/kiosk-state';
import type { LiveFlag } from '../../logic/live-flags';
import { api, ApiError } from '../api';
import { fmtClock, fmtTime } from '../format';
import type { Lang, MessageKey, T } from '../i18n';

interface BoardKiosk {
  id: string;
  name: string;
  lastSeenAt: string | null;
  state: KioskState;
  backlog: { knownGaps: number; itemsReceived: number };
  session: { sessionId: string; inviteCode: string; candidateName: string | null; state: string; resumeCount: number | null; snapshotAt: string } | null;
  /** Open camera, voice and identity flags (issue #15), oldest first; absent from an older hub. */
  flags?: LiveFlag[];
}
interface Alert {
  id: string;
  kioskId: string;
  kioskName: string | null;
  key: string;
  kind: string;
  at: number;
  acknowledged: boolean;
  acknowledgedBy: string | null;
}
interface ScheduleRow {
  id: string;
  code: string;
  candidateName: string;
  jobId: string;
  windowStart: string;
  windowEnd: string;
  status: string;
}
interface BoardData {
  generatedAt: string;
  resumeCodes: 'available' | 'unavailable';
  kiosks: BoardKiosk[];
  alerts: Alert[];
  schedule: ScheduleRow[];
}

const RESUME_REASONS = ['crash', 'device', 'network', 'candidate_break', 'proctor_pause', 'other'] as const;
const POLL_MS = 5000;

export function stateLabel(t: T, s: KioskState): string {
  const base = (k: KioskState['kind'] | NonNullable<KioskState['lastKnown']>): string =>
    k === 'question' ? (s.question && s.of ? t('board.state.question', { n: s.question, m: s.of }) : s.question ? t('board.state.questionN', { n: s.question }) : t('board.state.questionN', { n: '?' })) : t(`board.state.${k}` as MessageKey);
  if (s.kind === 'offline') return s.lastKnown ? `${t('board.state.offline')} (${t('board.lastKnown', { state: base(s.lastKnown) })})` : t('board.state.offline');
  return base(s.kind);
}

function flagLabel(t: T, f: LiveFlag): string {
  return f.kind === 'identity_pending' ? t(`board.flag.identity_pending.${f.method ?? 'photo'}` as MessageKey) : t(`board.flag.${f.kind}` as MessageKey);
}

/** A kiosk's open flags with their age: a quiet visual alert (no sound), refreshed with the board. */
function Flags(p: { t: T; kiosk: BoardKiosk }) {
  const { t, kiosk } = p;
  const flags = kiosk.flags ?? [];
  if (flags.length === 0) return <span className="muted">{t('board.flags.none')}</span>;
  return (
    <ul className="flag-list" aria-label={t('board.flags.label', { kiosk: kiosk.name })} data-testid="kiosk-flags">
      {flags.map((f) => (
        <li key={`${f.kind}:${f.since}:${f.questionIndex ?? ''}`} className={`flag flag-${f.kind}`} data-testid="kiosk-flag" data-kind={f.kind} data-age-ms={f.ageMs}>
          <span aria-hidden="true">⚑ </span>
          {flagLabel(t, f)} <span className="muted small">{f.ageMs < 120_000 ? t('board.flag.ageS', { s: Math.round(f.ageMs / 1000) }) : t('board.flag.ageM', { m: Math.round(f.ageMs / 60_000) })}</span>
        </li>
      ))}
    </ul>
  );
}

function age(t: T, ms: number | null): string {
  if (ms === null) return t('board.never');
  return ms < 120_000 ? t('board.ago', { s: Math.round(ms / 1000) }) : t('board.agoMin', { m: Math.round(ms / 60_000) });
}

export function Board(p: { t: T; lang: Lang; onApiError: (e: unknown) => void }) {
  const { t, lang, onApiError } = p;
  const [data, setData] = useState<BoardData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [resumeFor, setResumeFor] = useState<BoardKiosk | null>(null);
  const load = useCallback(async () => {
    try {
      setData(await api<BoardData>('GET', `/v1/console/board?tzOffsetMinutes=${-new Date().getTimezoneOffset()}`));
      setError(null);
    } catch (e) {
      onApiError(e);
      setError(e instanceof ApiError ? e.code : 'NETWORK');
    }
  }, [onApiError]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  const ack = async (a: Alert) => {
    try {
      await api('POST', '/v1/console/alerts/ack', { kioskId: a.kioskId, key: a.key });
    } catch (e) {
      onApiError(e);
    }
    await load();
  };
  if (error && !data) return <p role="alert">{t('app.error', { code: error })}</p>;
  if (!data) return <p>{t('app.loading')}</p>;
  const waiting = data.alerts.filter((a) => !a.acknowledged).length;
  const openFlags = data.kiosks.reduce((n, k) => n + (k.flags?.length ?? 0), 0);
  return (
    <div className="screen" data-testid="screen-board">
      <div className="screen-head">
        <h1>{t('board.heading')}</h1>
        <p className="muted small">{t('app.refreshed', { time: fmtTime(lang, data.generatedAt) })}</p>
      </div>
      <section className={waiting > 0 ? 'card wide alerting' : 'card wide'} aria-labelledby="alerts-h" data-testid="alerts">
        <h2 id="alerts-h">
          {t('board.alerts')}{' '}
          {waiting > 0 && (
            <span className="badge urgent" role="status" data-testid="alerts-waiting">
              {t('board.alertNew', { n: waiting })}
            </span>
          )}
        </h2>
        {data.alerts.length === 0 ? (
          <p className="muted">{t('board.noAlerts')}</p>
        ) : (
          <ul className="alert-list">
            {data.alerts.map((a) => (
              <li key={a.id} className={a.acknowledged ? 'alert done' : 'alert'} data-testid="alert">
                <span className="alert-kind">{a.kind === 'hand_raised' || a.kind === 'diagnostics' ? t(`board.alert.${a.kind}` as MessageKey) : t('board.alert.other', { kind: a.kind })}</span>
                <span className="muted">{t('board.alertAt', { kiosk: a.kioskName ?? a.kioskId, time: fmtTime(lang, a.at) })}</span>
                {a.acknowledged ? (
                  <span className="muted small">{t('board.acked', { who: (a.acknowledgedBy ?? '').replace(/^user:/, '') })}</span>
                ) : (
                  <button type="button" className="btn small" onClick={() => void ack(a)} data-testid="alert-ack">
                    {t('board.ack')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className={openFlags > 0 ? 'card wide alerting' : 'card wide'} aria-labelledby="kiosks-h">
        <h2 id="kiosks-h">
          {t('board.kiosks')}{' '}
          {/* Sound-free: a badge announced politely to screen readers, refreshed with the board. */}
          <span className={openFlags > 0 ? 'badge urgent' : 'sr-only'} role="status" data-testid="flags-waiting">
            {openFlags > 0 ? t('board.flags.waiting', { n: openFlags }) : ''}
          </span>
        </h2>
        {data.kiosks.length === 0 ? (
          <p className="muted">{t('board.noKiosks')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="kiosk-table">
              <thead>
                <tr>
                  <th scope="col">{t('board.col.kiosk')}</th>
                  <th scope="col">{t('board.col.state')}</th>
                  <th scope="col">{t('board.col.flags')}</th>
                  <th scope="col">{t('board.col.heartbeat')}</th>
                  <th scope="col">{t('board.col.backlog')}</th>
                  <th scope="col">{t('board.col.candidate')}</th>
                  <th scope="col">{t('board.col.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {data.kiosks.map((k) => (
                  <tr key={k.id} data-testid="kiosk-row" data-state={k.state.kind}>
                    <th scope="row">{k.name}</th>
                    <td>
                      <span className={`pill state-${k.state.kind}`}>{stateLabel(t, k.state)}</span>
                    </td>
                    <td>
                      <Flags t={t} kiosk={k} />
                    </td>
                    <td>{age(t, k.state.heartbeatAgeMs)}</td>
                    <td>{t('board.backlog', { items: k.backlog.itemsReceived, gaps: k.backlog.knownGaps })}</td>
                    <td>{k.session ? `${k.session.candidateName ?? '—'} · ${k.session.inviteCode}` : '—'}</td>
                    <td>
                      {k.session && ['in_progress', 'interrupted', 'exited'].includes(k.session.state) && (
                        <button type="button" className="btn small" onClick={() => setResumeFor(k)} data-testid="resume-open">
                          {t('board.resume')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="muted small">{t('board.backlogNote')}</p>
        <p className="muted small">{t('board.flag.note')}</p>
      </section>
      {resumeFor && resumeFor.session && <ResumeDialog t={t} lang={lang} kiosk={resumeFor} available={data.resumeCodes === 'available'} onClose={() => setResumeFor(null)} onApiError={onApiError} />}
      <section className="card wide" aria-labelledby="schedule-h">
        <h2 id="schedule-h">{t('board.schedule')}</h2>
        {data.schedule.length === 0 ? (
          <p className="muted">{t('board.noSchedule')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="schedule-table">
              <thead>
                <tr>
                  <th scope="col">{t('board.col.time')}</th>
                  <th scope="col">{t('board.col.candidate')}</th>
                  <th scope="col">{t('board.col.job')}</th>
                  <th scope="col">{t('board.col.status')}</th>
                </tr>
              </thead>
              <tbody>
                {data.schedule.map((s) => (
                  <tr key={s.id} data-testid="schedule-row" data-status={s.status}>
                    <td>
                      {fmtClock(lang, s.windowStart)}–{fmtClock(lang, s.windowEnd)}
                    </td>
                    <th scope="row">
                      {s.candidateName} <span className="muted small">{s.code}</span>
                    </th>
                    <td>{s.jobId}</td>
                    <td>
                      <span className={`pill sched-${s.status}`}>{t(`schedule.${s.status}` as MessageKey)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function ResumeDialog(p: { t: T; lang: Lang; kiosk: BoardKiosk; available: boolean; onClose: () => void; onApiError: (e: unknown) => void }) {
  const { t, kiosk } = p;
  const [reason, setReason] = useState<(typeof RESUME_REASONS)[number]>('crash');
  const [note, setNote] = useState('');
  const [result, setResult] = useState<{ code: string; resumeCount: number; snapshotAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setResult(await api('POST', '/v1/console/resume-codes', { kioskId: kiosk.id, sessionId: kiosk.session!.sessionId, reason, ...(note.trim() ? { note: note.trim() } : {}) }));
    } catch (err) {
      p.onApiError(err);
      setError(err instanceof ApiError && err.code === 'RESUME_CODES_UNAVAILABLE' ? t('resume.unavailable') : t('app.error', { code: err instanceof ApiError ? err.code : 'NETWORK' }));
    }
  };
  return (
    <section className="card wide dialog" role="region" aria-labelledby="resume-h" data-testid="resume-dialog">
      <h2 id="resume-h">{t('resume.heading', { kiosk: kiosk.name })}</h2>
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>{t('resume.reason')}</span>
          <select value={reason} onChange={(e) => setReason(e.target.value as (typeof RESUME_REASONS)[number])} data-testid="resume-reason">
            {RESUME_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`resume.reason.${r}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('resume.note')}</span>
          <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
        </label>
        <div className="row">
          <button className="btn primary" type="submit" data-testid="resume-issue">
            {t('resume.issue')}
          </button>
          <button className="btn ghost" type="button" onClick={p.onClose}>
            {t('resume.cancel')}
          </button>
        </div>
      </form>
      {!p.available && !result && <p className="muted">{t('resume.unavailable')}</p>}
      {result && (
        <div className="code-box" role="status">
          <p className="code" data-testid="resume-code">
            {t('resume.code', { count: result.resumeCount + 1, code: result.code })}
          </p>
          <p className="muted small">{t('resume.codeHint')}</p>
          <p className="muted small">{t('resume.stale', { time: fmtTime(p.lang, result.snapshotAt) })}</p>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
