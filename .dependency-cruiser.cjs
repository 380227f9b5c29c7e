/**
 * The direction of the code, held by `npm run lint`: doors (the APIs, administration,
 * self-service, the CLI) → identity (who is this request, may it do this) → credential stores →
 * the user store and password hashing → platform (dialects, configuration, clock, metrics,
 * database, throttling, audit). The folders under src/ stand on one ladder, from the bottom up: a
 * folder imports only folders below it, so no two folders import each other. Runtime imports
 * count; type-only imports do not (they vanish at compile time). The root files (main.ts,
 * app.module.ts, cli.ts, entities.ts) compose the rest and may import anything.
 */

/** Each layer's folders under src/, from the bottom up. */
const LAYERS = [
  ['clock', 'common', 'config', 'metrics', 'database', 'throttling', 'audit', 'security-events'],
  ['password-hashing', 'user-store'],
  [
    'credentials/liveness',
    'credentials/access-tokens',
    'credentials/user-tokens',
    'credentials/sessions',
    'credentials/service-clients',
    'credentials/second-factor',
    'credentials/login-keys',
    'credentials/passkeys',
  ],
  ['identity'],
];
/**
 * The doors, also from the bottom up: a door may stand on one listed before it (the user-token
 * login shares `POST /auth/login` with the session API's), never on one listed after it.
 */
const DOORS = [
  'sessions',
  'passwords',
  'auth',
  'users',
  'security',
  'oauth2',
  'ssf',
  'forward-auth',
  'account',
  'portal',
  'webauthn',
  'admin',
  'health',
  'maintenance',
  'cli',
];

const ORDER = [...LAYERS.flat(), ...DOORS];
const escape = (folder) => folder.replace(/[-/]/g, (c) => `\\${c}`);
const under = (folders) => `^src/(${folders.map(escape).join('|')})/`;

/** Rung by rung: nothing imports a folder above it, so no two folders import each other. */
const upward = ORDER.slice(0, -1).map((folder, rung) => ({
  name: `no-upward-from-${folder.replace('/', '-')}`,
  comment: `${folder} must not import ${ORDER.slice(rung + 1).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${escape(folder)}/` },
  to: { path: under(ORDER.slice(rung + 1)), dependencyTypesNot: ['type-only'] },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'No import cycle between files (and so none between folders)',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'folders-are-known',
      comment: 'Every folder under src/ has a place in the layers above',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: [under(ORDER)] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
