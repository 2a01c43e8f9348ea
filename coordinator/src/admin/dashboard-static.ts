/**
 * Serves the dashboard's built page (Vite's output in `coordinator/dist-web/`) at `/`, with
 * a strict Content-Security-Policy (everything from this origin, no CDN, no inline script).
 * When the bundle is missing, `/` answers 503 with the command that builds it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** Where the built page lives: `coordinator/dist-web/` (from `src/admin/` or `dist/admin/`). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist-web/', import.meta.url));

/** The command that builds the page. */
export const BUILD_WEB_COMMAND = 'npm run build:web -w @edgefed/coordinator';

/** Content-Security-Policy of the page. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Options of {@link dashboardStatic}. */
export interface DashboardStaticOptions {
  /** Folder holding `index.html` and `assets/` (default {@link DEFAULT_DASHBOARD_DIR}). */
  readonly dir?: string;
}

const MISSING_PAGE = `<!doctype html><meta charset="utf-8"><title>edgefed dashboard not built</title>
<body>
<h1>The dashboard is not built</h1>
<p>Build it once, then reload this page:</p>
<pre>${BUILD_WEB_COMMAND}</pre>
<p>The REST API under <code>/api</code> works without it.</p></body>`;

/**
 * Router that serves the page. Hashed assets are cached for a year; `index.html` is never
 * cached, so a rebuilt page is picked up on reload. The folder is checked on every request
 * for `/`, so building while the server runs works without a restart.
 */
export function dashboardStatic(o: DashboardStaticOptions = {}): Router {
  const dir = o.dir ?? DEFAULT_DASHBOARD_DIR;
  const r = Router();
  r.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  r.get(['/', '/index.html'], (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!existsSync(`${dir}/index.html`)) {
      res.status(503).type('html').send(MISSING_PAGE);
      return;
    }
    res.sendFile('index.html', { root: dir });
  });
  r.use(
    '/assets',
    express.static(`${dir}/assets`, { immutable: true, maxAge: '365d', index: false, fallthrough: true }),
  );
  r.get('/favicon.svg', (_req, res, next) => {
    res.sendFile('favicon.svg', { root: dir }, (err) => {
      if (err) next();
    });
  });
  return r;
}
