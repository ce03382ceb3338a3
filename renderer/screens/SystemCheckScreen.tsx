import { useEffect, useState } from 'react';
import { ActionButton } from '../components/ActionButton';
import type { PrecheckReportView } from '../../preload/contract/precheck';
import { useI18n } from '../i18n';
import { releaseStream } from '../media';
import { download, reportFileBase, reportHtml, reportJson } from '../precheck/report-file';
import { PrecheckFlow } from './PrecheckFlow';
import { PrecheckReport } from './PrecheckReport';

/** The way into the at-home check from the first screen: no invite code needed. */
export function SystemCheckEntry({ onOpen }: { onOpen: () => void }) {
  const { t } = useI18n();
  return (
    <section className="card system-check-entry" aria-labelledby="sc-entry-h">
      <h2 id="sc-entry-h">{t('systemCheck.entryHeading')}</h2>
      <p>{t('systemCheck.entryText')}</p>
      <div className="actions start">
        <button type="button" className="secondary" onClick={onOpen} data-testid="system-check-open">
          {t('systemCheck.open')}
        </button>
      </div>
    </section>
  );
}

/** Home mode: the same checks as the kiosk, a report to keep, and files to send to HR. */
export function SystemCheckScreen({ onBack }: { onBack: () => void }) {
  const { t, locale } = useI18n();
  const [attempt, setAttempt] = useState(0);
  const [report, setReport] = useState<PrecheckReportView | null>(null);
  const [saved, setSaved] = useState<{ json: string; html: string } | null>(null);

  // Nothing is recorded at home: give the camera and microphone back when the candidate leaves.
  useEffect(() => () => releaseStream(), []);

  function save() {
    if (!report) return;
    const base = reportFileBase(report.finishedAt);
    const files = { json: `${base}.json`, html: `${base}.html` };
    download(files.json, reportJson(report, locale, t), 'application/json');
    download(files.html, reportHtml(report, locale, t), 'text/html');
    setSaved(files);
  }

  return (
    <section className="card wide" aria-labelledby="sc-h" data-testid="system-check">
      <h1 id="sc-h">{t('systemCheck.heading')}</h1>
      {!report && <p className="lead">{t('systemCheck.intro')}</p>}
      {!report && <PrecheckFlow key={attempt} mode="home" onReport={setReport} />}
      {report && <PrecheckReport report={report} />}
      {saved && (
        <p className="hint" role="status" data-testid="system-check-saved">
          {t('systemCheck.saved', saved)}
        </p>
      )}
      <div className="actions">
        <button type="button" className="link" onClick={onBack} data-testid="system-check-back">
          {t('systemCheck.back')}
        </button>
        {report && (
          <>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setReport(null);
                setSaved(null);
                setAttempt((a) => a + 1);
              }}
            >
              {t('systemCheck.again')}
            </button>
            <ActionButton className="primary" onAction={save} data-testid="system-check-save">
              {t('systemCheck.save')}
            </ActionButton>
          </>
        )}
      </div>
    </section>
  );
}
