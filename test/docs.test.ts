import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from '../src/api/errors.js';
import { ENV_BINDINGS } from '../src/config/load-config.js';

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

describe('docs', () => {
  it('docs/admin-api.md lists every error code with its status', () => {
    const doc = read('docs/admin-api.md');
    for (const [code, { status }] of Object.entries(API_ERRORS)) {
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
    }
  });

  it('docs/configuration.md names every environment variable', () => {
    const doc = read('docs/configuration.md');
    for (const { name } of ENV_BINDINGS) expect(doc).toContain(`\`${name}\``);
    for (const name of ['EP_CONFIG_FILE', 'EP_CLIENT_KEYS_FILE', 'REDIS_URL']) {
      expect(doc).toContain(`\`${name}\``);
    }
  });
});
