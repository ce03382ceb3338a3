import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { REVIEW_REASON_CODES } from '../../logic/review-queue';
import { api, ApiError, fetchBlob } from '../api';
import { fmtTime } from '../format';
import type { Lang, MessageKey, T } from '../i18n';

interface QueueItem {
  reviewId: string;
  reason: string;
  now: string;
  open: boolean;
  receivedAt: number;
  questionId: string | null;
  band: string | null;
  total: number | null;
}
interface Flag {
  source: string;
  kioskId: string;
  sessionId: string;
  at: string;
  kind: string;
}
interface Evidence {
  start: number;
  end: number;
  text: string;
  kind: string;
  level?: number;
  matched?: string;
  negated?: boolean;
}
interface Competency {
  competencyId: string;
  level: number;
  threshold: number;
  band: string;
  evidence: Evidence[];
}
interface Decision {
  action: string;
  reviewer: string;
  at: string;
  reason: string;
  round: number | null;
}
interface Detail {
  reviewId: string;
  blind: boolean;
  questionId: string;
  reason: string;
  band: string | null;
  total: number | null;
  answerText: string | null;
  competencies: Competency[];
  decisions: Decision[];
  candidate?: { name: string | null; inviteCode: string };
  media?: { key: string; segment: number; seq: number; mimeType: string | null }[];
  source?: { kioskId: string };
  mediaWithheld?: boolean;
}

type PackText = { 'zh-CN': string; en: string };
interface RubricView {
  questionId: string;
  prompt: PackText;
  trimmed: string;
  competencies: { id: string; name: PackText; weight: number; threshold: number; indicators: { level: number; description: PackText; evidence?: { 'zh-CN': string[]; en: string[] } }[] }[];
}
type Part = { state: 'opened'; text: string } | { state: 'not_synced' | 'no_hr_key' | 'no_hr_wrap' | 'other_hr_key'; detail?: string };
interface AnswerView {
  mode: 'text' | 'audio' | 'video' | null;
  hrKey: 'available' | 'missing';
  answer: Part;
  transcript: Part;
  rubric: { state: 'opened'; rubric: RubricView | null } | { state: 'not_synced' | 'no_hr_key' | 'no_hr_wrap' | 'other_hr_key' };
}

