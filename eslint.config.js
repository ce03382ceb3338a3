// Layers (DESIGN.md §2) are enforced here, not only described: each zone lists what it may not import.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronValue = {
  name: 'electron',
  allowTypeImports: true,
  message: 'This layer runs under plain Node: never value-import electron here (type imports are fine).',
};
const sqlite = {
  name: 'better-sqlite3',
  allowTypeImports: true,
  message: 'Only main/db talks to better-sqlite3; use the query functions it exports.',
};
const appLayer = {
  group: ['**/app/*', '**/app/**', '!**/app/composition-root', '!**/app/csp'],
  message: 'Nothing imports main/app: it is the composition root and the Electron shell.',
};
const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'worker_threads'],
  message: 'The renderer is sandboxed web code: no Node built-ins.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'test-results/**', 'coverage/**', 'native-models/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]", message: 'No .only in committed tests.' },
      ],
    },
  },
  {
    files: ['main/services/**/*.ts', 'main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronValue, sqlite], patterns: [appLayer, { group: ['**/ipc/*', '**/dev/*'], message: 'Services do not depend on transports or shells.' }] }],
    },
  },
  {
    files: ['main/db/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronValue], patterns: [appLayer, { group: ['**/services/**', '**/ipc/*'], message: 'main/db depends on nothing above it.' }] }],
    },
  },
  {
    files: ['main/ipc/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronValue, sqlite], patterns: [appLayer] }] },
  },
  {
    files: ['main/app/composition-root.ts', 'main/app/csp.ts', 'main/app/window-policy.ts', 'main/app/launch-config.ts', 'main/app/switch-policy.ts', 'main/app/lockdown-policy.ts', 'main/app/unpacked-integrity.ts', 'main/dev/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronValue, sqlite] }] },
  },
  {
    files: ['preload/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The contract is shared by every process: no electron.' }, sqlite],
          patterns: [nodeBuiltins, { group: ['**/main/**', '**/renderer/**'], message: 'The contract depends on nothing but zod.' }],
        },
      ],
    },
  },
  {
    // Pure code shared by main and the renderer (shared/README.md): nothing process-specific.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'shared/ is pure code every process imports: no electron.' }, sqlite],
          patterns: [nodeBuiltins, { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'shared/ depends on nothing but itself.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer reaches main only through window.kiosk.' }, sqlite],
          patterns: [nodeBuiltins, { group: ['**/main/**'], message: 'The renderer never imports main.' }],
        },
      ],
    },
  },
  {
    // The hub is its own service: PostgreSQL through pg only, never the kiosk's code or stores.
    files: ['hub/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The hub is a server: no electron.' }, { name: 'better-sqlite3', message: 'The hub stores in PostgreSQL through pg.' }],
          patterns: [{ group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'The hub shares no code with the kiosk; the HTTP contract is the boundary.' }],
        },
      ],
    },
  },
  {
    // The hub's HR endpoint (hub/hr) is the other end of the kiosk's key-release protocol: it
    // decides and seals with the same pure functions the kiosk opens with (issue #13: "reuse
    // them"), and validates with the same document. Only these protocol modules, never a store.
    files: ['hub/hr/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The hub is a server: no electron.' }, { name: 'better-sqlite3', message: 'The hub stores in PostgreSQL through pg.' }],
          patterns: [
            {
              regex: '(^|/)(renderer|preload)/|(^|/)main/(?!services/packs/(hr-grants|hr-protocol|stage-content|pack-crypto)$|services/contract/hr-contract$)',
              message: 'hub/hr shares only the HR protocol modules with the kiosk (hr-grants, hr-protocol, stage-content, pack-crypto, hr-contract).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'build/**/*.mjs', '*.config.{ts,js}'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
