import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';

/** A script the portal serves: its text, and the address its pages load it from. */
export interface PortalScript {
  text: string;
  /** The path with the text's hash as its version, so that a browser may keep it for good. */
  src: string;
}

/** Where the portal's scripts are served, by name. */
export const SCRIPTS_PATH = 'portal/scripts';

/**
 * @simplewebauthn/browser's UMD bundle (the global SimpleWebAuthnBrowser), which its package does
 * not export by path: found next to the entry point the package does export, in the node_modules
 * of the build as of the sources.
 */
function webAuthnBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js');
}

function scriptOf(name: string, path: string): PortalScript {
  const text = readFileSync(path, 'utf8');
  const version = createHash('sha256').update(text).digest('base64url').slice(0, 16);
  return { text, src: `/${SCRIPTS_PATH}/${name}?v=${version}` };
}

/**
 * The only scripts of the portal, read once at start and served by the portal itself (nothing
 * from another site): the WebAuthn library, and the page script of ours that uses it on the pages
 * that offer passkeys (views/passkeys.js, copied with the views into the build).
 */
@Injectable()
export class PortalScripts {
  readonly webAuthn = scriptOf('webauthn.js', webAuthnBundlePath());
  readonly passkeys = scriptOf(
    'passkeys.js',
    fileURLToPath(new URL('./views/passkeys.js', import.meta.url)),
  );
}