export function Review(p: { t: T; lang: Lang; onApiError: (e: unknown) => void }) {
  const { t, lang, onApiError } = p;
  const [queue, setQueue] = useState<{ queue: QueueItem[]; flags: Flag[] } | null>(null);
  const [blind, setBlind] = useState(true);
  const [openId, setOpenId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setQueue(await api('GET', '/v1/console/review'));
    } catch (e) {
      onApiError(e);
      setError(e instanceof ApiError ? e.code : 'NETWORK');
    }
  }, [onApiError]);
  useEffect(() => void load(), [load]);
  if (openId) return <ReviewDetail t={t} lang={lang} reviewId={openId} blind={blind} onBack={() => { setOpenId(null); void load(); }} onApiError={onApiError} />;
  if (error && !queue) return <p role="alert">{t('app.error', { code: error })}</p>;
  if (!queue) return <p>{t('app.loading')}</p>;
  return (
    <div className="screen" data-testid="screen-review">
      <div className="screen-head">
        <h1>{t('review.heading')}</h1>
        <p className="muted">{t('review.intro')}</p>
      </div>
      <section className="card wide" aria-labelledby="queue-h">
        <h2 id="queue-h" className="sr-only">
          {t('review.heading')}
        </h2>
        <label className="check">
          <input type="checkbox" checked={blind} onChange={(e) => setBlind(e.target.checked)} data-testid="review-blind" />
          <span>{t('review.blind')}</span>
        </label>
        {queue.queue.length === 0 ? (
          <p className="muted">{t('review.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="review-table">
              <thead>
                <tr>
                  <th scope="col">{t('review.col.question')}</th>
                  <th scope="col">{t('review.col.reason')}</th>
                  <th scope="col">{t('review.col.band')}</th>
                  <th scope="col">{t('review.col.status')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('review.open')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {queue.queue.map((q) => (
                  <tr key={q.reviewId} data-testid="review-row" data-reason={q.reason} data-open={String(q.open)}>
                    <th scope="row">{q.questionId ?? '—'}</th>
                    <td>{t(`review.reason.${q.reason}` as MessageKey)}</td>
                    <td>
                      {q.band ?? '—'} / {q.total === null ? '—' : q.total.toFixed(1)}
                    </td>
                    <td>{t(`review.reason.${q.now}` as MessageKey)}</td>
                    <td>
                      <button type="button" className="btn small" onClick={() => setOpenId(q.reviewId)} data-testid="review-open">
                        {t('review.open')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card wide" aria-labelledby="flags-h">
        <h2 id="flags-h">{t('review.flags')}</h2>
        {queue.flags.length === 0 ? (
          <p className="muted">{t('review.noFlags')}</p>
        ) : (
          <ul className="plain-list" data-testid="flag-list">
            {queue.flags.map((f, i) => (
              <li key={i}>
                {f.kind} · {f.source} · {fmtTime(lang, f.at)}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The answer with the scorer's evidence spans marked (when the text is on the hub). */
function Highlighted(p: { text: string; spans: Evidence[]; testId?: string }) {
  const spans = [...p.spans].filter((s) => s.start >= 0 && s.end <= p.text.length && s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Array<string | { s: Evidence }> = [];
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    out.push(p.text.slice(at, s.start), { s });
    at = s.end;
  }
  out.push(p.text.slice(at));
  return (
    <p className="answer" data-testid={p.testId}>
      {out.map((x, i) => (typeof x === 'string' ? x : <mark key={i}>{p.text.slice(x.s.start, x.s.end)}</mark>))}
    </p>
  );
}

function ReviewDetail(p: { t: T; lang: Lang; reviewId: string; blind: boolean; onBack: () => void; onApiError: (e: unknown) => void }) {
  const { t, lang } = p;
  const [d, setD] = useState<Detail | null>(null);
  const [levels, setLevels] = useState<Record<string, number>>({});
  const [reasonCode, setReasonCode] = useState('');
  const [note, setNote] = useState('');
  const [secondReason, setSecondReason] = useState('');
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [media, setMedia] = useState<Record<string, string>>({});
  const [words, setWords] = useState<AnswerView | { error: string } | null>(null);
  const { reviewId, blind, onApiError } = p;
  // The words are opened on the hub for this request only (audited); a sealed text that does not
  // open is refused whole, and the reviewer is told so.
  useEffect(() => {
    let live = true;
    api<AnswerView>('GET', `/v1/console/review/${reviewId}/answer?blind=${blind ? '1' : '0'}`)
      .then((a) => live && setWords(a))
      .catch((e: unknown) => {
        onApiError(e);
        if (live) setWords({ error: e instanceof ApiError ? e.code : 'NETWORK' });
      });
    return () => {
      live = false;
    };
  }, [reviewId, blind, onApiError]);
  const load = useCallback(
    async (resetLevels: boolean) => {
      try {
        const detail = await api<Detail>('GET', `/v1/console/review/${reviewId}?blind=${blind ? '1' : '0'}`);
        setD(detail);
        // The reviewer's choices survive a reload (after a decision, a language switch).
        if (resetLevels) setLevels((prev) => (Object.keys(prev).length > 0 ? prev : Object.fromEntries(detail.competencies.map((c) => [c.competencyId, Math.max(1, Math.min(5, c.level || 1))]))));
      } catch (e) {
        onApiError(e);
        setMsg({ kind: 'error', text: t('app.error', { code: e instanceof ApiError ? e.code : 'NETWORK' }) });
      }
    },
    [reviewId, blind, onApiError, t],
  );
  useEffect(() => void load(true), [load]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    try {
      // The reason code is sent as chosen, even empty: the server is what refuses a decision without one.
      const r = await api<{ round: number }>('POST', `/v1/console/review/${p.reviewId}/decisions`, {
        levels: Object.entries(levels).map(([competencyId, level]) => ({ competencyId, level })),
        reasonCode,
        blind: p.blind,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setMsg({ kind: 'ok', text: t('review.saved', { round: r.round }) });
      await load(false);
    } catch (err) {
      p.onApiError(err);
      setMsg({ kind: 'error', text: err instanceof ApiError && err.code === 'REASON_REQUIRED' ? t('review.needReason') : t('app.error', { code: err instanceof ApiError ? err.code : 'NETWORK' }) });
    }
  };
  const requestSecond = async () => {
    setMsg(null);
    try {
      await api('POST', `/v1/console/review/${p.reviewId}/second-review`, { reason: secondReason });
      setMsg({ kind: 'ok', text: t('review.secondRequested') });
      setSecondReason('');
      await load(false);
    } catch (err) {
      p.onApiError(err);
      setMsg({ kind: 'error', text: t('app.error', { code: err instanceof ApiError ? err.code : 'NETWORK' }) });
    }
  };
  // A segment is one recording: its chunks, fetched in order and joined, play as one file.
  const segments = new Map<number, { key: string; mimeType: string | null }[]>();
  for (const m of d?.media ?? []) segments.set(m.segment, [...(segments.get(m.segment) ?? []), m]);
  // The hub joins the segment's chunks and checks each one's sha256 before and while sending.
  const play = async (segment: number) => {
    try {
      const { blob } = await fetchBlob(`/v1/console/review/${p.reviewId}/recording/${segment}`);
      setMedia((prev) => ({ ...prev, [String(segment)]: URL.createObjectURL(blob) }));
    } catch (err) {
      p.onApiError(err);
      const code = err instanceof ApiError ? err.code : 'NETWORK';
      const known: Record<string, MessageKey> = { RECORDING_INVALID: 'review.recordingInvalid', HR_KEY_MISSING: 'review.recordingNoHrKey', HR_KEY_UNAVAILABLE: 'review.recordingKeyUnavailable' };
      const key = known[code];
      setMsg({ kind: 'error', text: key ? t(key) : t('app.error', { code }) });
    }
  };
  if (!d) return msg ? <p role="alert">{msg.text}</p> : <p>{t('app.loading')}</p>;
  const allEvidence = d.competencies.flatMap((c) => c.evidence ?? []);
  // A competency is named as the rubric names it when the rubric was opened, else by its id.
  const rubric = words && !('error' in words) && words.rubric.state === 'opened' ? words.rubric.rubric : null;
  const nameOf = (id: string) => rubric?.competencies.find((c) => c.id === id)?.name[lang] ?? id;
  return (
    <div className="screen" data-testid="screen-review-detail" data-blind={String(d.blind)}>
      <div className="screen-head">
        <button type="button" className="btn ghost" onClick={p.onBack} data-testid="review-back">
          {t('review.back')}
        </button>
        <h1>
          {d.questionId} · {t(`review.reason.${d.reason}` as MessageKey)}
        </h1>
        {d.candidate && (
          <p className="muted" data-testid="review-candidate">
            {t('review.candidate', { name: d.candidate.name ?? '—', code: d.candidate.inviteCode })}
          </p>
        )}
      </div>
      <div className="two-col">
        <section className="card" aria-labelledby="answer-h">
          <h2 id="answer-h">{t('review.answer')}</h2>
          {words === null ? (
            <p className="muted">{t('app.loading')}</p>
          ) : 'error' in words ? (
            <p className="error" role="alert" data-testid="answer-state">
              {words.error === 'SEALED_TEXT_INVALID' ? t('review.sealedInvalid') : t('app.error', { code: words.error })}
            </p>
          ) : words.answer.state === 'opened' ? (
            <Highlighted text={words.answer.text} spans={allEvidence} testId="answer-text" />
          ) : words.mode === 'text' || words.answer.state !== 'not_synced' ? (
            <p className="muted" data-testid="answer-state" data-state={words.answer.state}>
              {t(`review.sealed.${words.answer.state}` as MessageKey)}
            </p>
          ) : null}
          <h3>{t('review.recording')}</h3>
          {d.mediaWithheld ? (
            <p className="muted">{t('review.withheld')}</p>
          ) : (d.media ?? []).length === 0 ? (
            <p className="muted">{t('review.noRecording')}</p>
          ) : (
            [...segments.keys()].map((seg, i) =>
              media[String(seg)] ? (
                words && !('error' in words) && words.mode === 'audio' ? (
                  <audio key={seg} controls src={media[String(seg)]} aria-label={t('review.loadRecording', { n: i + 1 })} data-testid="recording" />
                ) : (
                  <video key={seg} controls src={media[String(seg)]} className="recording" aria-label={t('review.loadRecording', { n: i + 1 })} data-testid="recording" />
                )
              ) : (
                <button key={seg} type="button" className="btn small" onClick={() => void play(seg)} data-testid="recording-play">
                  {t('review.loadRecording', { n: i + 1 })}
                </button>
              ),
            )
          )}
          {words && !('error' in words) && words.mode !== 'text' && words.mode !== null && (
            <>
              <h3>{t('review.transcript')}</h3>
              {words.transcript.state === 'opened' ? (
                <Highlighted text={words.transcript.text} spans={allEvidence} testId="transcript-text" />
              ) : (
                <p className="muted" data-testid="transcript-state">
                  {words.transcript.state === 'not_synced' ? t('review.noTranscript') : t(`review.sealed.${words.transcript.state}` as MessageKey)}
                </p>
              )}
            </>
          )}
          <h3>{t('review.scorer')}</h3>
          {d.competencies.map((c) => (
            <div key={c.competencyId} className="competency">
              <p>
                <strong>{nameOf(c.competencyId)}</strong> · {t('review.level', { level: c.level, threshold: c.threshold })} · {c.band}
              </p>
              {(c.evidence ?? []).length === 0 ? (
                <p className="muted small">{t('review.noEvidence')}</p>
              ) : (
                <ul className="evidence">
                  {c.evidence.map((e, i) => (
                    <li key={i} className={e.negated ? 'negated' : ''}>
                      <mark>{e.text}</mark> <span className="muted small">{e.kind}{e.negated ? ` · ${t('review.negated')}` : ''}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </section>
        <aside className="card" aria-labelledby="rubric-h">
          <h2 id="rubric-h">{t('review.rubric')}</h2>
          {words && !('error' in words) && words.rubric.state === 'opened' && words.rubric.rubric ? (
            <Rubric t={t} lang={lang} rubric={words.rubric.rubric} competencies={d.competencies} />
          ) : (
            <>
              {words && !('error' in words) && words.rubric.state !== 'opened' && (
                <p className="muted small" data-testid="rubric-state">
                  {words.rubric.state === 'not_synced' ? t('review.noRubric') : t(`review.sealed.${words.rubric.state}` as MessageKey)}
                </p>
              )}
              <ul className="evidence">
                {allEvidence.filter((e) => e.level !== undefined).map((e, i) => (
                  <li key={i}>
                    L{e.level} · {e.matched ?? e.text}
                  </li>
                ))}
              </ul>
            </>
          )}
          <form onSubmit={(e) => void submit(e)} data-testid="review-form">
            <fieldset>
              <legend>{t('review.yourLevels')}</legend>
              {d.competencies.map((c) => (
                <label key={c.competencyId} className="field">
                  <span>{t('review.levelFor', { competency: nameOf(c.competencyId) })}</span>
                  <select value={levels[c.competencyId] ?? 1} onChange={(e) => setLevels({ ...levels, [c.competencyId]: Number(e.target.value) })} data-testid={`level-${c.competencyId}`}>
                    {[1, 2, 3, 4, 5].map((l) => (
                      <option key={l} value={l}>
                        {l}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
            </fieldset>
            <label className="field">
              <span>{t('review.reasonCode')}</span>
              <select value={reasonCode} onChange={(e) => setReasonCode(e.target.value)} data-testid="review-reason">
                <option value="">{t('review.chooseReason')}</option>
                {REVIEW_REASON_CODES.map((r) => (
                  <option key={r} value={r}>
                    {t(`review.rc.${r}` as MessageKey)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('review.note')}</span>
              <textarea value={note} maxLength={2000} rows={3} onChange={(e) => setNote(e.target.value)} />
            </label>
            <button className="btn primary" type="submit" data-testid="review-submit">
              {t('review.submit')}
            </button>
          </form>
          {msg && (
            <p className={msg.kind === 'ok' ? 'ok' : 'error'} role={msg.kind === 'ok' ? 'status' : 'alert'} data-testid="review-message">
              {msg.text}
            </p>
          )}
          <h3>{t('review.history')}</h3>
          {d.decisions.length === 0 ? (
            <p className="muted small">{t('review.noHistory')}</p>
          ) : (
            <ul className="plain-list" data-testid="review-history">
              {d.decisions.map((x, i) => (
                <li key={i}>{t('review.historyItem', { who: x.reviewer, at: fmtTime(lang, x.at), reason: x.reason })}</li>
              ))}
            </ul>
          )}
          <label className="field">
            <span>{t('review.secondReason')}</span>
            <input value={secondReason} maxLength={500} onChange={(e) => setSecondReason(e.target.value)} data-testid="second-reason" />
          </label>
          <button type="button" className="btn" disabled={!secondReason.trim()} onClick={() => void requestSecond()} data-testid="second-request">
            {t('review.requestSecond')}
          </button>
        </aside>
      </div>
    </div>
  );
}

/** The rubric the score used: per competency, its levels' descriptors; the levels the scorer found evidence for are marked. */
function Rubric(p: { t: T; lang: Lang; rubric: RubricView; competencies: Competency[] }) {
  const { t, lang } = p;
  return (
    <div data-testid="rubric">
      <p className="small">{p.rubric.prompt[lang]}</p>
      {p.rubric.competencies.map((c) => {
        const scored = p.competencies.find((x) => x.competencyId === c.id);
        const found = new Set((scored?.evidence ?? []).filter((e) => !e.negated && e.level !== undefined).map((e) => e.level));
        return (
          <div key={c.id} className="competency">
            <h3>
              {c.name[lang]} <span className="muted small">{t('review.rubricMeta', { weight: c.weight, threshold: c.threshold })}</span>
            </h3>
            <ol className="rubric-levels">
              {c.indicators.map((i) => (
                <li key={i.level} data-level={i.level} data-evidence={String(found.has(i.level))} className={found.has(i.level) ? 'matched' : ''}>
                  <strong>L{i.level}</strong> {i.description[lang]}
                  {found.has(i.level) && <span className="muted small"> · {t('review.rubricMatched')}</span>}
                  {i.evidence && i.evidence[lang].length > 0 && <span className="muted small"> · {i.evidence[lang].join(' / ')}</span>}
                </li>
              ))}
            </ol>
          </div>
        );
      })}
    </div>
  );
}
