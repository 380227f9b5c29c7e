import type { Response } from 'supertest';
import type { TestApp } from './app.js';

/** The portal's session cookie, by its default name. */
export const BROWSER_COOKIE = 'gatehouse_session';

/**
 * What a browser keeps between the sign-in portal's answers: its cookies, as a browser keeps them
 * (a Set-Cookie with Max-Age=0 or a past Expires removes one), and the form token of the page it
 * was served, which its next form sends. Tests that send each request themselves absorb answers
 * into it; Browser sends them too.
 */
export class BrowserState {
  readonly cookies = new Map<string, string>();
  /** The form token of the last page served. */
  token = '';

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The portal session's cookie: its sid followed by its secret, as /auth/validate takes it. */
  session(): string | undefined {
    return this.cookies.get(BROWSER_COOKIE);
  }

  absorb(res: Response): void {
    for (const header of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      const expired = attributes.some(
        (attribute) => /^max-age=0$/i.test(attribute) || /^expires=.*1970/i.test(attribute),
      );
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '')?.[1];
    if (token) this.token = token;
  }
}

/** A browser of one app: BrowserState that sends its own requests, as a browser does. */
export class Browser extends BrowserState {
  constructor(private readonly app: TestApp) {
    super();
  }

  async get(path: string): Promise<Response> {
    const res = await this.app.http().get(path).set('Cookie', this.cookieHeader());
    this.absorb(res);
    return res;
  }

  /** A form sent as a browser sends one: the fields given (the form token among them or not). */
  async post(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await this.app
      .http()
      .post(path)
      .set('Cookie', this.cookieHeader())
      .set(headers)
      .type('form')
      .send(fields);
    this.absorb(res);
    return res;
  }

  /** Signs in through the portal's form with a password (the first step): its answer. */
  async signIn(username: string, password: string): Promise<Response> {
    await this.get('/signin');
    return this.post('/signin', { _csrf: this.token, username, password });
  }
}
