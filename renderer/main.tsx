import './trusted-types';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { mark, startDiagnostics } from './diagnostics';
import { I18nProvider } from './i18n';
import './styles.css';

mark('boot');
startDiagnostics();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <App />
      </I18nProvider>
    </StrictMode>,
  );
}
